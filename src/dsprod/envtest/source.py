"""The project's tests, taken from git at the commit that was built (never the working tree)."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from dsprod.errors import InputError

# Files beside the tests folder that configure the test runner, but hold no code
# the installed package could be shadowed by.
RUNNER_CONFIG_FILES = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "conftest.py")


def export_tests(candidates: list[str], commit: str, tests_dir: str, destination: Path) -> Path:
    """Write ``tests_dir`` (and runner config beside it) as of ``commit`` into ``destination``.

    ``candidates`` are repositories to look in, in order (the local checkout
    first, then the URL recorded in the package); the first that has the
    commit is used. Returns the exported tests folder.
    """
    repository = _repository_with(candidates, commit, destination.parent / "clones")
    if repository is None:
        tried = ", ".join(candidates) or "none recorded"
        raise InputError(f"commit {commit[:12]} is in none of the repositories tried ({tried})")
    base = PurePosixPath(tests_dir).parent
    wanted = [tests_dir] + [
        str(base / name) for name in RUNNER_CONFIG_FILES if _exists(repository, commit, base / name)
    ]
    if not _exists(repository, commit, PurePosixPath(tests_dir)):
        raise InputError(f"{repository}: no '{tests_dir}' folder at commit {commit[:12]}")
    archive = _git(repository, "archive", "--format=tar", commit, "--", *wanted)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    return destination / tests_dir


def _repository_with(candidates: list[str], commit: str, scratch: Path) -> str | None:
    """The first candidate holding ``commit``; remote ones are cloned (bare) under ``scratch``."""
    for number, candidate in enumerate(candidates):
        if Path(candidate).is_dir():
            if _has_commit(candidate, commit):
                return candidate
        else:
            clone = str(scratch / str(number))
            result = subprocess.run(
                ["git", "clone", "--quiet", "--bare", "--filter=blob:none", candidate, clone],
                capture_output=True,
            )
            if result.returncode == 0 and _has_commit(clone, commit):
                return clone
    return None


def _has_commit(repository: str, commit: str) -> bool:
    result = subprocess.run(
        ["git", "-C", repository, "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True
    )
    return result.returncode == 0


def _exists(repository: str, commit: str, path: PurePosixPath) -> bool:
    result = subprocess.run(
        ["git", "-C", repository, "cat-file", "-e", f"{commit}:{path}"], capture_output=True
    )
    return result.returncode == 0


def _git(repository: str, *args: str) -> bytes:
    result = subprocess.run(["git", "-C", repository, *args], capture_output=True)
    if result.returncode != 0:
        raise InputError(f"{repository}: git {args[0]} failed: {result.stderr.decode().strip()}")
    return result.stdout
