"""The whole pipeline on real R packages, through the real CLI: builds, channels, clean envs.

The release scenario every language goes through is in test_e2e_scenario.py.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from rattler import Version as CondaVersion

from dsprod.store.local import LocalStore
from tests.projects import channel_state, commit_all, dsprod, git, install, make_repo, rscript

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed on this host"),
]


def host_r(*args: str, libraries: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The host's R (not an env's), seeing ``libraries`` first, as a developer's R would."""
    environment = {**os.environ, "R_LIBS": os.pathsep.join(str(lib) for lib in libraries)}
    return subprocess.run(
        list(args), cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )


def source_tree_tests_pass(
    project: Path, package: str, work: Path, libraries: list[Path] = ()
) -> bool:
    """What a developer sees: the source folder installed as is, its testthat suite run on it."""
    library = work / "source-install"
    library.mkdir()
    installed = host_r(
        "R", "CMD", "INSTALL", f"--library={library}", str(project), libraries=[], cwd=work
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    result = host_r(
        "Rscript",
        "-e",
        f"testthat::test_dir('tests/testthat', package = '{package}',"
        " load_package = 'installed', stop_on_failure = TRUE)",
        libraries=[library, *libraries],
        cwd=project,
    )
    return result.returncode == 0


def test_a_failing_test_keeps_the_build_in_unstable(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    store = tmp_path / "store"
    project = make_repo(tmp_path / "dspure", "r-pure", store)
    test_file = project / "tests" / "testthat" / "test-dspure.R"
    test_file.write_text(test_file.read_text().replace('"Hello, R!"', '"Goodbye, R!"'))
    commit_all(project, "break a test")
    git(project, "tag", "0.3")

    code, result, stderr = dsprod(project, "run")
    assert code == 1, stderr
    assert result["report"]["failures"] == 1
    assert "Goodbye, R!" in result["error"]
    state = channel_state(store)
    assert ("r-dspure", "0.3", "noarch") in state["unstable"]
    assert state["testing"] == state["stable"] == set()


def test_the_compiled_package_is_linux_64_and_passes_testthat_and_scripts(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    store = tmp_path / "store"
    project = make_repo(tmp_path / "dscomp", "r-compiled", store)
    # A plain tests/*.R script runs too, as R CMD check runs it.
    (project / "tests" / "sums.R").write_text("library(dscomp)\nstopifnot(c_sum(1:4) == 10)\n")
    commit_all(project, "a plain test script")
    git(project, "tag", "0.2.1")

    code, result, stderr = dsprod(project, "run")
    assert code == 0, stderr
    assert result["tests"] == "3 passed, 0 failed, 0 errors, 0 skipped"
    assert ("r-dscomp", "0.2.1", "linux-64") in channel_state(store)["stable"]


def test_a_failing_plain_script_fails_the_test(tmp_path: Path, bootstrap_channel: Path) -> None:
    project = make_repo(tmp_path / "dscomp", "r-compiled", tmp_path / "store")
    (project / "tests" / "sums.R").write_text("library(dscomp)\nstopifnot(c_sum(1:4) == 11)\n")
    commit_all(project, "a wrong plain test script")
    git(project, "tag", "0.2.1")

    code, result, stderr = dsprod(project, "run")
    assert code == 1, stderr
    assert (result["report"]["tests"], result["report"]["errors"]) == (3, 1)
    assert "c_sum(1:4) == 11 is not TRUE" in result["error"]


def test_a_file_left_out_by_rbuildignore_fails_the_test(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    project = make_repo(tmp_path / "dspure", "r-pure", tmp_path / "store")
    (project / "inst" / "extdata").mkdir(parents=True)
    (project / "inst" / "extdata" / "greeting.txt").write_text("Hello from a file\n")
    with (project / "R" / "dspure.R").open("a") as source:
        source.write(
            "\nfile_greeting <- function() {\n"
            '  readLines(system.file("extdata", "greeting.txt", package = "dspure",'
            " mustWork = TRUE))\n}\n"
        )
    (project / "NAMESPACE").write_text(
        (project / "NAMESPACE").read_text() + "export(file_greeting)\n"
    )
    (project / "tests" / "testthat" / "test-file.R").write_text(
        'test_that("the greeting file ships", {\n'
        '  expect_equal(file_greeting(), "Hello from a file")\n})\n'
    )
    # CRAN semantics: R CMD build leaves this file out of the package.
    (project / ".Rbuildignore").write_text("^channels\\.yaml$\n^inst/extdata/greeting\\.txt$\n")
    commit_all(project, "a data file that .Rbuildignore leaves out")
    git(project, "tag", "0.1")
    assert source_tree_tests_pass(project, "dspure", tmp_path)

    code, result, stderr = dsprod(project, "build")
    assert code == 0, stderr
    code, result, stderr = dsprod(project, "test")
    assert code == 1, stderr
    assert result["errors"] == 1
    assert "no file found" in result["error"]


def test_an_undeclared_dependency_fails_the_test(
    tmp_path: Path, bootstrap_channel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A package the developer's R finds (through R_LIBS), but DESCRIPTION does not declare.
    helper = tmp_path / "dshelper"
    (helper / "R").mkdir(parents=True)
    (helper / "DESCRIPTION").write_text(
        "Package: dshelper\nVersion: 1.0\nTitle: Helper\nDescription: Helps.\n"
        "License: MIT\nAuthor: A B\nMaintainer: A B <ab@example.org>\n"
    )
    (helper / "NAMESPACE").write_text("export(shout)\n")
    (helper / "R" / "shout.R").write_text("shout <- function(text) toupper(text)\n")
    host_library = tmp_path / "host-library"
    host_library.mkdir()
    installed = host_r(
        "R", "CMD", "INSTALL", f"--library={host_library}", str(helper), libraries=[], cwd=tmp_path
    )
    assert installed.returncode == 0, installed.stderr

    project = make_repo(tmp_path / "dspure", "r-pure", tmp_path / "store")
    with (project / "R" / "dspure.R").open("a") as source:
        source.write("\nshout_greeting <- function(name) dshelper::shout(greet(name))\n")
    (project / "NAMESPACE").write_text(
        (project / "NAMESPACE").read_text() + "export(shout_greeting)\n"
    )
    (project / "tests" / "testthat" / "test-shout.R").write_text(
        'test_that("it shouts", {\n  expect_equal(shout_greeting("Ada"), "HELLO, ADA!")\n})\n'
    )
    commit_all(project, "use dshelper without declaring it")
    git(project, "tag", "0.1")
    assert source_tree_tests_pass(project, "dspure", tmp_path, [host_library])

    # Even when the caller's R would find it, the clean env must not.
    monkeypatch.setenv("R_LIBS", str(host_library))
    monkeypatch.setenv("R_LIBS_USER", str(host_library))
    code, result, stderr = dsprod(project, "run")
    assert code == 1, stderr
    assert "there is no package called" in result["error"]
    assert "dshelper" in result["error"]
    assert result["report"]["errors"] == 1
    assert channel_state(tmp_path / "store")["testing"] == set()


def test_without_a_version_tag_description_gives_the_version(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    project = make_repo(tmp_path / "dspure", "r-pure", tmp_path / "store")

    code, result, stderr = dsprod(project, "build")
    assert code == 0, stderr
    assert result["version"] == "0.1_0"
    assert any(
        "no git version tag; using DESCRIPTION Version 0.1-0" in warning
        for warning in result["warnings"]
    )


def installed_r_version(prefix: Path, channels: list[str], spec: str, scratch: Path) -> str:
    """``packageVersion()`` and DESCRIPTION's ``Version`` of dspure installed from ``channels``."""
    install(prefix, channels, spec)
    code = "cat(format(packageVersion('dspure')), packageDescription('dspure')$Version)"
    reported = rscript(prefix, code, scratch)
    assert reported.returncode == 0, reported.stderr
    return reported.stdout


def test_r_tags_dev_builds_and_a_release_candidate_order_as_r_does(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    store = tmp_path / "store"
    project = make_repo(tmp_path / "dspure", "r-pure", store)  # DESCRIPTION says 0.1-0
    git(project, "tag", "v0.2-1")
    for n in (1, 2):
        (project / "NEWS.md").write_text(f"change {n}\n")
        commit_all(project, f"change {n}")

    # Two commits after v0.2-1: a development build (.0.9000, then the distance).
    code, result, stderr = dsprod(project, "run")
    assert code == 0, stderr
    assert (result["version"], result["channels"]) == ("0.2_1.0.9000.2", ["unstable", "testing"])

    # The same commit tagged as a release candidate: above the dev build, still not stable.
    git(project, "tag", "0.3-0rc1")
    code, result, stderr = dsprod(project, "run")
    assert code == 0, stderr
    assert (result["version"], result["channels"]) == ("0.3_0rc1", ["unstable", "testing"])

    # The final tag on the candidate's commit wins, and reaches stable.
    git(project, "tag", "0.3-0")
    code, result, stderr = dsprod(project, "run")
    assert code == 0, stderr
    assert (result["version"], result["channels"]) == ("0.3_0", ["unstable", "testing", "stable"])

    state = channel_state(store)
    testing = sorted((p[1] for p in state["testing"]), key=CondaVersion)
    assert testing == ["0.2_1.0.9000.2", "0.3_0rc1", "0.3_0"]
    assert {p[1] for p in state["stable"]} == {"0.3_0"}
    # The build wrote the version into a copy of DESCRIPTION, never into the project.
    assert git(project, "status", "--porcelain") == ""

    # packageVersion() agrees with the conda version; a candidate says the release it leads to.
    testing_url = asyncio.run(LocalStore(store).channel_url("testing"))
    channels = [testing_url, bootstrap_channel.as_uri()]
    expected = {
        "0.2_1.0.9000.2": "0.2.1.0.9000.2 0.2-1.0.9000.2",
        "0.3_0rc1": "0.3.0 0.3-0",
        "0.3_0": "0.3.0 0.3-0",
    }
    for version, reported in expected.items():
        prefix = tmp_path / f"env-{version}"
        assert installed_r_version(prefix, channels, f"r-dspure =={version}", tmp_path) == reported
