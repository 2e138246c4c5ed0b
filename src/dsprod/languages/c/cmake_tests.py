"""Build a CMake project's own tests against the installed package, and run them with ctest.

The exported tests folder was written to be ``add_subdirectory()``-ed by the
project's top-level ``CMakeLists.txt``, where the library's targets exist. A
small wrapper project takes that file's place (in the exported project
folder, so ``CMAKE_SOURCE_DIR`` and ``PROJECT_SOURCE_DIR`` point where they
did): it is named and versioned like the project, switches testing on, and
defines the targets the tests link as IMPORTED targets over the installed
files:

- each target of the package's CMake configuration (``find_package``), also
  under its name without the namespace (``Foo::foo`` is also ``foo``), the
  name the tests used in-tree;
- each installed library no target names, as ``foo`` for ``libfoo.so``;
- the project's name as a header-only (INTERFACE) target when nothing else
  has that name.

The env's ``include/`` and ``lib/`` are searched as conda's compiler
activation makes every build search them. The tests never see the project's
sources: a test that compiles a source file of the library fails to
configure, and says so.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dsprod.envtest.result import tail
from dsprod.languages.c.consumer import cmake_configure
from dsprod.languages.c.installed import Installed
from dsprod.languages.c.report import Case
from dsprod.languages.c.toolchain import Completed, Toolchain, run

SUITE = "dsprod.project-tests"
TEST_TIMEOUT_S = 300
"""ctest's per-test timeout: a hanging test fails instead of stalling the run."""

_WRAPPER = """# Written by dsprod: the project's tests, built against the installed package.
cmake_minimum_required(VERSION 3.15)
project({name} VERSION {version} LANGUAGES {languages})
enable_testing()
list(PREPEND CMAKE_PREFIX_PATH "{prefix}")
include_directories(SYSTEM "{prefix}/include")
link_directories("{prefix}/lib")
{find_packages}
get_property(dsprod_targets DIRECTORY PROPERTY IMPORTED_TARGETS)
foreach(dsprod_target IN LISTS dsprod_targets)
  if(dsprod_target MATCHES "::(.+)$" AND NOT TARGET "${{CMAKE_MATCH_1}}")
    set(dsprod_plain "${{CMAKE_MATCH_1}}")
    add_library("${{dsprod_plain}}" INTERFACE IMPORTED)
    target_link_libraries("${{dsprod_plain}}" INTERFACE "${{dsprod_target}}")
  endif()
endforeach()
{libraries}
if(NOT TARGET {name})
  add_library({name} INTERFACE IMPORTED)
  target_include_directories({name} INTERFACE "{prefix}/include")
endif()
{subdirectories}
"""

_LIBRARY = """if(NOT TARGET {name})
  add_library({name} UNKNOWN IMPORTED)
  set_target_properties({name} PROPERTIES IMPORTED_LOCATION "{path}"
    INTERFACE_INCLUDE_DIRECTORIES "{prefix}/include")
endif()"""

CXX_SOURCE_SUFFIXES = (".cc", ".cpp", ".cxx", ".c++", ".C")

_CMAKE_NAME = re.compile(r"[^A-Za-z0-9_.+-]")


@dataclass(frozen=True)
class ProjectTests:
    """The checks' cases for building the tests, ctest's JUnit file, and what was said."""

    cases: tuple[Case, ...]
    junit: Path | None
    runner: str
    """The test runner's name (``ctest``, ``meson test``): names its suite in the report."""
    steps: tuple[Completed, ...]
    warnings: tuple[str, ...] = ()

    @classmethod
    def not_built(cls, warning: str) -> ProjectTests:
        """The tests were not built; ``warning`` says why (shown to the user)."""
        return cls((), None, "", (), (warning,))


def wrapper_project(
    package: Installed,
    name: str,
    version: str,
    languages: Sequence[str],
    subdirectories: Sequence[str],
) -> str:
    """The wrapper ``CMakeLists.txt`` text."""
    prefix = package.prefix.as_posix()
    libraries = "\n".join(
        _LIBRARY.format(name=library.name, path=library.path.as_posix(), prefix=prefix)
        for library in package.libraries
        if not _CMAKE_NAME.search(library.name)
    )
    return _WRAPPER.format(
        name=name,
        version=version,
        languages=" ".join(languages),
        prefix=prefix,
        find_packages="\n".join(
            f"find_package({config} CONFIG REQUIRED)" for config in package.cmake_packages
        ),
        libraries=libraries,
        subdirectories="\n".join(f'add_subdirectory("{folder}")' for folder in subdirectories),
    )


def cmake_version(conda_version: str) -> str:
    """The numeric part CMake's ``project(VERSION)`` accepts (``1.2.0rc1`` -> ``1.2.0``)."""
    found = re.match(r"\d+(?:\.\d+){0,3}", conda_version)
    return found.group(0) if found else "0"


def project_name(package: Installed, conda_name: str) -> str:
    """The CMake package name spelled as the project spells it, else the conda name."""
    wanted = _comparable(conda_name)
    for config in package.cmake_packages:
        if _comparable(config) == wanted:
            return config
    return _CMAKE_NAME.sub("_", conda_name)


def run_cmake_tests(
    package: Installed,
    toolchain: Toolchain,
    project: Path,
    tests: Sequence[Path],
    conda_name: str,
    conda_version: str,
    test_options: Sequence[str],
    extra_args: Sequence[str],
    scratch: Path,
) -> ProjectTests:
    """Configure the wrapper in ``project``, build, and run ctest (JUnit beside ``scratch``)."""
    languages = languages_of_tests(tests, toolchain)
    if not languages:
        message = "the tests are C++ but the test env has no C++ compiler (CXX): add gxx_linux-64"
        return ProjectTests((Case(SUITE, "compilers", error=message),), None, "ctest", ())
    subdirectories = [
        folder.relative_to(project).as_posix() if project in folder.parents else folder.as_posix()
        for folder in tests
    ]
    (project / "CMakeLists.txt").write_text(
        wrapper_project(
            package,
            project_name(package, conda_name),
            cmake_version(conda_version),
            languages,
            subdirectories,
        ),
        encoding="utf-8",
    )
    build = scratch / "tests-build"
    configure = [*cmake_configure(toolchain, project, build), "-DBUILD_TESTING=ON", *test_options]
    steps = [run(configure, project, toolchain)]
    if not steps[-1].ok:
        return ProjectTests(
            (
                Case(
                    SUITE,
                    "configure",
                    round(steps[-1].duration_s, 3),
                    error=_said(
                        "the project's tests could not be configured against the installed"
                        " package (a test that compiles the library's own sources, or a target"
                        " the package does not export, cannot be built from it)",
                        steps[-1],
                    ),
                ),
            ),
            None,
            "ctest",
            tuple(steps),
        )
    build_command = [toolchain.tool("cmake"), "--build", str(build), "--parallel", "2"]
    if toolchain.has("ninja"):
        build_command += ["--", "-k", "0"]  # build every test that can be built
    steps.append(run(build_command, project, toolchain))
    cases = []
    if not steps[-1].ok:
        cases.append(
            Case(
                SUITE,
                "build",
                round(steps[-1].duration_s, 3),
                error=_said(
                    "building the project's tests against the installed package failed",
                    steps[-1],
                ),
            )
        )
    junit = scratch / "ctest-junit.xml"
    ctest = [
        toolchain.tool("ctest"),
        "--test-dir",
        str(build),
        "--output-junit",
        str(junit),
        "--output-on-failure",
        "--no-tests=error",
        "--timeout",
        str(TEST_TIMEOUT_S),
        "--parallel",
        "2",
        *extra_args,
    ]
    steps.append(run(ctest, project, toolchain))
    if not junit.is_file() or "No tests were found" in steps[-1].output:
        cases.append(
            Case(SUITE, "ctest", error=_said("ctest ran no test of the project", steps[-1]))
        )
    return ProjectTests(tuple(cases), junit if junit.is_file() else None, "ctest", tuple(steps))


def languages_of_tests(folders: Sequence[Path], toolchain: Toolchain) -> list[str]:
    """``C``/``CXX``: the languages of the tests' source files the env has a compiler for.

    Enabling only those spares a compiler detection (a second of CPU); tests with C++
    sources get CXX, any others C.
    """
    suffixes = {path.suffix for folder in folders for path in folder.rglob("*") if path.is_file()}
    cxx = bool(suffixes & set(CXX_SOURCE_SUFFIXES))
    wanted = {"C": ".c" in suffixes or not cxx, "CXX": cxx}
    available = {"C": toolchain.c_compiler is not None, "CXX": toolchain.cxx_compiler is not None}
    return [language for language in ("C", "CXX") if wanted[language] and available[language]]


def _said(message: str, step: Completed) -> str:
    return f"{message}: '{shlex.join(step.command)}' exited {step.exit_code}\n{tail(step.output)}"


def _comparable(name: str) -> str:
    """``CrunGood``, ``crun-good`` and ``crun_good`` compare equal."""
    return re.sub(r"[-_.]", "", name).lower()
