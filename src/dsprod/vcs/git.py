"""Every plain git call dsprod makes (versions themselves come from setuptools_scm in scm.py)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from dsprod.errors import InputError
from dsprod.vcs.urls import without_credentials


def git(cwd: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``git args`` in ``cwd``; the caller judges the return code."""
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def toplevel(folder: Path) -> Path | None:
    """The root of the git work tree holding ``folder``, or None outside any repository."""
    result = git(folder, "rev-parse", "--show-toplevel") if folder.is_dir() else None
    if result is None or result.returncode != 0:
        return None
    return Path(result.stdout.strip()).resolve()


def require_toplevel(folder: Path) -> Path:
    """Like ``toplevel``, but outside a repository is an input error."""
    top = toplevel(folder)
    if top is None:
        raise InputError(
            f"{folder}: not inside a git repository (dsprod versions come from git tags)"
        )
    return top


def path_in_repository(root: Path, relative: str) -> str:
    """``root/relative`` as a path from the repository's root (``relative`` outside a repository).

    Packages record their tests folder this way, so that a project in a
    sub-folder of a monorepo still finds its tests in ``git archive``.
    """
    resolved = root.resolve()
    top = toplevel(resolved)
    return (resolved / relative).relative_to(top or resolved).as_posix()


def head(root: Path) -> str:
    """Full hash of the commit checked out in the repository that contains ``root``."""
    if not root.is_dir():
        raise InputError(f"{root}: no such folder")
    if git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise InputError(f"{root}: not inside a git repository (run `git init` and commit)")
    completed = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if completed.returncode != 0:
        raise InputError(f"{root}: the git repository has no commit yet (commit your files)")
    return completed.stdout.strip()


def is_dirty(root: Path) -> bool:
    """True when tracked files have uncommitted changes."""
    return bool(git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip())


def changes_digest(root: Path) -> str:
    """A short digest of the uncommitted changes to tracked files (``git diff HEAD``)."""
    diff = subprocess.run(
        ["git", "diff", "HEAD", "--binary"], cwd=root, capture_output=True, check=False
    ).stdout
    return hashlib.sha256(diff).hexdigest()[:8]


def origin_url(git_root: Path) -> str | None:
    """The ``origin`` remote's URL without credentials, or None when there is no origin.

    Packages record it for good (``extra.dsprod.repository``), and CI's origin
    carries a token (``https://oauth2:TOKEN@host/...``): see ``urls.py``.
    Without an origin nothing is recorded: the repository's folder would be a
    path on the build machine, and ``dsprod test`` looks in the local checkout
    first anyway.
    """
    result = git(git_root, "remote", "get-url", "origin")
    url = result.stdout.strip()
    return without_credentials(url) if result.returncode == 0 and url else None
