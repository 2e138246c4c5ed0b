"""Run a Python project's own tests with pytest, against the package installed in an env."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from dsprod.envtest.result import TestRun, junit_counts, tail

# Requirements every Python test env gets on top of the package and its test deps.
BASE_REQUIREMENTS = ("pytest",)


def run_python_tests(
    prefix: Path, tests: Path, junit_xml: Path, extra_args: Sequence[str] = ()
) -> TestRun:
    """Run pytest from the env on the exported tests folder.

    The working folder holds only the exported tests and runner config, and
    user site-packages and PYTHONPATH are off, so ``import pkg`` can only
    resolve to the installed package.
    """
    workdir = tests.parent
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX")
    }
    environment.update(
        PATH=f"{prefix / 'bin'}{os.pathsep}{environment.get('PATH', '')}",
        CONDA_PREFIX=str(prefix),
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        COLUMNS="160",  # pytest's failure summary lines are cut at the terminal width
    )
    command = [
        str(prefix / "bin" / "python"),
        "-m",
        "pytest",
        str(tests),
        f"--rootdir={workdir}",
        f"--junitxml={junit_xml}",
        "-p",
        "no:cacheprovider",
        "-q",
        *extra_args,
    ]
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=workdir, env=environment, capture_output=True, text=True, check=False
    )
    duration = time.monotonic() - started
    tests_run, failures, errors, skipped = junit_counts(junit_xml)
    return TestRun(
        # pytest exits 5 when it collected nothing: no tests is not a pass.
        passed=completed.returncode == 0 and tests_run > 0,
        tests=tests_run,
        failures=failures,
        errors=errors,
        skipped=skipped,
        duration_s=round(duration, 2),
        exit_code=completed.returncode,
        junit_xml=junit_xml if junit_xml.is_file() else None,
        output_tail=tail(completed.stdout + completed.stderr),
    )
