"""One JUnit report for a C/C++ test run: dsprod's own checks plus the project's tests.

Every check (one library's linkage, one executable starting, the consumer
program, building the project's tests) is one ``testcase``; the project's tests
keep the cases ctest or meson test wrote, copied into the same file, so that
``TestRun`` counts everything from one place.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    """One check's outcome: a failure names what is wrong; ``output`` is what the tools said."""

    suite: str
    name: str
    time_s: float = 0.0
    failure: str | None = None
    error: str | None = None
    skipped: str | None = None
    output: str = ""

    @property
    def failed(self) -> bool:
        return self.failure is not None or self.error is not None


def write_report(cases: Sequence[Case], imported: Sequence[tuple[str, Path]], path: Path) -> None:
    """Write ``cases`` (one suite per ``Case.suite``) and every suite of the ``imported``
    JUnit files (ctest's, meson's: runner name, file) into one report at ``path``."""
    root = ET.Element("testsuites")
    suites: dict[str, list[Case]] = {}
    for case in cases:
        suites.setdefault(case.suite, []).append(case)
    for name, members in suites.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(members)),
            failures=str(sum(1 for c in members if c.failure is not None and c.error is None)),
            errors=str(sum(1 for c in members if c.error is not None)),
            skipped=str(sum(1 for c in members if c.skipped is not None and not c.failed)),
            time=f"{sum(c.time_s for c in members):.3f}",
        )
        for case in members:
            _add_case(suite, case)
    for runner, report in imported:
        if report.is_file():
            root.extend(_suites_of(report, runner))
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _add_case(suite: ET.Element, case: Case) -> None:
    element = ET.SubElement(
        suite, "testcase", classname=case.suite, name=case.name, time=f"{case.time_s:.3f}"
    )
    if case.error is not None:
        ET.SubElement(element, "error", message=case.error.splitlines()[0]).text = case.error
    elif case.failure is not None:
        ET.SubElement(element, "failure", message=case.failure.splitlines()[0]).text = case.failure
    elif case.skipped is not None:
        ET.SubElement(element, "skipped", message=case.skipped)
    if case.output:
        ET.SubElement(element, "system-out").text = case.output


def _suites_of(report: Path, runner: str) -> list[ET.Element]:
    """The ``testsuite`` elements of a JUnit file, whether its root is one or holds several.

    ctest counts a test it did not run (``NOT_RUN``, a disabled one) as skipped in
    its suite attributes; the attributes are recomputed from the cases so that
    every report is counted the same way. A suite without a name (ctest names its
    suite after the build's site, usually empty) is named after the runner.
    """
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        if suite.get("name", "(empty)") in ("", "(empty)"):
            suite.set("name", runner)
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        failed = [c for c in cases if c.find("failure") is not None and c.find("error") is None]
        suite.set("failures", str(len(failed)))
        suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
        suite.set("skipped", str(sum(1 for c in cases if _only_skipped(c))))
    return suites


def _only_skipped(case: ET.Element) -> bool:
    return (
        case.find("skipped") is not None
        and case.find("failure") is None
        and case.find("error") is None
    )
