"""Placeholder for helper crun's C/C++ test runner (the integrator keeps crun's file).

It defines the names ``CLanguage`` uses (see /work/notes/s13/c-contract.md) so this
branch type-checks; running tests here is an error that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dsprod.artifact import Artifact
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import ExportedTests
from dsprod.errors import InputError

BASE_REQUIREMENTS: tuple[str, ...] = ("pkg-config",)
TEST_CONFIG_FILES: tuple[str, ...] = ()


def run_c_tests(
    artifact: Artifact,
    prefix: Path,
    tests: ExportedTests,
    junit_xml: Path,
    extra_args: Sequence[str],
) -> TestRun:
    """Not on this branch: the C/C++ runner comes with crun's branch."""
    raise InputError(f"{artifact.filename}: this dsprod cannot run C/C++ tests yet")
