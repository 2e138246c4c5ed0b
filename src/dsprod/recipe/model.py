"""A neutral conda recipe: what to build, independent of the recipe file format.

Each language fills a ``Recipe`` from a ``ProjectInfo``; writers (``v1.py`` for
rattler-build's ``recipe.yaml``, later a v0 writer for ``meta.yaml``) turn it
into text. The model holds plain values only, never template syntax: which
values change with every commit, and so are read from per-build variables
(``BUILD_VARIABLES``), is the writer's business, as is spelling a compiler.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsprod.recipe.extra import DsprodExtra
from dsprod.vcs.scm import VersionInfo

# Variables dsprod gives every build (``BuildRequest.variables``); recipe writers
# refer to them so that a recipe file is never stale. The recipe's own values
# are the defaults, used when the recipe is built without dsprod.
BUILD_VARIABLES = {
    "conda_version": "dsprod_conda_version",
    "pep440_version": "dsprod_pep440_version",
    "native_version": "dsprod_native_version",
    "build_string": "dsprod_build_string",
    "commit": "dsprod_git_commit",
    "repository": "dsprod_git_repository",
}


def build_variables(version: VersionInfo, repository: str | None) -> dict[str, str]:
    """This commit's per-build values, by variable name (no origin: an empty repository)."""
    return {
        BUILD_VARIABLES["conda_version"]: version.conda,
        BUILD_VARIABLES["pep440_version"]: version.pep440,
        BUILD_VARIABLES["native_version"]: version.native,
        BUILD_VARIABLES["build_string"]: version.build_string,
        BUILD_VARIABLES["commit"]: version.commit,
        BUILD_VARIABLES["repository"]: repository or "",
    }


@dataclass(frozen=True)
class About:
    """The about section: what users and channel browsers see."""

    summary: str = ""
    description: str = ""
    license: str | None = None
    license_files: tuple[str, ...] = ()
    homepage: str | None = None
    repository: str | None = None
    documentation: str | None = None


@dataclass(frozen=True)
class PackageContents:
    """Files the built package must contain (rattler-build's ``package_contents`` test).

    ``include`` is relative to ``include/``, ``lib`` names libraries (``foo`` for
    ``lib/libfoo.so``), ``bin`` names executables, ``files`` are paths in the prefix.
    """

    include: tuple[str, ...] = ()
    lib: tuple[str, ...] = ()
    bin: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    """Everything a builder needs to build one package from one project."""

    name: str
    conda_version: str
    pep440_version: str
    native_version: str
    """The version in the project's own syntax (``VersionInfo.native``: R's ``1.0-7``)."""
    build_string: str
    source_path: str
    """Project folder, relative to the recipe file's folder (or absolute)."""
    script: tuple[str, ...]
    """Build script lines (bash); ``$PYTHON``, ``$PREFIX``, ``$SRC_DIR`` are the builder's."""
    extra: DsprodExtra
    """What ``dsprod test`` and promotion read back from the built package (commit ...)."""
    noarch: str | None = None
    """``"python"``, ``"generic"`` or None for a platform-specific package."""
    script_env: tuple[tuple[str, str], ...] = ()
    """Extra environment for the build script; values are literals."""
    pep440_script_env: tuple[str, ...] = ()
    """Build script variables that carry this commit's PEP 440 version (per-commit values)."""
    native_version_script_env: tuple[str, ...] = ()
    """Build script variables that carry this commit's ``native_version`` (per-commit values)."""
    entry_points: tuple[str, ...] = ()
    compilers: tuple[str, ...] = ()
    """Compilers by rattler-build's name (``c``, ``cxx``, ``fortran``, ``rust``)."""
    build_requirements: tuple[str, ...] = ()
    host_requirements: tuple[str, ...] = ()
    run_requirements: tuple[str, ...] = ()
    run_exports_pin: str | None = None
    """Upper bound (``x``, ``x.x``) of the pin on this package that it exports to the
    packages built against it (a shared library, by its SONAME); None: no run_exports."""
    package_contents: PackageContents | None = None
    """Files the package's own test checks it installed; None: no such test."""
    test_imports: tuple[str, ...] = ()
    """Python modules the package's own smoke test imports."""
    test_commands: tuple[str, ...] = ()
    """Shell commands the package's own smoke test runs (e.g. ``tool --help``)."""
    test_requirements: tuple[str, ...] = ()
    """Requirements of the smoke-test commands above."""
    about: About = field(default_factory=About)
