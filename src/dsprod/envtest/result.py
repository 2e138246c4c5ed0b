"""The outcome of one run of a project's tests (counted by the runner, or read from JUnit XML)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TestRun:
    """What a test runner did and whether the package passed."""

    passed: bool
    tests: int
    failures: int
    errors: int
    skipped: int
    duration_s: float
    exit_code: int
    junit_xml: Path | None
    output_tail: str
    """The last lines the runner printed, for the failure message."""
    warnings: tuple[str, ...] = ()
    """What the runner left out of the project's test configuration (shown to the user)."""

    __test__ = False  # not a pytest test class, despite the name

    @property
    def summary(self) -> str:
        """One line: how many passed, failed, errored, were skipped (or that none ran)."""
        if self.tests == 0:
            return f"no tests ran (test runner exit code {self.exit_code})"
        return (
            f"{self.tests - self.failures - self.errors - self.skipped} passed,"
            f" {self.failures} failed, {self.errors} errors, {self.skipped} skipped"
        )


def junit_counts(path: Path) -> tuple[int, int, int, int]:
    """(tests, failures, errors, skipped) summed over every testsuite in a JUnit file."""
    if not path.is_file():
        return (0, 0, 0, 0)
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    totals = [0, 0, 0, 0]
    for suite in suites:
        for index, key in enumerate(("tests", "failures", "errors", "skipped")):
            totals[index] += int(suite.get(key, "0"))
    return (totals[0], totals[1], totals[2], totals[3])


def tail(text: str, lines: int = 30) -> str:
    """The last ``lines`` lines of a runner's output."""
    return "\n".join(text.splitlines()[-lines:])
