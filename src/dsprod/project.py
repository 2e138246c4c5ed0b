"""The language-neutral description of a project that every later stage reads.

Each language's reader (``dsprod.languages.<name>``) turns a project's own
metadata into a ``ProjectInfo``; recipe generation reads only this value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dsprod.vcs.scm import VersionInfo


@dataclass(frozen=True)
class ProjectInfo:
    """What dsprod knows about one project at one commit."""

    root: Path
    """The project's folder (where pyproject.toml / DESCRIPTION lives)."""
    language: str
    """The name of the language that read it (a key of ``dsprod.languages.LANGUAGES``)."""
    name: str
    """The name as the project itself spells it (PyPI or CRAN name)."""
    conda_name: str
    """The conda package name (normalised: lower case, ``_`` -> ``-``, ``r-`` prefix for R)."""
    version: VersionInfo
    summary: str = ""
    description: str = ""
    license: str | None = None
    """SPDX expression, or None when the project declares none."""
    license_files: tuple[str, ...] = ()
    homepage: str | None = None
    repository: str | None = None
    documentation: str | None = None
    build_backend: str | None = None
    """How the project builds itself: a PEP 517 backend module (``hatchling.build`` ...)."""
    build_system: str | None = None
    """How a compiled project builds (``cmake``, ``meson``, ``make``); None for the others."""
    compilers: tuple[str, ...] = ()
    """Compilers the build needs, by rattler-build's name (``c``, ``cxx``, ``fortran``...)."""
    build_requirements: tuple[str, ...] = ()
    """Conda match specs of the tools the build runs (cmake, ninja, pkg-config ...)."""
    host_requirements: tuple[str, ...] = ()
    """Conda match specs needed to build (python, pip, backend and its plugins)."""
    run_requirements: tuple[str, ...] = ()
    """Conda match specs needed at run time."""
    test_requirements: tuple[str, ...] = ()
    """Conda match specs needed only to run the project's tests (pytest, testthat ...)."""
    optional_test_requirements: tuple[str, ...] = ()
    """Conda match specs the tests use when available (R's Suggests); see ``DsprodExtra``."""
    test_options: tuple[str, ...] = ()
    """Configure options that switch the project's tests on (``-DFOO_BUILD_TESTS=ON``)."""
    installed_files: tuple[str, ...] = ()
    """What the install step puts under the prefix (relative paths), when the build system
    can say before building: the package's content tests."""
    run_exports_pin: str | None = None
    """The upper bound (``x``, ``x.x``) a shared library pins its dependants to, by its SONAME;
    None for a package that exports no pin."""
    entry_points: tuple[str, ...] = ()
    """Console scripts as ``name = module:function``."""
    imports: tuple[str, ...] = ()
    """Top-level modules a smoke test can import."""
    noarch: bool = True
    """True when the package is pure (noarch python / noarch generic); False with compilers."""
    tests_dirs: tuple[str, ...] = ("tests",)
    """Where the project's own tests live, relative to the git root of ``root``."""
    warnings: tuple[str, ...] = field(default=())
    """Things the reader could not map faithfully (shown to the user, never dropped silently)."""
    notes: tuple[str, ...] = field(default=())
    """Decisions worth a line that need no action (a build requirement whose marker is false)."""
