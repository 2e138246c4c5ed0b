"""Version values for tests that need a ``VersionInfo`` but no git repository."""

from __future__ import annotations

from dsprod.vcs.scm import VersionInfo

TAGGED_1_0 = VersionInfo(
    pep440="1.0",
    native="1.0",
    conda="1.0",
    build_string="g1234567_0",
    commit="1234567" * 5 + "12345",
    distance=0,
    dirty=False,
    is_final=True,
    tag="1.0",
)
"""A commit tagged ``1.0``, clean."""
