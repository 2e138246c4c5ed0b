"""The C/C++ runner's pure parts: what a package installs, linkage, wrappers, reports."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath

import pytest

from dsprod.artifact import Artifact
from dsprod.envtest.result import junit_counts
from dsprod.envtest.source import ExportedTests
from dsprod.errors import EnvironmentFailed
from dsprod.languages.c.cmake_tests import (
    cmake_version,
    languages_of_tests,
    project_name,
    wrapper_project,
)
from dsprod.languages.c.consumer import consumer_source, missing_header_message
from dsprod.languages.c.installed import installed
from dsprod.languages.c.linkage import conda_package_of, env_owners, linkage
from dsprod.languages.c.meson_tests import Names, definitions, read_names
from dsprod.languages.c.report import Case, write_report
from dsprod.languages.c.runner import build_system_of, project_tests
from dsprod.languages.c.toolchain import Toolchain, activated

PATHS = [
    "include/foo/detail/impl.hpp",
    "include/foo.h",
    "include/foo/bar.h",
    "include/foo/inline.inl",
    "lib/libfoo.so",
    "lib/libfoo.so.1",
    "lib/libfoo.so.1.2.0",
    "lib/libfoo.a",
    "lib/libonlystatic.a",
    "lib/python3.11/site-packages/foo/_ext.so",
    "lib/cmake/Foo/FooConfig.cmake",
    "lib/cmake/Foo/FooTargets.cmake",
    "share/cmake/bar/bar-config.cmake",
    "lib/pkgconfig/foo.pc",
    "share/doc/foo/README",
]


def test_installed_files_are_sorted_by_role(tmp_path: Path) -> None:
    package = installed(tmp_path, [{"_path": path, "path_type": "hardlink"} for path in PATHS])

    assert [str(h) for h in package.headers] == [
        "include/foo.h",  # the umbrella header first
        "include/foo/bar.h",
        "include/foo/detail/impl.hpp",
    ]  # the .inl fragment is left to the header that includes it
    assert [(lib.name, lib.path.name, lib.shared) for lib in package.libraries] == [
        ("foo", "libfoo.so", True),  # the link name, not the static archive or a version
        ("onlystatic", "libonlystatic.a", False),
    ]
    assert package.cmake_packages == ["Foo", "bar"]
    assert package.pkg_config_modules == ["foo"]
    assert package.cxx


def test_the_consumer_includes_headers_relative_to_include() -> None:
    headers = [PurePosixPath("include/foo.h"), PurePosixPath("include/foo/bar.h")]

    assert consumer_source(headers, cxx=False) == (
        '#include "foo.h"\n#include "foo/bar.h"\nint main(void) { return 0; }\n'
    )


@pytest.mark.parametrize(
    "output",
    [
        # gcc
        "In file included from /env/include/foo.h:2,\n                 from consumer.c:1:\n"
        "/env/include/foo.h:2:10: fatal error: foo_config.h: No such file or directory\n"
        '    2 | #include "foo_config.h"\ncompilation terminated.\n',
        # clang
        "In file included from consumer.c:1:\n"
        "/env/include/foo.h:2:10: fatal error: 'foo_config.h' file not found\n",
    ],
)
def test_a_missing_header_is_named_with_the_header_that_includes_it(output: str) -> None:
    message = missing_header_message(Path("/env"), output)

    assert message is not None
    assert message.splitlines()[0] == (
        "public header include/foo.h includes 'foo_config.h', which the package does not"
        " install (nor does any package in the test env)"
    )


def test_other_compiler_errors_are_not_missing_headers() -> None:
    output = "/env/include/foo.h:3:1: error: unknown type name 'namespace'\n"

    assert missing_header_message(Path("/env"), output) is None


def test_well_known_sonames_name_their_conda_package() -> None:
    assert conda_package_of("libz.so.1") == "zlib"
    assert conda_package_of("libcrypto.so.3") == "openssl"
    assert conda_package_of("libboost_filesystem.so.1.84.0") == "libboost"
    assert conda_package_of("libmine.so.2") is None


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs a C compiler")
def test_linkage_follows_rpath_into_the_env_and_names_what_is_undeclared(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    (prefix / "lib").mkdir(parents=True)
    (prefix / "conda-meta").mkdir()
    sources = {
        "dep": "int dep(void) { return 1; }\n",
        "gone": "int gone(void) { return 2; }\n",
        "user": "int dep(void); int gone(void); int user(void) { return dep() + gone(); }\n",
    }
    for name, text in sources.items():
        (tmp_path / f"{name}.c").write_text(text)
    outputs = {
        "dep": prefix / "lib" / "libdep.so",
        "gone": tmp_path / "libgone.so",  # linked, but no package puts it into the env
        "user": prefix / "lib" / "libuser.so",
    }
    for name, output in outputs.items():
        links = ["-Wl,--no-as-needed", f"-L{prefix / 'lib'}", f"-L{tmp_path}", "-ldep", "-lgone"]
        subprocess.run(
            [
                "gcc",
                "-shared",
                "-fPIC",
                str(tmp_path / f"{name}.c"),
                "-o",
                str(output),
                *([*links, "-Wl,-rpath,$ORIGIN/../lib"] if name == "user" else []),
            ],
            check=True,
        )
    (prefix / "conda-meta" / "dep-1-0.json").write_text(
        '{"name": "dep", "files": ["lib/libdep.so"]}'
    )

    found = linkage(prefix, PurePosixPath("lib/libuser.so"), env_owners(prefix))

    by_name = {need.library: need for need in found.needed}
    assert by_name["libdep.so"].owner == "dep"
    assert by_name["libc.so.6"].runtime
    assert found.problems == [
        "undeclared library dependency: lib/libuser.so needs libgone.so: found neither in the"
        " env nor on this host; declare the conda package that provides it as a run requirement"
    ]
    assert "libdep.so -> " in found.describe() and "(dep)" in found.describe()


# What ``meson introspect --ast`` prints for a tests/meson.build (after a project() line).
def _id(name: str) -> dict[str, object]:
    return {"node": "IdNode", "value": name}


def _call(name: str, positional: list[object], kwargs: dict[str, object]) -> dict[str, object]:
    return {
        "node": "FunctionNode",
        "name": name,
        "args": {
            "node": "ArgumentNode",
            "positional": positional,
            "kwargs": [{"key": _id(key), "val": value} for key, value in kwargs.items()],
        },
    }


AST = {
    "node": "CodeBlockNode",
    "lines": [
        {
            "node": "AssignmentNode",
            "var_name": "t",
            "value": _call(
                "executable",
                [{"node": "StringNode", "value": "t"}],
                {
                    "dependencies": {
                        "node": "ArrayNode",
                        "args": {"node": "ArgumentNode", "positional": [_id("foo_dep")]},
                    },
                    "include_directories": _id("inc"),
                },
            ),
        },
        _call("test", [{"node": "StringNode", "value": "t"}, _id("t")], {}),
        {
            "node": "AssignmentNode",
            "var_name": "m",
            "value": {"node": "MethodNode", "name": "find_library", "object": _id("cc")},
        },
        _call("executable", [], {"link_with": _id("foo_lib")}),
        _call("message", [_id("meson")], {}),
    ],
}


def test_meson_tests_free_variables_are_defined_by_how_the_tests_use_them(
    tmp_path: Path,
) -> None:
    names = Names()
    read_names(AST, names)
    package = installed(tmp_path, [{"_path": "lib/pkgconfig/foo.pc"}, {"_path": "lib/libfoo.so"}])

    lines, unknown = definitions(names.free(), package, ["c"])

    assert sorted(names.free()) == ["cc", "foo_dep", "foo_lib", "inc"]
    assert lines == [
        "cc = meson.get_compiler('c')",
        "foo_dep = declare_dependency(dependencies: [dependency('foo')])",
        f"inc = include_directories('{tmp_path.as_posix()}/include')",
    ]
    assert unknown == ["foo_lib (used as link_with)"]


def test_the_cmake_wrapper_names_the_project_and_adds_the_tests(tmp_path: Path) -> None:
    package = installed(
        tmp_path,
        [{"_path": "lib/cmake/CrunGood/CrunGoodConfig.cmake"}, {"_path": "lib/libcrungood.so"}],
    )

    assert project_name(package, "crun-good") == "CrunGood"
    assert project_name(package, "other") == "other"
    assert cmake_version("1.2.0rc1") == "1.2.0"
    text = wrapper_project(package, "CrunGood", "1.2.0", ["C", "CXX"], ["tests"])
    assert "project(CrunGood VERSION 1.2.0 LANGUAGES C CXX)" in text
    assert "find_package(CrunGood CONFIG REQUIRED)" in text
    assert "add_library(crungood UNKNOWN IMPORTED)" in text
    assert text.rstrip().endswith('add_subdirectory("tests")')


def test_the_build_system_of_the_tests_is_read_from_their_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "meson.build").write_text("")

    assert build_system_of([tmp_path / "a"]) == "meson"
    assert build_system_of([tmp_path / "b"]) is None


def test_one_report_holds_the_checks_and_the_runners_suites(tmp_path: Path) -> None:
    ctest = tmp_path / "ctest.xml"
    ctest.write_text(
        '<testsuite name="(empty)" tests="3" failures="1" skipped="1">'
        '<testcase name="a" status="run"/>'
        '<testcase name="b" status="fail"><failure message="Failed"/></testcase>'
        '<testcase name="c" status="notrun"><skipped/></testcase>'
        "</testsuite>"
    )
    report = tmp_path / "junit.xml"
    checks = [
        Case("dsprod.linkage", "lib/libfoo.so"),
        Case("dsprod.consumer", "consumer", failure="public header ..."),
    ]

    write_report(checks, [("ctest", ctest)], report)

    assert junit_counts(report) == (5, 2, 0, 1)
    names = [suite.get("name") for suite in ET.parse(report).getroot()]
    assert names == ["dsprod.linkage", "dsprod.consumer", "ctest"]


def _artifact(tmp_path: Path) -> Artifact:
    return Artifact(tmp_path / "p.conda", "p", "1", "0", "linux-64", "0" * 64, {}, {}, [])


def test_tests_defined_beside_the_library_are_not_built_and_a_warning_says_why(
    tmp_path: Path,
) -> None:
    exported = ExportedTests(project=tmp_path, tests=(tmp_path,))
    package = installed(tmp_path, [])

    result = project_tests(
        _artifact(tmp_path), package, Toolchain(tmp_path, {}), exported, (), tmp_path
    )

    assert result.cases == () and result.junit is None
    assert result.warnings[0].startswith("the project's tests are defined in its top-level build")


def test_tests_of_a_plain_makefile_are_not_built_and_a_warning_says_why(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "Makefile").write_text("check:\n\t./run\n")
    exported = ExportedTests(project=tmp_path, tests=(tmp_path / "tests",))

    result = project_tests(
        _artifact(tmp_path),
        installed(tmp_path, []),
        Toolchain(tmp_path, {}),
        exported,
        (),
        tmp_path,
    )

    assert result.cases == ()
    assert "tests of plain Makefiles are not built" in result.warnings[0]


def test_the_compilers_come_from_the_envs_activation_not_the_callers_shell(tmp_path: Path) -> None:
    activate_d = tmp_path / "etc" / "conda" / "activate.d"
    activate_d.mkdir(parents=True)
    (activate_d / "compiler.sh").write_text('export CC="/opt/stand-in/gcc"\n')
    inherited = {"PATH": "/usr/bin:/bin", "CFLAGS": "-O0 -g", "CXX": "/usr/bin/clang++"}

    toolchain = activated(tmp_path, inherited)

    assert toolchain.c_compiler == "/opt/stand-in/gcc"
    assert toolchain.cxx_compiler is None  # the caller's CXX is not the env's
    assert "CFLAGS" not in toolchain.environment
    assert toolchain.environment["PATH"].startswith(f"{tmp_path / 'bin'}:")
    assert toolchain.environment["PKG_CONFIG_LIBDIR"] == (
        f"{tmp_path / 'lib' / 'pkgconfig'}:{tmp_path / 'share' / 'pkgconfig'}"
    )


def test_a_failing_activation_script_is_one_clear_error(tmp_path: Path) -> None:
    activate_d = tmp_path / "etc" / "conda" / "activate.d"
    activate_d.mkdir(parents=True)
    (activate_d / "broken.sh").write_text("echo 'cannot find the compiler' >&2\nexit 3\n")

    with pytest.raises(EnvironmentFailed, match="activating the test env failed: cannot find"):
        activated(tmp_path, {"PATH": "/usr/bin:/bin"})


def test_the_wrapper_enables_the_languages_of_the_tests_sources(tmp_path: Path) -> None:
    toolchain = Toolchain(tmp_path, {"CC": "gcc", "CXX": "g++"})
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "test_a.c").write_text("")
    (tmp_path / "cxx" / "unit").mkdir(parents=True)
    (tmp_path / "cxx" / "unit" / "test_b.cpp").write_text("")

    assert languages_of_tests([tmp_path / "c"], toolchain) == ["C"]
    assert languages_of_tests([tmp_path / "cxx"], toolchain) == ["CXX"]
    assert languages_of_tests([tmp_path / "c", tmp_path / "cxx"], toolchain) == ["C", "CXX"]
    assert languages_of_tests([tmp_path / "cxx"], Toolchain(tmp_path, {"CC": "gcc"})) == []
