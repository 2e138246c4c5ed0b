"""What only Python knows about a built package: pip installed it, at the version from git."""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

from dsprod.artifact import Artifact

_DIST_INFO = re.compile(r"site-packages/([^/]+)-([^/-]+)\.dist-info/METADATA$")


def dist_info_version_problems(artifact: Artifact, pep440: str) -> Iterable[str]:
    """The package's ``*.dist-info`` must exist and carry the PEP 440 version dsprod computed."""
    found = [m.group(2) for e in artifact.paths if (m := _DIST_INFO.search(e["_path"]))]
    if not found:
        yield "no *.dist-info/METADATA in site-packages: pip did not install the project"
        return
    for version in found:
        try:
            matches = Version(version) == Version(pep440)
        except InvalidVersion:
            matches = False
        if not matches:
            yield (
                f"the build backend wrote version {version}, dsprod computed {pep440}"
                " from git (a static version in the project metadata disagrees with the tags?)"
            )
