"""Run an R package's own tests against the package installed in an env, as R CMD check would.

Two kinds of tests, as in R CMD check: ``tests/testthat/`` run with testthat
(``tests/testthat.R`` names the package through its ``test_check("pkg")``
call), and every other ``tests/*.R`` script run with Rscript, failing when it
stops with an error. testthat loads the *installed* package
(``load_package = "installed"``, i.e. ``library(pkg)``), never the source
tree, and R sees no library but the env's: ``R_LIBS``, ``R_LIBS_USER`` and
every other ``R_*`` variable of the caller are dropped, and the user library
points at a folder that does not exist. So a file ``.Rbuildignore`` left out,
or a package used but not declared, fails here as it would for a user.

testthat's own JUnit reporter needs the xml2 package, which the bootstrap
channel does not carry; the driver writes plain JSON with jsonlite (which
testthat imports) and the JUnit XML is written here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dsprod.envtest.result import TestRun, junit_counts, tail
from dsprod.errors import InputError

# Requirements every R test env gets besides the package; testthat comes from
# the package's Suggests (its one required test requirement when tests/testthat/
# exists; the other Suggests are optional).
BASE_REQUIREMENTS = ("r-base",)

SCRIPTS_SUITE = "tests/*.R"

# Rscript options: no site/user profile or environ files (R_HOME/etc/Renviron is always read).
RSCRIPT_OPTIONS = ("--vanilla",)

_TEST_CHECK = re.compile(
    r"""\btest_check\(\s*(?:package\s*=\s*)?["'](?P<package>[A-Za-z][A-Za-z0-9.]*)["']"""
)

TESTTHAT_DRIVER = r"""
args <- commandArgs(trailingOnly = TRUE)
tests_dir <- args[[1]]
package <- args[[2]]
results_file <- args[[3]]
filter <- if (length(args) >= 4 && nzchar(args[[4]])) args[[4]] else NULL
results <- testthat::test_dir(
  tests_dir, package = package, load_package = "installed", reporter = "check",
  filter = filter, stop_on_failure = FALSE, stop_on_warning = FALSE
)
messages <- function(expectations, class) {
  found <- Filter(function(e) inherits(e, class), expectations)
  I(vapply(found, conditionMessage, character(1)))
}
rows <- lapply(results, function(test) list(
  file = test$file,
  test = test$test,
  time = as.numeric(test$real),
  failures = messages(test$results, "expectation_failure"),
  errors = messages(test$results, "expectation_error"),
  skipped = any(vapply(test$results, inherits, logical(1), "expectation_skip"))
))
jsonlite::write_json(rows, results_file, auto_unbox = TRUE, digits = NA)
failed <- any(vapply(rows, function(r) length(r$failures) + length(r$errors) > 0, logical(1)))
quit(status = if (failed) 1L else 0L)
"""


@dataclass(frozen=True)
class CaseResult:
    """One test's outcome, as one JUnit ``testcase``."""

    suite: str
    name: str
    time_s: float = 0.0
    failures: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    skipped: bool = False


@dataclass(frozen=True)
class Completed:
    """What one Rscript run returned: its exit code and everything it printed."""

    exit_code: int
    output: str


def run_r_tests(
    prefix: Path, tests: Path, junit_xml: Path, extra_args: Sequence[str] = ()
) -> TestRun:
    """Run testthat and the plain scripts of the exported ``tests`` folder with the env's R.

    ``extra_args`` are regular expressions: only testthat files whose names
    match one of them run (testthat's ``filter``). Passing needs every run to
    succeed and at least one test that was not skipped.
    """
    environment = r_environment(prefix, os.environ, junit_xml.parent / "no-user-library")
    cases: list[CaseResult] = []
    runs: list[Completed] = []
    started = time.monotonic()
    if (tests / "testthat").is_dir():
        package = testthat_package(tests)
        driver = junit_xml.parent / "dsprod-testthat-driver.R"
        driver.write_text(TESTTHAT_DRIVER, encoding="utf-8")
        results = junit_xml.parent / "testthat-results.json"
        command = testthat_command(prefix, driver, tests / "testthat", package, results, extra_args)
        completed = _run(command, tests, environment)
        runs.append(completed)
        cases += testthat_cases(results, completed)
    for script in plain_scripts(tests):
        script_started = time.monotonic()
        saved = reference_output(script)
        if saved is None:
            completed = _run(script_command(prefix, script), tests, environment)
            case = script_case(script.name, completed, time.monotonic() - script_started)
        else:
            completed, case = run_and_compare(prefix, script, saved, environment)
            case = replace(case, time_s=round(time.monotonic() - script_started, 3))
        runs.append(completed)
        cases.append(case)
    duration = time.monotonic() - started
    write_junit(cases, junit_xml)
    tests_run, failures, errors, skipped = junit_counts(junit_xml)
    exit_code = next((run.exit_code for run in runs if run.exit_code != 0), 0)
    return TestRun(
        passed=exit_code == 0 and failures + errors == 0 and tests_run - skipped > 0,
        tests=tests_run,
        failures=failures,
        errors=errors,
        skipped=skipped,
        duration_s=round(duration, 2),
        exit_code=exit_code,
        junit_xml=junit_xml,
        output_tail=tail("\n".join(run.output for run in runs)),
    )


def r_environment(prefix: Path, inherited: Mapping[str, str], no_library: Path) -> dict[str, str]:
    """The caller's environment without any R setting, the env's bin first on PATH.

    ``R_LIBS_USER`` must be set: left unset, R_HOME/etc/Renviron defaults it to
    ``~/R/<platform>-library/<x.y>``, a host library. A folder that does not
    exist is dropped from ``.libPaths()``. ``NOT_CRAN`` runs the tests a
    package skips only on CRAN's machines, as developers' checks do;
    ``_R_CHECK_FORCE_SUGGESTS_=false`` says, as R CMD check does, that suggested
    packages may be missing (the env left out those the channels lack).
    """
    environment = {
        key: value
        for key, value in inherited.items()
        if not key.startswith("R_") and key not in ("RHOME", "CONDA_PREFIX")
    }
    environment.update(
        PATH=f"{prefix / 'bin'}{os.pathsep}{environment.get('PATH', '')}",
        CONDA_PREFIX=str(prefix),
        R_LIBS_USER=str(no_library),
        NOT_CRAN="true",
        _R_CHECK_FORCE_SUGGESTS_="false",
    )
    return environment


def testthat_package(tests: Path) -> str:
    """The package ``tests/testthat.R`` tests: the argument of its ``test_check`` call."""
    driver = tests / "testthat.R"
    if not driver.is_file():
        raise InputError(
            f"{driver}: missing; R CMD check runs tests/testthat/ only through this file"
            ' (library(testthat); library(pkg); test_check("pkg"))'
        )
    match = _TEST_CHECK.search(driver.read_text(encoding="utf-8", errors="replace"))
    if match is None:
        raise InputError(f'{driver}: no test_check("pkg") call names the package under test')
    return match["package"]


def plain_scripts(tests: Path) -> list[Path]:
    """``tests/*.R`` that R CMD check runs as scripts, without testthat's ``test_check`` driver."""
    return sorted(
        path
        for path in tests.iterdir()
        if path.is_file()
        and path.suffix in (".R", ".r")
        and not _TEST_CHECK.search(path.read_text(encoding="utf-8", errors="replace"))
    )


def reference_output(script: Path) -> Path | None:
    """``tests/foo.Rout.save`` for ``tests/foo.R``: the output R CMD check compares with."""
    saved = script.with_name(f"{script.stem}.Rout.save")
    return saved if saved.is_file() else None


def batch_command(prefix: Path, script: Path) -> list[str]:
    """``R CMD BATCH --vanilla``, as R CMD check runs a script that has a ``.Rout.save``."""
    return [
        str(prefix / "bin" / "R"),
        "CMD",
        "BATCH",
        "--vanilla",
        script.name,
        f"{script.stem}.Rout",
    ]


def rdiff_command(prefix: Path, output: Path, saved: Path) -> list[str]:
    """R's own comparison, ``tools::Rdiff(out, save, useDiff = TRUE)``: it drops the
    startup banner and the timing lines before comparing, and exits 1 on a difference."""
    code = "args <- commandArgs(TRUE); quit(status = tools::Rdiff(args[1], args[2], TRUE))"
    return [
        str(prefix / "bin" / "Rscript"),
        *RSCRIPT_OPTIONS,
        "-e",
        code,
        str(output),
        str(saved),
    ]


def run_and_compare(
    prefix: Path, script: Path, saved: Path, environment: Mapping[str, str]
) -> tuple[Completed, CaseResult]:
    """Run ``script`` as R CMD check does (BATCH, ``LANGUAGE=C``, R's tests startup
    file), then compare its ``.Rout`` with ``saved``.

    A script that stops with an error fails as without a ``.Rout.save``. A
    difference fails too, with Rdiff's lines: R CMD check only reports it, but
    the saved output is the one assertion such a script makes.
    """
    tests = script.parent
    batch_environment = {**environment, "LANGUAGE": "C"}
    startup = prefix / "lib" / "R" / "share" / "R" / "tests-startup.R"
    if startup.is_file():
        (tests / "startup.Rs").write_bytes(startup.read_bytes())
        batch_environment["R_TESTS"] = "startup.Rs"
    ran = _run(batch_command(prefix, script), tests, batch_environment)
    output = tests / f"{script.stem}.Rout"
    if ran.exit_code != 0:
        written = output.read_text(encoding="utf-8", errors="replace") if output.is_file() else ""
        said = f"R CMD BATCH exited {ran.exit_code}\n{tail(ran.output + written)}"
        return Completed(ran.exit_code, said), CaseResult(
            SCRIPTS_SUITE, script.name, errors=(said,)
        )
    compared = _run(rdiff_command(prefix, output, saved), tests, environment)
    if compared.exit_code == 0:
        return compared, CaseResult(SCRIPTS_SUITE, script.name)
    difference = f"{output.name} differs from {saved.name} (tools::Rdiff):\n{compared.output}"
    failure = CaseResult(SCRIPTS_SUITE, script.name, failures=(tail(difference),))
    return Completed(compared.exit_code, difference), failure


def testthat_command(
    prefix: Path,
    driver: Path,
    testthat_dir: Path,
    package: str,
    results: Path,
    extra_args: Sequence[str],
) -> list[str]:
    """Rscript running the testthat driver on the installed ``package``."""
    return [
        str(prefix / "bin" / "Rscript"),
        *RSCRIPT_OPTIONS,
        str(driver),
        str(testthat_dir),
        package,
        str(results),
        "|".join(extra_args),
    ]


def script_command(prefix: Path, script: Path) -> list[str]:
    """Rscript running one plain test script."""
    return [str(prefix / "bin" / "Rscript"), *RSCRIPT_OPTIONS, str(script)]


def testthat_cases(results: Path, completed: Completed) -> list[CaseResult]:
    """One case per ``test_that`` block; a driver that wrote nothing is one error."""
    if not results.is_file():
        return [
            CaseResult(
                "testthat",
                "testthat could not run",
                errors=(f"Rscript exited {completed.exit_code}\n{tail(completed.output)}",),
            )
        ]
    rows = json.loads(results.read_text(encoding="utf-8"))
    return [
        CaseResult(
            suite=str(row.get("file", "testthat")),
            name=str(row.get("test", "")),
            time_s=float(row.get("time") or 0.0),
            failures=tuple(str(m) for m in row.get("failures", [])),
            errors=tuple(str(m) for m in row.get("errors", [])),
            skipped=bool(row.get("skipped", False)),
        )
        for row in rows
    ]


def script_case(name: str, completed: Completed, duration: float) -> CaseResult:
    """A plain script passes when Rscript exits 0 (``stop()`` makes it exit 1)."""
    errors = (
        ()
        if completed.exit_code == 0
        else (f"Rscript exited {completed.exit_code}\n{tail(completed.output)}",)
    )
    return CaseResult(SCRIPTS_SUITE, name, round(duration, 3), errors=errors)


def write_junit(cases: Sequence[CaseResult], path: Path) -> None:
    """A JUnit XML report: one ``testsuite`` per test file, in the order first seen."""
    root = ET.Element("testsuites")
    suites: dict[str, list[CaseResult]] = {}
    for case in cases:
        suites.setdefault(case.suite, []).append(case)
    for suite_name, members in suites.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=suite_name,
            tests=str(len(members)),
            failures=str(sum(1 for c in members if c.failures and not c.errors)),
            errors=str(sum(1 for c in members if c.errors)),
            skipped=str(sum(1 for c in members if _only_skipped(c))),
            time=f"{sum(c.time_s for c in members):.3f}",
        )
        for case in members:
            element = ET.SubElement(
                suite, "testcase", classname=suite_name, name=case.name, time=f"{case.time_s:.3f}"
            )
            if case.errors:
                ET.SubElement(
                    element, "error", message=case.errors[0].splitlines()[0]
                ).text = "\n\n".join(case.errors + case.failures)
            elif case.failures:
                ET.SubElement(
                    element, "failure", message=case.failures[0].splitlines()[0]
                ).text = "\n\n".join(case.failures)
            elif case.skipped:
                ET.SubElement(element, "skipped")
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _only_skipped(case: CaseResult) -> bool:
    return case.skipped and not case.failures and not case.errors


def _run(command: list[str], cwd: Path, environment: Mapping[str, str]) -> Completed:
    completed = subprocess.run(
        command, cwd=cwd, env=dict(environment), capture_output=True, text=True, check=False
    )
    return Completed(completed.returncode, completed.stdout + completed.stderr)
