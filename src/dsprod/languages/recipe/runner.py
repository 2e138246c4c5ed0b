"""Run the tests a package carries (its recipe's ``tests:``) with rattler-build, reported as JUnit.

rattler-build ships a recipe's script, python, R, perl and downstream tests
inside the package (``info/tests/``) and tests a built package through its
Python API (``Package.run_test``): each test in a fresh env it solves from the
given channels plus the package itself. ``package_contents`` tests are not
shipped: rattler-build checks them while packaging, so a failing one fails the
build and the package never reaches a channel. Each test becomes one JUnit
testcase, so a report counts them as it counts a test suite's.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import rattler_build
from rattler_build import Package

from dsprod.artifact import Artifact
from dsprod.envtest.result import TestRun, junit_counts, tail
from dsprod.progress import Report

SUITE = "recipe tests"
_VERDICT = "Script execution failed"
_SHOWN_LINES = 8


@dataclass(frozen=True)
class _Outcome:
    name: str
    passed: bool
    errored: bool
    """The test could not run (its env did not solve ...), as opposed to failing."""
    output: str
    duration_s: float


def run_package_tests(
    artifact: Artifact, channels: Sequence[str], junit_xml: Path, report: Report
) -> TestRun:
    """Run each test ``artifact`` carries in a fresh env from ``channels``, as JUnit."""
    package = Package.from_file(artifact.path)
    outcomes = []
    for index, test in enumerate(package.tests):
        name = f"tests[{index}] {_kind(test)}"
        report(f"running {name} of {artifact.filename}")
        started = time.monotonic()
        try:
            result = package.run_test(index, channel=list(channels), channel_priority="strict")
        except rattler_build.RattlerBuildError as error:
            outcomes.append(_Outcome(name, False, True, str(error), time.monotonic() - started))
            continue
        outcomes.append(
            _Outcome(
                name,
                result.success,
                False,
                "\n".join(result.output),
                time.monotonic() - started,
            )
        )
    _write_junit(outcomes, junit_xml)
    tests, failures, errors, skipped = junit_counts(junit_xml)
    warnings = []
    if not outcomes:
        warnings.append(
            f"{artifact.filename} carries no tests (its recipe's tests: has no script, python"
            " ... test): nothing was run against the installed package, which is promoted"
            " on its build alone"
        )
    return TestRun(
        passed=failures == 0 and errors == 0,
        tests=tests,
        failures=failures,
        errors=errors,
        skipped=skipped,
        duration_s=sum(outcome.duration_s for outcome in outcomes),
        exit_code=0 if failures == errors == 0 else 1,
        junit_xml=junit_xml,
        output_tail="\n".join(
            f"{outcome.name}:\n{_shown(outcome.output)}"
            for outcome in outcomes
            if not outcome.passed
        ),
        warnings=tuple(warnings),
    )


def _shown(output: str) -> str:
    """The part of a failed test's output worth a message: the lines up to rattler-build's verdict.

    Before them, how the env was solved; after them, how to re-run the script
    in the test's folders, which are gone by the time anyone reads it. The
    JUnit report keeps the whole output.
    """
    lines = [line for line in output.splitlines() if line.strip()]
    verdict = next((i for i, line in enumerate(lines) if line.startswith(_VERDICT)), None)
    return tail("\n".join(lines if verdict is None else lines[: verdict + 1]), _SHOWN_LINES)


def _kind(test: object) -> str:
    """``script``, ``python`` ... from rattler-build's test class (``CommandsTest`` -> script)."""
    kind = type(test).__name__.removesuffix("Test").lower()
    return "script" if kind == "commands" else kind


def _write_junit(outcomes: Sequence[_Outcome], junit_xml: Path) -> None:
    suite = ET.Element(
        "testsuite",
        name=SUITE,
        tests=str(len(outcomes)),
        failures=str(sum(not o.passed and not o.errored for o in outcomes)),
        errors=str(sum(o.errored for o in outcomes)),
        skipped="0",
        time=f"{sum(o.duration_s for o in outcomes):.3f}",
    )
    for outcome in outcomes:
        case = ET.SubElement(
            suite, "testcase", classname=SUITE, name=outcome.name, time=f"{outcome.duration_s:.3f}"
        )
        if not outcome.passed:
            kind = "error" if outcome.errored else "failure"
            problem = ET.SubElement(case, kind, message=f"{outcome.name} {kind}")
            problem.text = tail(outcome.output, 60)
        elif outcome.output:
            ET.SubElement(case, "system-out").text = tail(outcome.output, 60)
    junit_xml.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(junit_xml, encoding="utf-8", xml_declaration=True)
