"""The C/C++ readers on real-shaped projects written for the tests, read by real cmake/meson/make.

Each project is small, but shaped as real ones are: libraries in subfolders,
tests behind an option that is off by default, static-only and header-only
libraries, expected-failure tests, a C library whose tests are C++, and
``find_package`` dependencies.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dsprod.errors import InputError
from dsprod.languages import detect
from dsprod.languages.c.cmake import read_cmake
from dsprod.languages.c.make import read_make
from dsprod.languages.c.meson import read_meson
from dsprod.languages.c.reader import read_c_project
from tests.projects import EXAMPLES, commit_all, git

needs_cmake = pytest.mark.skipif(shutil.which("cmake") is None, reason="no cmake on PATH")
needs_ninja = pytest.mark.skipif(shutil.which("ninja") is None, reason="meson needs ninja")

LIBRARY_C = "int twice(int x) { return 2 * x; }\n"
TEST_C = '#include "twice.h"\nint main(void) { return twice(2) == 4 ? 0 : 1; }\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def tagged(root: Path, tag: str | None = "1.0.0") -> Path:
    git(root, "init", "--quiet", "--initial-branch=main")
    commit_all(root, "initial")
    if tag:
        git(root, "tag", tag)
    return root


def by_path(plan_installed: tuple) -> dict[str, tuple[str, str | None]]:
    return {item.path: (item.kind, item.soname) for item in plan_installed}


@needs_cmake
def test_cmake_subdirectories_and_include_ctest(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\n"
            'project(Twice VERSION 2.1.0 DESCRIPTION "Doubles" LANGUAGES C)\n'
            "include(CTest)\nadd_subdirectory(src)\n"
            "if(BUILD_TESTING)\n  add_subdirectory(test/unit)\nendif()\n",
            "src/CMakeLists.txt": "add_library(twice twice.c)\n"
            "target_include_directories(twice PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})\n"
            "set_target_properties(twice PROPERTIES VERSION 2.1.0 SOVERSION 2.1)\n"
            "install(TARGETS twice)\ninstall(FILES twice.h DESTINATION include)\n",
            "src/twice.c": LIBRARY_C,
            "src/twice.h": "int twice(int x);\n",
            "test/unit/CMakeLists.txt": "add_executable(t t.c)\ntarget_link_libraries(t twice)\n"
            "add_test(NAME doubles COMMAND t)\n",
            "test/unit/t.c": TEST_C,
        },
    )
    plan = read_cmake(root, tmp_path / "scratch")
    assert (plan.name, plan.version, plan.summary) == ("Twice", "2.1.0", "Doubles")
    assert plan.languages == ("C",)
    assert plan.tests == ("doubles",)
    assert plan.tests_dirs == ("test/unit",)
    assert plan.test_options == ("-DBUILD_TESTING=ON",)  # include(CTest) has it on already
    installed = by_path(plan.installed)
    assert installed["lib/libtwice.so.2.1.0"] == ("shared", "libtwice.so.2.1")
    assert installed["include/twice.h"] == ("header", None)


@needs_cmake
def test_cmake_tests_off_by_default_are_switched_on_and_recorded(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\nproject(gated LANGUAGES C)\n"
            'option(GATED_BUILD_TESTS "tests" OFF)\noption(GATED_WITH_DOCS "docs" OFF)\n'
            "add_library(gated STATIC twice.c)\ninstall(TARGETS gated)\n"
            "if(GATED_BUILD_TESTS)\n  enable_testing()\n  add_executable(t t.c)\n"
            "  target_link_libraries(t gated)\n  add_test(NAME doubles COMMAND t)\n"
            "  add_test(NAME fails COMMAND t)\n"
            "  set_tests_properties(fails PROPERTIES WILL_FAIL TRUE)\nendif()\n",
            "twice.c": LIBRARY_C,
            "twice.h": "int twice(int x);\n",
            "t.c": TEST_C,
        },
    )
    plan = read_cmake(root, tmp_path / "scratch")
    assert plan.test_options == ("-DGATED_BUILD_TESTS=ON",)  # not the docs option
    assert plan.tests == ("doubles", "fails")  # the expected failure is a test like any other
    assert plan.tests_dirs == (".",)  # defined beside the library
    # STATIC in the build files wins over BUILD_SHARED_LIBS: no SONAME, nothing to pin.
    assert by_path(plan.installed) == {"lib/libgated.a": ("static", None)}
    assert any("GATED_BUILD_TESTS=ON" in note for note in plan.notes)


@needs_cmake
def test_cmake_header_only_interface_library_with_config_files(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\n"
            "project(hdr VERSION 0.3 LANGUAGES CXX)\ninclude(GNUInstallDirs)\n"
            "add_library(hdr INTERFACE)\n"
            "target_include_directories(hdr INTERFACE $<INSTALL_INTERFACE:include>)\n"
            "install(TARGETS hdr EXPORT hdrTargets)\n"
            "install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})\n"
            "install(EXPORT hdrTargets DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/hdr)\n",
            "include/hdr/hdr.hpp": "#pragma once\ninline int hdr() { return 1; }\n",
            "include/hdr/detail/impl.ipp": "// implementation\n",
        },
    )
    plan = read_cmake(root, tmp_path / "scratch")
    assert plan.languages == ("CXX",)
    assert by_path(plan.installed) == {
        "include/hdr/detail/impl.ipp": ("header", None),
        "include/hdr/hdr.hpp": ("header", None),
        "share/cmake/hdr/hdrTargets.cmake": ("cmake_config", None),
    }


@needs_cmake
def test_cmake_c_library_whose_tests_are_cxx(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\n"
            "project(ctw VERSION 1.0 LANGUAGES C CXX)\n"
            "add_library(ctw twice.c)\ninstall(TARGETS ctw)\nenable_testing()\n"
            "add_subdirectory(tests)\n",
            "twice.c": LIBRARY_C,
            "tests/CMakeLists.txt": "add_executable(t t.cpp)\ntarget_link_libraries(t ctw)\n"
            "add_test(NAME doubles COMMAND t)\n",
            "tests/t.cpp": 'extern "C" int twice(int);\nint main() { return twice(2) != 4; }\n',
        },
    )
    plan = read_cmake(root, tmp_path / "scratch")
    assert plan.languages == ("C", "CXX")
    assert plan.test_languages == ("CXX",)
    assert plan.test_options == ()  # no gate: tests are always on


@needs_cmake
def test_cmake_find_package_dependencies_are_named_found_or_not(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\n"
            "project(zuse VERSION 1.0 LANGUAGES C)\nfind_package(ZLIB)\n"
            "find_package(Threads)\nfind_package(Frobnicate QUIET)\n"
            "add_library(zuse twice.c)\ninstall(TARGETS zuse)\n",
            "twice.c": LIBRARY_C,
        },
    )
    plan = read_cmake(root, tmp_path / "scratch")
    assert plan.dependencies == ("Frobnicate", "Threads", "ZLIB")


@needs_cmake
def test_a_project_that_does_not_configure_is_one_clear_error(tmp_path: Path) -> None:
    root = write(tmp_path, {"CMakeLists.txt": "project(broken LANGUAGES C)\nfrobnicate()\n"})
    with pytest.raises(InputError, match=r"CMakeLists.txt: cmake could not configure"):
        read_cmake(root, tmp_path / "scratch")


@needs_ninja
def test_meson_example_plan(tmp_path: Path) -> None:
    plan = read_meson(EXAMPLES / "meson-c", tmp_path)
    assert (plan.name, plan.version, plan.license) == ("mesonc", "0.1.0", "BSD-3-Clause")
    assert plan.summary == "Clamp and scale integers"  # from the pkg-config file meson made
    assert plan.tests == ("clamp", "scale", "scale_by_zero_is_nonzero")
    assert plan.tests_dirs == ("tests",)
    assert plan.test_options == ("-Dtests=true",)
    assert by_path(plan.installed) == {
        "include/mesonc.h": ("header", None),
        "lib/libmesonc.so": ("shared", "libmesonc.so.0"),
        "lib/libmesonc.so.0": ("shared", "libmesonc.so.0"),
        "lib/libmesonc.so.0.1.0": ("shared", "libmesonc.so.0"),
        "lib/pkgconfig/mesonc.pc": ("pkgconfig", None),
    }


@needs_ninja
def test_meson_c_library_with_cxx_tests_and_dependencies(tmp_path: Path) -> None:
    root = write(
        tmp_path / "src",
        {
            "meson.build": "project('mtw', 'c', version: '3.0')\n"
            "z = dependency('zlib', required: false)\n"
            "lib = static_library('mtw', 'twice.c', install: true)\n"
            "subdir('tests')\n",
            "twice.c": LIBRARY_C,
            "tests/meson.build": "add_languages('cpp')\n"
            "gt = dependency('gtest', required: false)\n"
            "t = executable('t', 't.cpp', link_with: lib)\ntest('doubles', t)\n",
            "tests/t.cpp": 'extern "C" int twice(int);\nint main() { return twice(2) != 4; }\n',
        },
    )
    plan = read_meson(root, tmp_path / "scratch")
    assert plan.languages == ("C", "CXX")
    assert plan.test_languages == ("CXX",)
    assert plan.dependencies == ("gtest", "zlib")
    assert by_path(plan.installed) == {"lib/libmtw.a": ("static", None)}
    assert plan.test_options == ()


def test_makefile_install_must_honour_destdir(tmp_path: Path) -> None:
    good = write(
        tmp_path / "good",
        {
            "Makefile": "PREFIX ?= /usr/local\nall: libtw.so\n"
            "libtw.so: tw.c\n\t$(CC) -shared -fPIC -o $@ $<\n"
            "install: all\n\tinstall -D libtw.so $(DESTDIR)$(PREFIX)/lib/libtw.so\n",
            "tw.c": LIBRARY_C,
            "tests/t.c": TEST_C,
        },
    )
    plan = read_make(good)
    assert (plan.name, plan.languages, plan.tests_dirs) == ("good", ("C",), ("tests",))
    bad = write(
        tmp_path / "bad",
        {"Makefile": "all:\n\ttrue\ninstall:\n\tcp libtw.so $(PREFIX)/lib/\n"},
    )
    with pytest.raises(InputError, match="ignores DESTDIR"):
        read_make(bad)


@needs_cmake
def test_read_project_in_a_subfolder_versions_from_git_and_maps_dependencies(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    write(
        repo / "native",
        {
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\n"
            "project(Zipper VERSION 0.9 LANGUAGES C)\nfind_package(ZLIB)\n"
            "find_package(Frobnicate QUIET)\n"
            "add_library(zipper twice.c)\nset_target_properties(zipper PROPERTIES SOVERSION 3)\n"
            "install(TARGETS zipper)\nenable_testing()\nadd_subdirectory(tests)\n",
            "twice.c": LIBRARY_C,
            "tests/CMakeLists.txt": "add_executable(t t.c)\ntarget_link_libraries(t zipper)\n"
            "add_test(NAME doubles COMMAND t)\n",
            "tests/t.c": TEST_C,
            "tests/twice.h": "int twice(int x);\n",
            "COPYING": (EXAMPLES / "meson-c" / "LICENSE").read_text(),
        },
    )
    tagged(repo, "1.4.0")
    info = read_c_project(repo / "native")
    assert (info.name, info.conda_name, info.version.pep440) == ("Zipper", "zipper", "1.4.0")
    assert info.tests_dirs == ("native/tests",)
    assert info.license == "BSD-3-Clause"
    assert info.noarch is False
    assert info.compilers == ("c",)
    assert info.build_requirements == ("cmake", "ninja")
    assert info.host_requirements == info.run_requirements == ("zlib",)
    assert info.test_requirements == ("gcc_linux-64", "cmake", "ninja", "zlib")
    assert info.run_exports_pin == "x"  # libzipper.so.3
    assert any("Frobnicate" in warning for warning in info.warnings)


@needs_cmake
def test_without_a_tag_the_declared_version_is_used_and_said(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\n"
            "project(untagged VERSION 0.4.2 LANGUAGES C)\n"
            "add_library(untagged twice.c)\ninstall(TARGETS untagged)\n",
            "twice.c": LIBRARY_C,
        },
    )
    tagged(root, None)
    info = read_c_project(root)
    assert info.version.pep440 == "0.4.2"
    assert any("no git version tag" in warning for warning in info.warnings)
    assert any("defines no tests" in warning for warning in info.warnings)


@needs_cmake
@pytest.mark.parametrize(
    ("tag", "warned"),
    [("0.4.2", False), ("0.4.2rc1", False), ("v0.4.2.0", False), ("0.5.0", True)],
)
def test_a_release_tag_the_build_files_contradict_is_said(
    tmp_path: Path, tag: str, warned: bool
) -> None:
    """The CMake package version file would say 0.4.2 of a package released as 0.5.0."""
    root = write(
        tmp_path,
        {
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\n"
            "project(declared VERSION 0.4.2 LANGUAGES C)\n"
            "add_library(declared twice.c)\ninstall(TARGETS declared)\n",
            "twice.c": LIBRARY_C,
        },
    )
    tagged(root, tag)
    info = read_c_project(root)
    said = [w for w in info.warnings if "declares version 0.4.2 and git tags" in w]
    assert bool(said) == warned, info.warnings
    # a commit after the tag is a dev build heading somewhere: not compared
    (root / "NEWS").write_text("next\n")
    commit_all(root, "next")
    assert not any("declares version" in w for w in read_c_project(root).warnings)


@needs_cmake
def test_both_build_systems_the_documented_one_wins_and_the_flag_overrides(
    tmp_path: Path,
) -> None:
    root = shutil.copytree(EXAMPLES / "cmake-cxx", tmp_path / "both")
    write(root, {"meson.build": "project('cmkx_meson', 'cpp', version: '0.1.0')\n"})
    tagged(root, "0.1.0")
    info = detect(root).read(root)  # the README says `cmake -B build`
    assert (info.build_system, info.name) == ("cmake", "cmkx")
    assert any("documents `cmake`" in note for note in info.notes)
    chosen = detect(root, "meson").read(root)
    assert (chosen.build_system, chosen.name) == ("meson", "cmkx_meson")
    with pytest.raises(InputError, match="no Makefile"):
        detect(root, "make").read(root)
