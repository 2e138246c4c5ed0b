"""The R test runner's pure parts: package discovery, commands, environment, JUnit report."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dsprod.envtest.result import junit_counts
from dsprod.errors import InputError
from dsprod.languages import language_named
from dsprod.languages.r import runner as r_runner
from dsprod.languages.r.runner import SCRIPTS_SUITE, CaseResult, Completed

pytestmark = pytest.mark.selftest

HOST_PREFIX = Path("/usr")
"""The host's R (``/usr/bin/R``, ``/usr/bin/Rscript``) stands in for an env's."""
needs_r = pytest.mark.skipif(
    not (HOST_PREFIX / "bin" / "R").is_file(), reason="R is not installed in /usr"
)


def make_tests(root: Path, files: dict[str, str]) -> Path:
    tests = root / "tests"
    for name, text in files.items():
        (tests / name).parent.mkdir(parents=True, exist_ok=True)
        (tests / name).write_text(text)
    return tests


def test_r_packages_get_the_r_runner_with_r_base_only() -> None:
    assert language_named("r", "test").test_base_requirements == ("r-base",)


@pytest.mark.parametrize(
    "driver",
    [
        'library(testthat)\nlibrary(dspure)\n\ntest_check("dspure")\n',
        "test_check('dspure', reporter = 'summary')\n",
        'testthat::test_check(package = "dspure")\n',
    ],
)
def test_the_package_under_test_is_named_by_test_check(tmp_path: Path, driver: str) -> None:
    tests = make_tests(tmp_path, {"testthat.R": driver, "testthat/test-a.R": ""})
    assert r_runner.testthat_package(tests) == "dspure"


def test_testthat_without_its_driver_is_an_input_error(tmp_path: Path) -> None:
    tests = make_tests(tmp_path, {"testthat/test-a.R": ""})
    with pytest.raises(InputError, match=r"tests/testthat\.R: missing"):
        r_runner.testthat_package(tests)


def test_a_driver_without_test_check_is_an_input_error(tmp_path: Path) -> None:
    tests = make_tests(tmp_path, {"testthat.R": "library(testthat)\n", "testthat/test-a.R": ""})
    with pytest.raises(InputError, match="no test_check"):
        r_runner.testthat_package(tests)


def test_plain_scripts_are_the_r_files_beside_testthat_but_not_its_driver(tmp_path: Path) -> None:
    tests = make_tests(
        tmp_path,
        {
            "testthat.R": 'test_check("p")\n',
            "b.R": "stopifnot(TRUE)\n",
            "a.r": "stopifnot(TRUE)\n",
            "a.Rout.save": "",
            "testthat/test-x.R": "",
        },
    )
    assert [p.name for p in r_runner.plain_scripts(tests)] == ["a.r", "b.R"]


def test_testthat_runs_from_the_env_with_a_joined_filter() -> None:
    prefix = Path("/env")
    command = r_runner.testthat_command(
        prefix,
        Path("/run/driver.R"),
        Path("/run/tests/testthat"),
        "pkg",
        Path("/run/r.json"),
        ["a", "b"],
    )
    assert command == [
        "/env/bin/Rscript",
        "--vanilla",
        "/run/driver.R",
        "/run/tests/testthat",
        "pkg",
        "/run/r.json",
        "a|b",
    ]
    assert r_runner.testthat_command(prefix, Path("d"), Path("t"), "pkg", Path("r"), [])[-1] == ""


def test_the_environment_keeps_no_r_setting_of_the_caller(tmp_path: Path) -> None:
    inherited = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "R_LIBS": "/host/lib",
        "R_LIBS_USER": "/host/user",
        "R_LIBS_SITE": "/host/site",
        "R_HOME": "/usr/lib/R",
        "R_PROFILE_USER": "/host/.Rprofile",
        "RHOME": "/usr/lib/R",
    }
    environment = r_runner.r_environment(Path("/env"), inherited, tmp_path / "none")
    assert environment["PATH"] == "/env/bin:/usr/bin"
    assert environment["R_LIBS_USER"] == str(tmp_path / "none")
    assert not (tmp_path / "none").exists()
    assert {k for k in environment if k.startswith("R")} == {"R_LIBS_USER"}
    assert environment["HOME"] == "/root"
    assert environment["NOT_CRAN"] == "true"
    assert environment["_R_CHECK_FORCE_SUGGESTS_"] == "false"  # Suggests may be missing


def test_testthat_results_become_cases(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    rows = [
        {
            "file": "test-a.R",
            "test": "ok",
            "time": 0.5,
            "failures": [],
            "errors": [],
            "skipped": False,
        },
        {"file": "test-a.R", "test": "bad", "time": 0.1, "failures": ["1 != 2"], "errors": []},
        {"file": "test-b.R", "test": "later", "failures": [], "errors": [], "skipped": True},
    ]
    results.write_text(json.dumps(rows))
    cases = r_runner.testthat_cases(results, Completed(1, ""))
    assert cases == [
        CaseResult("test-a.R", "ok", 0.5),
        CaseResult("test-a.R", "bad", 0.1, failures=("1 != 2",)),
        CaseResult("test-b.R", "later", skipped=True),
    ]


def test_a_driver_that_wrote_no_results_is_one_error(tmp_path: Path) -> None:
    completed = Completed(1, "Error in library(pkg): there is no package called 'pkg'\n")
    [case] = r_runner.testthat_cases(tmp_path / "missing.json", completed)
    assert case.errors and "there is no package called 'pkg'" in case.errors[0]


def test_a_script_fails_on_a_nonzero_exit() -> None:
    assert r_runner.script_case("a.R", Completed(0, "fine"), 0.2) == CaseResult(
        SCRIPTS_SUITE, "a.R", 0.2
    )
    failed = r_runner.script_case("b.R", Completed(1, "Error: boom\nExecution halted"), 0.1)
    assert failed.errors == ("Rscript exited 1\nError: boom\nExecution halted",)


def test_the_junit_report_counts_each_case_once(tmp_path: Path) -> None:
    cases = [
        CaseResult("test-a.R", "ok", 0.5),
        CaseResult("test-a.R", "bad", failures=("1 != 2", "3 != 4")),
        CaseResult("test-a.R", "both", failures=("x",), errors=("Error: y",)),
        CaseResult("test-b.R", "skip", skipped=True),
        CaseResult(SCRIPTS_SUITE, "s.R", errors=("Rscript exited 1\nError",)),
    ]
    path = tmp_path / "junit.xml"
    r_runner.write_junit(cases, path)
    assert junit_counts(path) == (5, 1, 2, 1)
    root = ET.parse(path).getroot()
    assert [s.get("name") for s in root] == ["test-a.R", "test-b.R", SCRIPTS_SUITE]
    bad = root.find("testsuite/testcase[@name='bad']/failure")
    assert bad is not None and bad.get("message") == "1 != 2"
    assert bad.text == "1 != 2\n\n3 != 4"
    assert root.find("testsuite/testcase[@name='s.R']/error") is not None


def test_an_empty_run_is_an_empty_report(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    r_runner.write_junit([], path)
    assert junit_counts(path) == (0, 0, 0, 0)


SCRIPT = 'x <- c(3, 1, 2)\nsort(x)\ncat("done\\n")\n'


def saved_output(text: str) -> str:
    """What a maintainer's R CMD BATCH wrote: another R's banner, other timings."""
    return (
        "\nR version 4.0.5 (2021-03-31) -- \"Shake and Throw\"\n\nType 'q()' to quit R.\n\n"
        f"{text}> \n> proc.time()\n   user  system elapsed \n  9.999   0.001   9.999 \n"
    )


@needs_r
def test_a_script_matching_its_rout_save_passes_whatever_the_banner_and_timings(
    tmp_path: Path,
) -> None:
    tests = make_tests(
        tmp_path,
        {
            "sorting.R": SCRIPT,
            "sorting.Rout.save": saved_output(
                '> x <- c(3, 1, 2)\n> sort(x)\n[1] 1 2 3\n> cat("done\\n")\ndone\n'
            ),
        },
    )
    script = tests / "sorting.R"
    saved = r_runner.reference_output(script)
    assert saved == tests / "sorting.Rout.save"
    completed, case = r_runner.run_and_compare(HOST_PREFIX, script, saved, os.environ)
    assert (completed.exit_code, case.failures, case.errors) == (0, (), ()), completed.output


@needs_r
def test_a_script_whose_output_changed_fails_with_rdiffs_lines(tmp_path: Path) -> None:
    tests = make_tests(
        tmp_path,
        {
            "sorting.R": SCRIPT,
            "sorting.Rout.save": saved_output(
                '> x <- c(3, 1, 2)\n> sort(x)\n[1] 3 2 1\n> cat("done\\n")\ndone\n'
            ),
        },
    )
    script = tests / "sorting.R"
    completed, case = r_runner.run_and_compare(
        HOST_PREFIX, script, tests / "sorting.Rout.save", os.environ
    )
    assert completed.exit_code == 1
    assert case.errors == ()
    assert case.failures[0].startswith("sorting.Rout differs from sorting.Rout.save")
    assert "< [1] 1 2 3" in case.failures[0] and "> [1] 3 2 1" in case.failures[0]


@needs_r
def test_a_script_with_a_rout_save_that_stops_is_an_error_not_a_difference(
    tmp_path: Path,
) -> None:
    tests = make_tests(
        tmp_path, {"broken.R": 'stop("no data")\n', "broken.Rout.save": saved_output("")}
    )
    completed, case = r_runner.run_and_compare(
        HOST_PREFIX, tests / "broken.R", tests / "broken.Rout.save", os.environ
    )
    assert completed.exit_code == 1
    assert case.errors[0].startswith("R CMD BATCH exited 1")
    assert "no data" in case.errors[0]


def test_a_script_without_a_rout_save_has_no_reference(tmp_path: Path) -> None:
    tests = make_tests(tmp_path, {"plain.R": "1\n", "other.Rout.save": ""})
    assert r_runner.reference_output(tests / "plain.R") is None
