"""Shared fixtures.

The rattler package cache is moved under dsprod's own user cache (unless the
caller chose one) so tests never touch ~/.cache/rattler, while keeping the
cache across sessions: re-extracting python for every test run is waste.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from platformdirs import user_cache_dir

os.environ.setdefault("RATTLER_CACHE_DIR", str(Path(user_cache_dir("dsprod")) / "rattler-cache"))


@pytest.fixture(scope="session")
def bootstrap_channel() -> Path:
    """The per-user bootstrap channel (python, pip, pytest, build backends), built once."""
    from dsprod.bootstrap import ensure_bootstrap_channel

    return ensure_bootstrap_channel()
