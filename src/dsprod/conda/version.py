"""PEP 440 -> conda version spelling, finality and build strings: pure functions, no git.

conda (and rattler) order versions differently from PEP 440; ``to_conda_version``
spells a PEP 440 version so that both orders agree (``tests/test_version_order.py``
proves it over generated versions).
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

_BUILD_STRING_FORBIDDEN = re.compile(r"[^A-Za-z0-9_.]")


class NotPep440(ValueError):
    """A string that is not a PEP 440 version (callers say where it came from)."""


def parse_pep440(pep440: str) -> Version:
    """``pep440`` as a ``packaging`` Version; raises ``NotPep440`` with the bad value."""
    try:
        return Version(pep440)
    except InvalidVersion as err:
        raise NotPep440(f"{pep440!r} is not a PEP 440 version") from err


def to_conda_version(pep440: str) -> str:
    """Spell a PEP 440 version so conda/rattler order it as PEP 440 does.

    Three differences in conda's order need a different spelling:

    - ``1.2.dev2`` would be a separate component sorting above ``1.2rc1``: write
      ``devN`` without the dot, right after the release or pre-release.
    - Before a pre-release or dev suffix, conda pads differently from PEP 440
      (``1.0a1`` < ``1.0.0a1`` in conda, equal in PEP 440): drop trailing zeros
      from the release there, so both become ``1a1``.
    - PEP 440 puts ``1.0.post1`` between ``1.0`` and ``1.0.0.1``, a place conda's
      zero padding has no room for in the main version. conda's local segment is
      compared only after the main version, so the post (and its dev) goes there:
      ``1.0+post1``, ``1.2+post1dev2``.

    The local part of a PEP 440 version is dropped: it belongs in the build string.
    """
    version = parse_pep440(pep440)
    inline = ""
    if version.pre is not None:
        inline += f"{version.pre[0]}{version.pre[1]}"
    if version.dev is not None and version.post is None:
        inline += f"dev{version.dev}"
    release = list(version.release)
    if inline:
        while len(release) > 1 and release[-1] == 0:
            release.pop()
    conda = ".".join(str(part) for part in release) + inline
    if version.epoch:
        conda = f"{version.epoch}!{conda}"
    if version.post is not None:
        conda += f"+post{version.post}"
        if version.dev is not None:
            conda += f"dev{version.dev}"
    return conda


def is_final(pep440: str) -> bool:
    """Neither a pre- nor a dev-release; post-releases count as final."""
    version = parse_pep440(pep440)
    return version.pre is None and version.dev is None


def build_string(commit: str, local: str | None, changes: str | None) -> str:
    """A conda build string that names the sources: ``g<hash>`` or the sanitised local part.

    The hash makes it unique per commit even when the local scheme omits it. A
    dirty tree adds ``_dirty<digest of the uncommitted changes>``: two builds of
    different edits never share a file name, and the same edits name the same build.
    """
    node = f"g{commit[:9]}"
    if local:
        sanitised = _BUILD_STRING_FORBIDDEN.sub("_", local)
        node = sanitised if node in sanitised else f"{node}_{sanitised}"
    return f"{node}_dirty{changes}" if changes else node
