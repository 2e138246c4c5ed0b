"""One release scenario for every language, through the real CLI: real builds, channels, envs.

A dev build goes to testing, a release candidate of the same commit too, the
final release on to stable; a re-run reuses the published bytes; a commit that
breaks a test stays in unstable, and only a forced (logged) promotion moves it.
What differs between languages is data, plus one hook that checks the released
package works from a user's env.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import rattler

from dsprod.artifact import read_artifact, read_info_json
from dsprod.store.local import LocalStore
from tests.projects import (
    channel_state,
    commit_all,
    dsprod,
    git,
    install,
    make_repo,
    python_pin,
    recipe_build_requirements,
    rscript,
)

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Example:
    """An example project and what the scenario expects of it."""

    folder: str
    """The folder under examples/."""
    conda_name: str
    tests_summary: str
    """What ``dsprod run`` reports for the example's own test suite."""
    dev_version: str
    """The conda version of a build two commits after the tag 1.2 (the language's scheme)."""
    test_file: str
    """A test file, and an expected value in it to break (``passing`` -> ``failing``)."""
    passing: str
    failing: str
    check_release: Callable[[Path, Path], None]
    """Given the stable env's prefix (and a scratch folder): 1.2.1 is installed and works."""
    subdir: str | None = "noarch"
    """Where its package goes; None: this platform's subdir (compiled code)."""


def python_version_of(prefix: Path, distribution: str) -> str:
    """The version the env's python reports for ``distribution`` (what the backend wrote)."""
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    reported = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    return reported.stdout.strip()


def python_release_works(prefix: Path, _scratch: Path) -> None:
    assert python_version_of(prefix, "hello-ds") == "1.2.1"  # the backend's version is dsprod's
    greeting = subprocess.run(
        [str(prefix / "bin" / "hello-ds"), "QA"], capture_output=True, text=True, check=True
    )
    assert greeting.stdout.strip() == "Hello, QA!"


def r_release_works(prefix: Path, scratch: Path) -> None:
    code = "cat(format(packageVersion('dspure')), dspure::greet('QA'))"
    greeting = rscript(prefix, code, scratch)
    assert greeting.returncode == 0, greeting.stderr
    assert greeting.stdout == "1.2.1 Hello, QA!"  # DESCRIPTION says 0.1-0: the build wrote 1.2.1


PYTHON = Example(
    folder="python-hello",
    conda_name="hello-ds",
    tests_summary="3 passed, 0 failed, 0 errors, 0 skipped",
    dev_version="1.2+post1dev2",
    test_file="tests/test_hello.py",
    passing='"Hello, Ada!"',
    failing='"Goodbye, Ada!"',
    check_release=python_release_works,
)
R = Example(
    folder="r-pure",
    conda_name="r-dspure",
    tests_summary="2 passed, 0 failed, 0 errors, 0 skipped",
    dev_version="1.2.0.9000.2",
    test_file="tests/testthat/test-dspure.R",
    passing='"Hello, R!"',
    failing='"Goodbye, R!"',
    check_release=r_release_works,
)
# As tests/test_e2e_r.py skips its tests:
needs_r = pytest.mark.skipif(
    shutil.which("Rscript") is None, reason="R is not installed on this host"
)


@dataclass(frozen=True)
class Released:
    """Where ``release_to_stable`` left an example: its store, repository and builds."""

    store: Path
    project: Path
    dev_version: str
    final: dict
    """``dsprod run --json`` of the final release."""


def release_to_stable(tmp_path: Path, bootstrap_channel: Path, example: Example) -> Released:
    """Dev build -> release candidate -> final release of ``example``, checked at each step."""
    store = tmp_path / "store"
    project = make_repo(tmp_path / example.folder, example.folder, store)
    name = example.conda_name
    subdir = example.subdir or str(rattler.Subdir.current())
    git(project, "tag", "1.2")
    for n in (1, 2):
        (project / "NEWS.md").write_text(f"change {n}\n")
        commit_all(project, f"change {n}")

    # 1. two commits after 1.2: a dev build in unstable and testing, not stable
    code, result, stderr = dsprod(project, "run")
    assert code == 0, stderr
    dev_version = result["version"]
    assert dev_version == example.dev_version
    assert result["channels"] == ["unstable", "testing"]
    assert result["tests"] == example.tests_summary
    state = channel_state(store)
    assert (name, dev_version, subdir) in state["testing"]
    assert state["stable"] == set()

    # 2. the same commit tagged 1.2.1rc1: testing only, and above the dev build
    git(project, "tag", "1.2.1rc1")
    code, result, stderr = dsprod(project, "run")
    assert code == 0, stderr
    assert (result["version"], result["channels"]) == ("1.2.1rc1", ["unstable", "testing"])
    testing_url = asyncio.run(LocalStore(store).channel_url("testing"))
    records = install(tmp_path / "env-rc", [testing_url, bootstrap_channel.as_uri()], name)
    assert [str(r.version) for r in records if r.name.normalized == name] == ["1.2.1rc1"]

    # 3. QA tags the same commit 1.2.1: on to stable; users of stable get 1.2.1, and it works
    git(project, "tag", "1.2.1")
    code, result, stderr = dsprod(project, "run")
    assert code == 0, stderr
    assert (result["version"], result["channels"]) == ("1.2.1", ["unstable", "testing", "stable"])
    prefix = tmp_path / "env-stable"
    stable_url = asyncio.run(LocalStore(store).channel_url("stable"))
    records = install(prefix, [stable_url, bootstrap_channel.as_uri()], name)
    assert [str(r.version) for r in records if r.name.normalized == name] == ["1.2.1"]
    assert [r.subdir for r in records if r.name.normalized == name] == [subdir]
    example.check_release(prefix, tmp_path)
    return Released(store, project, dev_version, result)


@pytest.mark.parametrize(
    "example",
    [pytest.param(PYTHON, id="python-hello"), pytest.param(R, id="r-pure", marks=needs_r)],
)
def test_dev_build_then_rc_then_final_release(
    tmp_path: Path, bootstrap_channel: Path, example: Example
) -> None:
    released = release_to_stable(tmp_path, bootstrap_channel, example)
    store, project, dev_version, result = (
        released.store,
        released.project,
        released.dev_version,
        released.final,
    )
    name = example.conda_name

    # CI re-runs the same commit: the published bytes are reused, tested and kept
    code, again, stderr = dsprod(project, "run")
    assert code == 0, stderr
    assert again["reused"] and again["sha256"] == result["sha256"]

    # 4. a commit that breaks a test: run fails, the build stays in unstable only
    test_file = project / example.test_file
    test_file.write_text(test_file.read_text().replace(example.passing, example.failing))
    commit_all(project, "break a test")
    code, result, stderr = dsprod(project, "run")
    assert code == 1, stderr
    broken = result["report"]["version"]
    assert result["report"]["failures"] == 1
    assert example.failing.strip('"') in result["error"]
    state = channel_state(store)
    assert (name, broken, "noarch") in state["unstable"]
    assert (name, broken, "noarch") not in state["testing"] | state["stable"]

    # an administrator cannot promote the failed build by hand, unless forced (and logged)
    code, refused, stderr = dsprod(project, "promote", f"{name}=={broken}", "--to", "testing")
    assert code == 3 and "its tests failed" in refused["error"], stderr
    code, forced, stderr = dsprod(
        project, "promote", f"{name}=={broken}", "--to", "testing", "--force"
    )
    assert code == 0 and "FORCED" in stderr
    assert forced["promotions"] == [
        {"from": "unstable", "to": "testing", "copied": True, "forced": True}
    ]

    # the promotion log tells who promoted what, when, on which report
    log = LocalStore(store).ledger.read_log()
    assert [(e.version, e.target) for e in log] == [
        (dev_version, "testing"),
        ("1.2.1rc1", "testing"),
        ("1.2.1", "testing"),
        ("1.2.1", "stable"),
        (broken, "testing"),
    ]
    assert [e.forced for e in log] == [False, False, False, False, True]
    assert all(e.test_report and e.who and e.time for e in log)


def cext_release_works(prefix: Path, _scratch: Path) -> None:
    """The C extension imports from the user's env, built for the env's python, and computes."""
    assert python_version_of(prefix, "ext-cstats") == "1.2.1"
    code = (
        "import importlib.machinery as m, ext_cstats._core as core; "
        "print(core.__file__.endswith(m.EXTENSION_SUFFIXES[0]), core.summary([1.0, 2.0, 6.0]))"
    )
    ran = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    assert ran.stdout.strip() == "True (3.0, 7.0)"


PYTHON_CEXT = Example(
    folder="python-cext",
    conda_name="ext-cstats",
    tests_summary="4 passed, 0 failed, 0 errors, 0 skipped",
    dev_version="1.2+post1dev2",
    test_file="tests/test_cstats.py",
    passing="(5.0, 32 / 7)",
    failing="(5.0, 32 / 6)",
    check_release=cext_release_works,
    subdir=None,
)


def test_c_extension_dev_build_then_rc_then_final_release(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    """A Python package with a C extension goes the same way, as a platform package.

    setup.py's Extension names one C file: the recipe needs compiler('c') alone,
    and the package runs only on the python minor version it was built for.
    """
    released = release_to_stable(tmp_path, bootstrap_channel, PYTHON_CEXT)
    assert released.final["tests"] == PYTHON_CEXT.tests_summary
    [package] = released.store.glob("channels/stable/*/ext-cstats-1.2.1-*.conda")
    assert python_pin() in read_artifact(package).index["depends"]
    assert recipe_build_requirements(released.project) == ["${{ compiler('c') }}"]


def cmake_cxx_release_works(prefix: Path, _scratch: Path) -> None:
    """The CLI the C++ library ships counts lines and words from the user's env."""
    ran = subprocess.run(
        [str(prefix / "bin" / "cmkx")],
        input="one two\nthree\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.split() == ["2", "3"]


def meson_c_release_works(prefix: Path, scratch: Path) -> None:
    """A user's program compiles against the installed header and links the installed library."""
    program = scratch / "uses_mesonc.c"
    program.write_text(
        '#include <stdio.h>\n#include "mesonc.h"\n'
        'int main(void) { printf("%d %ld\\n", mesonc_clamp(9, 0, 5), mesonc_scale(10, 3, 2));'
        " return 0; }\n"
    )
    executable = scratch / "uses_mesonc"
    library = prefix / "lib"
    compiler = shutil.which("cc") or "gcc"
    subprocess.run(
        [
            compiler,
            str(program),
            f"-I{prefix / 'include'}",
            f"-L{library}",
            "-lmesonc",
            f"-Wl,-rpath,{library}",
            "-o",
            str(executable),
        ],
        check=True,
    )
    ran = subprocess.run([str(executable)], capture_output=True, text=True, check=True)
    assert ran.stdout.split() == ["5", "15"]


CMAKE_CXX = Example(
    folder="cmake-cxx",
    conda_name="cmkx",
    # linkage of the library and the CLI, the CLI starts, the consumer, 3 ctests
    tests_summary="7 passed, 0 failed, 0 errors, 0 skipped",
    dev_version="1.2+post1dev2",
    test_file="tests/test_count.cpp",
    passing="words == 3",
    failing="words == 4",
    check_release=cmake_cxx_release_works,
    subdir=None,
)
MESON_C = Example(
    folder="meson-c",
    conda_name="mesonc",
    # linkage of the library, the consumer, 3 meson tests (one should_fail)
    tests_summary="5 passed, 0 failed, 0 errors, 0 skipped",
    dev_version="1.2+post1dev2",
    test_file="tests/test_clamp.c",
    passing="!= 3",
    failing="!= 4",
    check_release=meson_c_release_works,
    subdir=None,
)


@pytest.mark.parametrize(
    "example", [pytest.param(CMAKE_CXX, id="cmake-cxx"), pytest.param(MESON_C, id="meson-c")]
)
def test_c_cpp_dev_build_then_rc_then_final_release(
    tmp_path: Path, bootstrap_channel: Path, example: Example
) -> None:
    """A C/C++ library goes the same way, as a platform package that pins its dependants.

    Its tests are the linkage, program and consumer checks plus the project's own
    ctest / meson tests, built against the installed package in the clean env.
    """
    released = release_to_stable(tmp_path, bootstrap_channel, example)
    [package] = released.store.glob(f"channels/stable/*/{example.conda_name}-1.2.1-*.conda")
    run_exports = read_info_json(package, ("info/run_exports.json",))["info/run_exports.json"]
    # the SONAME libNAME.so.0 changes with its first number: dependants pin x
    assert run_exports == {"weak": [f"{example.conda_name} >=1.2.1,<2.0a0"]}, run_exports
