"""Run a Python project's own tests with pytest, against the package installed in an env.

The tests run in a folder outside the project, exported from git: the tests
folders, the project's pytest configuration files and the ``conftest.py``
files on the way to the tests, never the source tree. pytest gets the
configuration file it would have chosen in the project folder (``-c``) and the
exported project folder as ``--rootdir``, so nothing above the export can
configure the run. Options of that configuration that need a plugin the env
lacks are dropped (``-o addopts=...``), each named in a warning.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from dsprod.envtest.result import TestRun, tail
from dsprod.envtest.source import ExportedTests
from dsprod.languages.python import pytest_counts
from dsprod.languages.python.pytest_config import PytestConfig, find_config
from dsprod.languages.python.pytest_plugins import (
    InstalledPlugins,
    installed_plugins,
    missing_required_plugins,
    unavailable_options,
)

# Requirements every Python test env gets on top of the package and its test deps.
BASE_REQUIREMENTS = ("pytest",)

# The developer's shell must not configure the run (PYTEST_ADDOPTS, PYTEST_PLUGINS) nor
# put anything before the installed package on sys.path.
_CLEARED_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
)


def run_python_tests(
    prefix: Path, tests: ExportedTests, junit_xml: Path, extra_args: Sequence[str] = ()
) -> TestRun:
    """Run pytest from the env on the exported tests folders.

    The files the run writes besides ``junit_xml`` (the counting plugin, its
    counts, an empty configuration when the project has none) go beside it.
    User site-packages are off and ``PYTHONPATH`` holds only the counting
    plugin's folder, so ``import pkg`` can only resolve to the installed package.
    """
    scratch = junit_xml.parent
    config = find_config(tests.project)
    overrides, warnings = plugin_overrides(config, installed_plugins(prefix), tests.project)
    if config is None:
        config_file = scratch / "dsprod-empty-pytest.ini"  # nothing above may configure pytest
        config_file.write_text("", encoding="utf-8")
    else:
        config_file = config.path
    plugin_folder = scratch / "dsprod-plugin"
    plugin_folder.mkdir(exist_ok=True)
    shutil.copyfile(pytest_counts.__file__, plugin_folder / f"{pytest_counts.MODULE}.py")
    counts_file = scratch / "dsprod-counts.json"
    environment = {key: value for key, value in os.environ.items() if key not in _CLEARED_VARIABLES}
    environment.update(
        PATH=f"{prefix / 'bin'}{os.pathsep}{environment.get('PATH', '')}",
        CONDA_PREFIX=str(prefix),
        PYTHONPATH=str(plugin_folder),
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        COLUMNS="160",  # pytest's failure summary lines are cut at the terminal width
        **{pytest_counts.COUNTS_VARIABLE: str(counts_file)},
    )
    command = [
        str(prefix / "bin" / "python"),
        "-m",
        "pytest",
        *(str(folder) for folder in tests.tests),
        "-c",
        str(config_file),
        f"--rootdir={tests.project}",
        f"--junitxml={junit_xml}",
        "-p",
        "no:cacheprovider",
        "-p",
        pytest_counts.MODULE,
        "-q",
        *overrides,
        *extra_args,
    ]
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=tests.project, env=environment, capture_output=True, text=True, check=False
    )
    duration = time.monotonic() - started
    counts = _read_counts(counts_file)
    total = sum(counts.values())
    return TestRun(
        # pytest exits 5 when it collected nothing: no tests is not a pass.
        passed=completed.returncode == 0 and total > 0,
        tests=total,
        failures=counts["failed"],
        errors=counts["error"],
        skipped=counts["skipped"],
        duration_s=round(duration, 2),
        exit_code=completed.returncode,
        junit_xml=junit_xml if junit_xml.is_file() else None,
        output_tail=tail(completed.stdout + completed.stderr),
        warnings=tuple(warnings),
    )


def plugin_overrides(
    config: PytestConfig | None, installed: InstalledPlugins, rootdir: Path
) -> tuple[list[str], list[str]]:
    """``-o`` options that take out what needs missing plugins, and a warning for each.

    ``addopts`` loses the options of plugins the env lacks; ``required_plugins``
    loses the plugins the env lacks (pytest would refuse to start).
    """
    if config is None:
        return [], []
    overrides: list[str] = []
    warnings: list[str] = []
    kept, dropped = unavailable_options(config.args("addopts"), installed, [rootdir])
    if dropped:
        overrides += ["-o", f"addopts={shlex.join(kept)}"]
        warnings += [
            f"{config.path.name} {config.section} addopts: '{option}' dropped: its pytest"
            " plugin is not in the test env"
            for option in dropped
        ]
    required = config.args("required_plugins")
    missing = missing_required_plugins(required, installed)
    if missing:
        remaining = [entry for entry in required if entry not in missing]
        overrides += ["-o", f"required_plugins={shlex.join(remaining)}"]
        warnings += [
            f"{config.path.name} {config.section} required_plugins: '{entry}' dropped: it is"
            " not in the test env"
            for entry in missing
        ]
    return overrides, warnings


def _read_counts(path: Path) -> dict[str, int]:
    """The counting plugin's outcome counts (all zero when pytest stopped before it wrote)."""
    counts = {"passed": 0, "skipped": 0, "failed": 0, "error": 0}
    if path.is_file():
        written = json.loads(path.read_text(encoding="utf-8"))
        counts.update({key: int(written.get(key, 0)) for key in counts})
    return counts
