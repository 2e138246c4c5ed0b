"""What only Python knows about a built package: pip installed it, at the version from git,
with its compiled extensions when the project has any."""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

from dsprod.artifact import Artifact
from dsprod.project import ProjectInfo

_DIST_INFO = re.compile(r"site-packages/([^/]+)-([^/-]+)\.dist-info/METADATA$")
_SITE_PACKAGES = re.compile(r"^lib/python3\.(\d+)/site-packages/")


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


def extension_problems(artifact: Artifact, info: ProjectInfo) -> Iterable[str]:
    """A project with extensions must give a package with a compiled module for its python.

    Builds can fall back to pure Python without failing (an optional
    ``Extension``, a ``build_ext`` that swallows compiler errors, a CMake
    install rule that misses its target): the package would then import, and be
    slow or incomplete, everywhere. An extension module for python 3.11 is
    ``*.cpython-311-<platform>.so``, or ``*.abi3.so`` for the stable ABI.
    """
    if info.noarch:
        return
    minors = {m.group(1) for e in artifact.paths if (m := _SITE_PACKAGES.match(e["_path"]))}
    modules = [e["_path"] for e in artifact.paths if e["_path"].endswith(".so")]
    for minor in sorted(minors) or [""]:
        tag = f".cpython-3{minor}-"
        if not any(tag in path or path.endswith(".abi3.so") for path in modules):
            others = ", ".join(path.rsplit("/", 1)[-1] for path in modules) or "none"
            yield (
                f"{info.name} compiles extensions ({', '.join(info.compilers)}) but the package"
                f" holds no extension module for python 3.{minor or '?'} (*{tag}*.so or"
                f" *.abi3.so; .so files found: {others}): the build fell back to pure Python"
                " or installed its extension elsewhere"
            )
