"""What a C/C++ build system says about a project, before dsprod turns it into a ``ProjectInfo``.

Each reader (``cmake.py``, ``meson.py``, ``make.py``) asks its build system's own
tools and fills a ``BuildPlan``; ``reader.py`` adds what git and the licence files
say. Keeping this step plain data lets the readers be tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGE_COMPILERS = {"C": "c", "CXX": "cxx", "Fortran": "fortran"}
"""Build-system language names (CMake's spelling; meson's are mapped to it) -> compilers."""


@dataclass(frozen=True)
class Installed:
    """One file the install step puts under the prefix, and what kind of file it is."""

    path: str
    """Relative to the prefix (``lib/libfoo.so.1``, ``include/foo.h``)."""
    kind: str
    """``shared`` | ``static`` | ``executable`` | ``header`` | ``cmake_config`` | ``pkgconfig``
    | ``other``."""
    soname: str | None = None
    """The SONAME of a shared library (``libfoo.so.1``), when the build system says it."""


@dataclass(frozen=True)
class BuildPlan:
    """A project as its build system configured it: names, languages, install plan, tests."""

    build_system: str
    """``cmake`` | ``meson`` | ``make``."""
    name: str | None
    version: str | None
    """The project's declared version (``project(VERSION)``, meson ``version:``), if any."""
    summary: str = ""
    homepage: str | None = None
    license: str | None = None
    """An SPDX expression the build files declare (meson ``license:``), if any."""
    languages: tuple[str, ...] = ()
    """Languages the project enables (``C``, ``CXX``): the recipe's compilers."""
    test_languages: tuple[str, ...] = ()
    """Languages the test executables are written in: the test env's compilers."""
    installed: tuple[Installed, ...] = ()
    tests: tuple[str, ...] = ()
    """The project's test names, as its test driver lists them."""
    tests_dirs: tuple[str, ...] = ()
    """Folders (relative to the project folder) where the tests are defined."""
    test_options: tuple[str, ...] = ()
    """Configure options that switch the tests on (``-DFOO_BUILD_TESTS=ON``)."""
    dependencies: tuple[str, ...] = ()
    """Dependencies by the build system's name (``ZLIB``, ``zlib``): mapped in ``dependencies``."""
    notes: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())
