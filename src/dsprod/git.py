"""What dsprod asks of git besides versions (those come from setuptools_scm in version.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def toplevel(folder: Path) -> Path | None:
    """The root of the git work tree holding ``folder``, or None outside any repository."""
    result = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True, text=True
    )
    return Path(result.stdout.strip()).resolve() if result.returncode == 0 else None


def path_in_repository(root: Path, relative: str) -> str:
    """``root/relative`` as a path from the repository's root (``relative`` outside a repository).

    Packages record their tests folder this way, so that a project in a
    sub-folder of a monorepo still finds its tests in ``git archive``.
    """
    resolved = root.resolve()
    top = toplevel(resolved)
    return (resolved / relative).relative_to(top or resolved).as_posix()
