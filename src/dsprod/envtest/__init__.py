"""Run a project's own tests against its installed package in a clean env.

One runner per language; ``runner_for`` picks it by the language the package
recorded at build time. A new language is one module here plus one line below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dsprod.envtest.result import TestRun
from dsprod.errors import InputError


@dataclass(frozen=True)
class TestRunner:
    """How to test one language's packages."""

    base_requirements: tuple[str, ...]
    """Installed into every test env beside the package (e.g. pytest)."""
    run: Callable[[Path, Path, Path, Sequence[str]], TestRun]
    """``run(prefix, tests_folder, junit_xml, extra_args)``."""


def runner_for(language: str) -> TestRunner:
    """The test runner for packages of ``language``."""
    if language == "python":
        from dsprod.envtest.python import BASE_REQUIREMENTS, run_python_tests

        return TestRunner(BASE_REQUIREMENTS, run_python_tests)
    if language == "r":
        from dsprod.envtest.r import BASE_REQUIREMENTS as R_BASE_REQUIREMENTS
        from dsprod.envtest.r import run_r_tests

        return TestRunner(R_BASE_REQUIREMENTS, run_r_tests)
    raise InputError(f"no test runner for language '{language}'")
