"""The project's tests, taken from git at the commit that was built (never the working tree)."""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dsprod.errors import InputError


@dataclass(frozen=True)
class ExportedTests:
    """Where the exported files are: the project folder and its tests folders inside it."""

    project: Path
    """The project folder as exported (only runner configuration and tests, never its source)."""
    tests: tuple[Path, ...]
    """The exported tests folders, in the order the package records them."""


def export_tests(
    candidates: list[str],
    commit: str,
    project_dir: str,
    tests_dirs: Sequence[str],
    destination: Path,
    *,
    config_files: Sequence[str] = (),
    folder_files: Sequence[str] = (),
) -> ExportedTests:
    """Write ``tests_dirs`` and the runner configuration as of ``commit`` into ``destination``.

    Paths are relative to the repository root; ``project_dir`` is the project's
    folder (``.`` at the root). Taken besides the tests folders: the runner's
    ``config_files`` in the project folder, and its ``folder_files``
    (pytest's ``conftest.py``) of the project folder and of each folder from
    there down to each tests folder; the language names them. ``candidates`` are
    repositories to look in, in order (the local checkout first, then the URL
    recorded in the package); the first that has the commit is used.
    """
    repository = _repository_with(candidates, commit, destination.parent / "clones")
    if repository is None:
        tried = ", ".join(candidates) or "none recorded"
        raise InputError(f"commit {commit[:12]} is in none of the repositories tried ({tried})")
    project = PurePosixPath(project_dir)
    for tests_dir in tests_dirs:
        if not _exists(repository, commit, PurePosixPath(tests_dir)):
            raise InputError(f"{repository}: no '{tests_dir}' folder at commit {commit[:12]}")
    support = [project / name for name in config_files]
    support += [
        folder / name
        for tests_dir in tests_dirs
        for folder in (project, *_on_the_way(project, PurePosixPath(tests_dir)))
        for name in folder_files
    ]
    wanted = [
        *tests_dirs,
        *dict.fromkeys(str(path) for path in support if _exists(repository, commit, path)),
    ]
    archive = _git(repository, "archive", "--format=tar", commit, "--", *wanted)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    return ExportedTests(
        project=destination / project,
        tests=tuple(destination / tests_dir for tests_dir in tests_dirs),
    )


def _on_the_way(project: PurePosixPath, tests_dir: PurePosixPath) -> list[PurePosixPath]:
    """The folders below ``project`` that lead to ``tests_dir`` (none when it lies elsewhere)."""
    if project not in tests_dir.parents:
        return []
    return [parent for parent in tests_dir.parents if project in parent.parents]


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
