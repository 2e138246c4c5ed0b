"""A pytest plugin dsprod loads into a project's test run: one outcome per test, as pytest sees it.

JUnit's ``tests=`` counts each subtest (pytest's ``subtests`` fixture,
unittest's ``subTest``) as a test, and pytest's own summary counts a failed
subtest as a failure beside its test's. This plugin counts every test item
once, with its worst phase: an error in setup or teardown, else the call's
failure, skip (xfail included) or pass (xpass included); a failed subtest
fails its test. Collection errors count as errors.

The runner copies this file alone into a folder of its own, puts that folder
on ``PYTHONPATH`` and loads it with ``-p``; it writes the counts as JSON to the
file ``$DSPROD_PYTEST_COUNTS`` names. It runs inside the test env's Python, so
it imports nothing but the standard library.
"""

from __future__ import annotations

import json
import os
from typing import Any

MODULE = "dsprod_pytest_counts"
"""The module name the runner gives this file in the test run."""
COUNTS_VARIABLE = "DSPROD_PYTEST_COUNTS"
"""The environment variable naming the JSON file the counts go to."""

_RANK = ("passed", "skipped", "failed", "error")
"""Outcomes of one test, mildest first: the worst phase is the test's outcome."""
_outcomes: dict[str, str] = {}
_collection_errors = 0


def pytest_collectreport(report: Any) -> None:
    global _collection_errors
    if report.failed:
        _collection_errors += 1


def pytest_runtest_logreport(report: Any) -> None:
    if type(report).__name__.lower() == "subtestreport":
        outcome = "failed" if report.failed else None  # a passing subtest adds nothing
    elif report.when == "call":
        outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
    else:
        outcome = "error" if report.failed else "skipped" if report.skipped else "passed"
    if outcome is not None:
        previous = _outcomes.get(report.nodeid, "passed")
        _outcomes[report.nodeid] = max(previous, outcome, key=_RANK.index)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    path = os.environ.get(COUNTS_VARIABLE)
    if not path or hasattr(session.config, "workerinput"):  # an xdist worker: the controller counts
        return
    counts = {outcome: 0 for outcome in _RANK}
    for outcome in _outcomes.values():
        counts[outcome] += 1
    counts["error"] += _collection_errors
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(counts, handle)
