"""A C/C++ project's ``ProjectInfo``: its build system's answers, git's version, its licence.

The build system (``choose.py``) is asked by its own tools (``cmake.py``,
``meson.py``, ``make.py``) in a scratch folder; this module adds the version
(git tags; the project's declared version, with a warning, when no tag is
reachable), the licence (the build files' SPDX declaration, else the licence
files' text), the conda names of the dependencies, and what the tests need.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from packaging.version import InvalidVersion, Version

from dsprod.conda.license_text import all_applying, identify_license_file
from dsprod.conda.licenses import UNKNOWN_LICENSE, spdx_expression
from dsprod.conda.version import build_string, is_final, to_conda_version
from dsprod.errors import InputError
from dsprod.languages.c.choose import choose
from dsprod.languages.c.cmake import read_cmake
from dsprod.languages.c.dependencies import map_dependencies
from dsprod.languages.c.make import read_make
from dsprod.languages.c.meson import read_meson
from dsprod.languages.c.plan import LANGUAGE_COMPILERS, BuildPlan
from dsprod.project import ProjectInfo
from dsprod.vcs import git
from dsprod.vcs.git import path_in_repository
from dsprod.vcs.scm import NoVersionTag, VersionInfo, git_version

BUILD_TOOLS = {"cmake": ("cmake", "ninja"), "meson": ("meson", "ninja"), "make": ("make",)}
"""The conda packages each build system's build (and the tests' build) runs."""
TEST_COMPILERS = {"C": "gcc_linux-64", "CXX": "gxx_linux-64", "Fortran": "gfortran_linux-64"}
"""Compiler packages by conda name, for the test env (the recipe says ``compiler('c')``)."""
README_FILES = ("README.md", "README.rst", "README.txt", "README")
LICENSE_FILES = ("LICENSE*", "LICENCE*", "COPYING*")


def read_plan(root: Path, build_system: str | None) -> tuple[BuildPlan, tuple[str, ...]]:
    """Ask the chosen build system about ``root`` in a scratch folder; notes say the choice."""
    chosen, notes = choose(root, build_system)
    if chosen == "make":
        return read_make(root), notes
    with tempfile.TemporaryDirectory(prefix="dsprod-c-read-") as scratch:
        reader = read_cmake if chosen == "cmake" else read_meson
        return reader(root, Path(scratch)), notes


def read_c_project(root: Path, build_system: str | None = None) -> ProjectInfo:
    """Describe the C/C++ project in ``root`` (``build_system``: the user's choice, if any)."""
    plan, choice_notes = read_plan(root, build_system)
    warnings = list(plan.warnings)
    notes = [*choice_notes, *plan.notes]
    if not plan.name:
        raise InputError(f"{root}: the {plan.build_system} project declares no name")
    version = _version(root, plan, warnings)
    mapped = map_dependencies(plan.dependencies)
    if mapped.unknown:
        warnings.append(
            f"{root}: no conda package known for the {plan.build_system} dependencies"
            f" {', '.join(mapped.unknown)}: left out of the recipe (add them to a maintained"
            " recipe's host requirements)"
        )
    tools = BUILD_TOOLS[plan.build_system]
    build_requirements = tuple(dict.fromkeys([*tools, *mapped.build]))
    tests_dirs = _tests_dirs(root, plan, warnings)
    license_files = _license_files(root)
    return ProjectInfo(
        root=root,
        language="c",
        name=plan.name,
        conda_name=plan.name.lower(),
        version=version,
        summary=plan.summary or _readme_summary(root, notes, warnings),
        license=_license(root, plan, license_files, warnings),
        license_files=license_files,
        homepage=plan.homepage,
        build_system=plan.build_system,
        compilers=tuple(
            LANGUAGE_COMPILERS[name] for name in plan.languages if name in LANGUAGE_COMPILERS
        ),
        build_requirements=build_requirements,
        host_requirements=mapped.host,
        # Shared libraries and executables link them, and consumers of headers or static
        # libraries need them too.
        run_requirements=mapped.host,
        test_requirements=tuple(
            dict.fromkeys(
                [
                    *(
                        TEST_COMPILERS[name]
                        for name in plan.test_languages
                        if name in TEST_COMPILERS
                    ),
                    *build_requirements,
                    *mapped.host,
                    *mapped.test,
                ]
            )
        ),
        test_options=plan.test_options,
        installed_files=tuple(item.path for item in plan.installed),
        run_exports_pin=_run_exports_pin(plan, notes),
        noarch=False,
        tests_dirs=tests_dirs,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def _version(root: Path, plan: BuildPlan, warnings: list[str]) -> VersionInfo:
    """The version from git tags; the build files' declared one when no tag is reachable."""
    try:
        tagged = git_version(root)
    except NoVersionTag:
        if plan.version is None:
            raise
    else:
        _check_declared_version(root, plan, tagged, warnings)
        return tagged
    try:
        declared = Version(plan.version).public
    except InvalidVersion:
        raise InputError(
            f"{root}: no git version tag, and the {plan.build_system} project's version"
            f" {plan.version!r} is not a PEP 440 version"
        ) from None
    warnings.append(
        f"{root}: no git version tag; using the {plan.build_system} project's version {declared}"
        " (tag the commit to version it from git)"
    )
    commit = git.head(root)
    dirty = git.is_dirty(root)
    return VersionInfo(
        pep440=declared,
        native=declared,
        conda=to_conda_version(declared),
        build_string=build_string(commit, None, git.changes_digest(root) if dirty else None),
        commit=commit,
        distance=0,
        dirty=dirty,
        is_final=is_final(declared),
        tag=None,
    )


def _readme_summary(root: Path, notes: list[str], warnings: list[str]) -> str:
    """The first sentence of the README's first paragraph of prose (build files declared none)."""
    for name in README_FILES:
        path = root / name
        if not path.is_file():
            continue
        paragraph: list[str] = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            text = line.strip()
            if text and not text.startswith(("#", "=", "-", "`", "[", "!", "<", "    ")):
                paragraph.append(text)
            elif paragraph:
                break
        if paragraph:
            sentence = " ".join(paragraph).split(". ")[0].rstrip(".")
            notes.append(f"{path}: the summary is the README's first sentence: {sentence!r}")
            return sentence
    warnings.append(f"{root}: no summary in the build files or a README")
    return ""


def _tests_dirs(root: Path, plan: BuildPlan, warnings: list[str]) -> tuple[str, ...]:
    """The tests folders relative to the repository root; tests/ or none when none are defined."""
    if plan.tests_dirs:
        return tuple(path_in_repository(root, folder) for folder in plan.tests_dirs)
    if (root / "tests").is_dir():
        return (path_in_repository(root, "tests"),)
    warnings.append(f"{root}: the {plan.build_system} project defines no tests")
    return ()


def _license_files(root: Path) -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                path.name
                for pattern in LICENSE_FILES
                for path in root.glob(pattern)
                if path.is_file()
            }
        )
    )


def _license(root: Path, plan: BuildPlan, files: tuple[str, ...], warnings: list[str]) -> str:
    """The build files' SPDX declaration, else what the licence files' text is, else unknown."""
    if plan.license:
        declared = spdx_expression(plan.license)
        if declared:
            return declared
        warnings.append(f"{root}: licence {plan.license!r} is not an SPDX expression")
    texts = [identify_license_file(root / name) for name in files]
    warnings.extend(text.note for text in texts if text.note)
    found = all_applying(text.spdx for text in texts if text.spdx)
    if found:
        return found
    files_said = (
        f"{', '.join(files)} matches no licence dsprod knows" if files else "no licence file"
    )
    warnings.append(
        f"{root}: licence unknown (no SPDX declaration, and {files_said}):"
        f" recorded as {UNKNOWN_LICENSE}"
    )
    return UNKNOWN_LICENSE


def _run_exports_pin(plan: BuildPlan, notes: list[str]) -> str | None:
    """``x`` per number of the SONAME's version (libfoo.so.1 -> ``x``, .so.1.2 -> ``x.x``)."""
    sonames = sorted({item.soname for item in plan.installed if item.soname})
    if not sonames:
        return None
    pins = []
    for soname in sonames:
        numbers = soname.partition(".so")[2].strip(".")
        if not numbers:
            notes.append(f"{soname} has no version in its SONAME: dependants are pinned to x.x.x")
            pins.append("x.x.x")
        else:
            pins.append(".".join("x" for _ in numbers.split(".")))
    return max(pins, key=len)  # the strictest pin among the libraries


def _check_declared_version(
    root: Path, plan: BuildPlan, tagged: VersionInfo, warnings: list[str]
) -> None:
    """Warn when a tagged release and the build files disagree on the version.

    The build files' version is what the installed CMake package version file
    and pkg-config file say, so ``find_package(X 1.2)`` would judge the package
    by it. Dev builds (commits after a tag) are not compared: projects declare
    the version they are heading for.
    """
    if tagged.distance != 0 or plan.version is None:
        return
    try:
        declared = _release_of(plan.version)
    except InvalidVersion:
        return
    if declared != _release_of(tagged.pep440):
        warnings.append(
            f"{root}: the {plan.build_system} project declares version {plan.version} and git"
            f" tags {tagged.pep440}: the package is {tagged.conda}, but the version files it"
            f" installs (CMake package version, pkg-config) say {plan.version}"
        )


def _release_of(version: str) -> Version:
    """The release numbers alone (``1.2.1rc1`` -> ``1.2.1``), compared as 1.2 == 1.2.0."""
    return Version(".".join(map(str, Version(version).release)))
