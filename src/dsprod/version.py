"""Git -> PEP 440 (setuptools_scm semantics) -> conda version, build string, finality."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VersionInfo:
    """A project's version at one commit, in both PEP 440 and conda spelling."""

    pep440: str
    """Public PEP 440 version, what the build backend must compute (no local part)."""
    conda: str
    """A conda version that sorts among others exactly as ``pep440`` does in PEP 440."""
    build_string: str
    """Conda build string; carries the git hash (and the local part, if any)."""
    commit: str
    """Full git commit hash that was versioned."""
    distance: int
    """Commits since the tag that gave the version (0 on a tagged commit)."""
    dirty: bool
    """The working tree had uncommitted changes to tracked files."""
    is_final: bool
    """Neither a pre- nor a dev-release (post-releases are final)."""
    tag: str | None
    """The git tag the version came from, if any."""
