"""Test an installed C/C++ package in a clean env, as its users will meet it.

Four kinds of checks, each one ``testcase`` (or many) of one JUnit report:

1. linkage: every ELF file the package installs finds each library it needs
   inside the env or in the C runtime (``linkage.py``);
2. every program the package installs in ``bin/`` starts: its libraries load;
3. a consumer program including every public header and linking every
   library builds the way users build it, and runs (``consumer.py``);
4. the project's own tests, exported from git at the built commit, are built
   against the installed files (never the sources) and run with ctest or meson
   test (``cmake_tests.py``, ``meson_tests.py``). Where that cannot be done
   faithfully (tests defined in the top-level build file beside the library,
   a plain Makefile, variables a wrapper cannot make), a warning says so and
   only 1-3 run.

The env's compilers are the ones its compiler packages export (``CC``,
``CXX``) when the env is activated; the caller's build settings are dropped.
"""

from __future__ import annotations

import os
import shlex
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from dsprod.artifact import Artifact
from dsprod.envtest.result import TestRun, junit_counts, tail
from dsprod.envtest.source import ExportedTests
from dsprod.languages.c.cmake_tests import ProjectTests, run_cmake_tests
from dsprod.languages.c.consumer import consumer_check
from dsprod.languages.c.installed import Installed, installed
from dsprod.languages.c.linkage import env_owners, linkage
from dsprod.languages.c.meson_tests import run_meson_tests
from dsprod.languages.c.report import Case, write_report
from dsprod.languages.c.toolchain import Completed, Toolchain, activated, run

BASE_REQUIREMENTS: tuple[str, ...] = ("gcc_linux-64", "gxx_linux-64", "pkg-config")
"""Every C test env gets both compilers (the consumer is C or C++ by the package's headers
and libraries, whatever language the project's tests use) and pkg-config."""

TEST_CONFIG_FILES: tuple[str, ...] = ()
"""Nothing of the project folder is exported beside the tests: its build file defines the
library, which the tests must take from the env; a wrapper takes its place."""

LINKAGE_SUITE = "dsprod.linkage"
EXECUTABLES_SUITE = "dsprod.executables"
PROJECT_SUITE = "dsprod.project-tests"
STARTUP_TIMEOUT_S = 10
DSPROD_SUITES = "dsprod."
"""The prefix of the suites holding dsprod's own checks in the report."""
_T = TypeVar("_T")
_LOADER_FAILURES = ("error while loading shared libraries", "symbol lookup error")


def run_c_tests(
    artifact: Artifact,
    prefix: Path,
    tests: ExportedTests,
    junit_xml: Path,
    extra_args: Sequence[str],
) -> TestRun:
    """Run the four checks on ``artifact`` installed in ``prefix``; ``extra_args`` go to
    ctest (``-R pattern``) or meson test (test names)."""
    started = time.monotonic()
    scratch = junit_xml.parent / "dsprod-c"
    scratch.mkdir(parents=True, exist_ok=True)
    toolchain = activated(prefix, os.environ)
    package = installed(prefix, artifact.paths)
    timings: list[str] = []

    step_started = time.monotonic()
    cases, needs_cxx = linkage_cases(package)
    timings.append(f"linkage of {len(cases)} files: {time.monotonic() - step_started:.2f} s")

    step_started = time.monotonic()
    startup = executable_cases(package, toolchain, scratch)
    cases += startup
    timings.append(f"{len(startup)} programs started: {time.monotonic() - step_started:.2f} s")

    # The consumer and the project's tests are independent builds (each mostly a CMake or
    # Meson configure waiting on compiler checks): run side by side, they cost the longer.
    with ThreadPoolExecutor(max_workers=2) as pool:
        consumer_run = pool.submit(
            _timed, consumer_check, package, toolchain, scratch / "consumer", needs_cxx
        )
        project_run = pool.submit(
            _timed, project_tests, artifact, package, toolchain, tests, extra_args, scratch
        )
        (consumer, warnings), consumer_s = consumer_run.result()
        project, _ = project_run.result()
    cases.append(consumer)
    timings.append(f"{consumer.name}: {consumer_s:.2f} s")
    cases += project.cases
    warnings += project.warnings
    timings += [_timing(step) for step in project.steps]

    imported = [(project.runner, project.junit)] if project.junit is not None else []
    write_report(cases, imported, junit_xml)
    total, failures, errors, skipped = junit_counts(junit_xml)
    tests_step = project.steps[-1] if project.steps else None
    # ctest or meson test exiting non-zero fails the run even without a failed case of its own.
    runner_exit = tests_step.exit_code if tests_step is not None else 0
    passed = failures + errors == 0 and total - skipped > 0 and runner_exit == 0
    return TestRun(
        passed=passed,
        tests=total,
        failures=failures,
        errors=errors,
        skipped=skipped,
        duration_s=round(time.monotonic() - started, 2),
        exit_code=runner_exit or int(not passed),
        junit_xml=junit_xml,
        output_tail=_output_tail(cases, junit_xml, tests_step, timings),
        warnings=tuple(warnings),
    )


def linkage_cases(package: Installed) -> tuple[list[Case], bool]:
    """One case per ELF file; and whether any needs the C++ runtime (its users link C++)."""
    owners = env_owners(package.prefix)
    cases = []
    needs_cxx = False
    for file in package.elf_files:
        file_started = time.monotonic()
        found = linkage(package.prefix, file, owners)
        needs_cxx = needs_cxx or any(n.library.startswith("libstdc++") for n in found.needed)
        problems = found.problems
        cases.append(
            Case(
                LINKAGE_SUITE,
                str(file),
                round(time.monotonic() - file_started, 3),
                failure="\n".join(problems) if problems else None,
                output=found.describe(),
            )
        )
    return cases, needs_cxx


def executable_cases(package: Installed, toolchain: Toolchain, scratch: Path) -> list[Case]:
    """Each ELF program of ``bin/`` run with ``--help``: it fails only when it cannot start
    (a library or symbol the loader cannot find, a crash); its exit code is its own business."""
    cases = []
    for program in package.executables:
        ran = run(
            [str(package.prefix / program), "--help"],
            scratch,
            toolchain,
            timeout_s=STARTUP_TIMEOUT_S,
        )
        failure = None
        loader = any(sign in ran.output for sign in _LOADER_FAILURES)
        if loader or ran.exit_code == 127 or (ran.exit_code < 0 and ran.exit_code != -9):
            reason = "its libraries do not load" if loader else f"exit code {ran.exit_code}"
            failure = f"{program} does not start ({reason})\n{tail(ran.output, 15)}"
        said = f"$ {shlex.join(ran.command)}  [exit {ran.exit_code}]\n{tail(ran.output, 15)}"
        cases.append(
            Case(EXECUTABLES_SUITE, str(program), round(ran.duration_s, 3), failure, output=said)
        )
    return cases


def project_tests(
    artifact: Artifact,
    package: Installed,
    toolchain: Toolchain,
    tests: ExportedTests,
    extra_args: Sequence[str],
    scratch: Path,
) -> ProjectTests:
    """Build and run the project's exported tests with its own build system's runner."""
    if not tests.tests:
        return ProjectTests.not_built("the package records no tests folder")
    if tests.project in tests.tests:
        return ProjectTests.not_built(
            "the project's tests are defined in its top-level build file, beside the"
            " library: they cannot be built against the installed package without its"
            " sources, so only the linkage, program and consumer checks ran"
        )
    extra = artifact.extra
    # A package that records no build system (a maintained recipe's) is read from its
    # exported files.
    test_options = extra.test_options
    system = extra.build_system or build_system_of(tests.tests)
    if system == "cmake":
        missing = [tool for tool in ("cmake", "ctest") if not toolchain.has(tool)]
        if missing:
            return _missing_tools(missing)
        return run_cmake_tests(
            package,
            toolchain,
            tests.project,
            tests.tests,
            artifact.name,
            artifact.version,
            test_options,
            extra_args,
            scratch,
        )
    if system == "meson":
        missing = [tool for tool in ("meson", "ninja") if not toolchain.has(tool)]
        if missing:
            return _missing_tools(missing)
        return run_meson_tests(
            package,
            toolchain,
            tests.project,
            tests.tests,
            artifact.name,
            artifact.version,
            extra_args,
            scratch,
        )
    folders = ", ".join(str(folder.relative_to(tests.project.parent)) for folder in tests.tests)
    return ProjectTests.not_built(
        f"{folders}: no CMakeLists.txt or meson.build defines the tests there; tests of"
        " plain Makefiles are not built against the installed package (only the linkage,"
        " program and consumer checks ran)"
    )


def build_system_of(folders: Sequence[Path]) -> str | None:
    """``cmake`` or ``meson`` by the build file the tests folders hold (CMake first)."""
    for name, system in (("CMakeLists.txt", "cmake"), ("meson.build", "meson")):
        if all((folder / name).is_file() for folder in folders):
            return system
    return None


def _missing_tools(missing: list[str]) -> ProjectTests:
    message = (
        f"the test env has no {' or '.join(missing)}: the project's tests cannot be built"
        " (they belong in the package's test requirements)"
    )
    return ProjectTests((Case(PROJECT_SUITE, "build tools", error=message),), None, "", ())


def _timed(function: Callable[..., _T], *args: Any) -> tuple[_T, float]:
    """``function(*args)`` and how long it took (in a worker thread)."""
    started = time.monotonic()
    return function(*args), time.monotonic() - started


def _timing(step: Completed) -> str:
    command = " ".join([Path(step.command[0]).name, *step.command[1:2]])
    return f"{command}: {step.duration_s:.2f} s (exit {step.exit_code})"


def _output_tail(
    cases: Sequence[Case],
    report: Path,
    tests_step: Completed | None,
    timings: list[str],
) -> str:
    """How long each step took, what failed and why, and the test runner's last lines."""
    parts = ["steps: " + "; ".join(timings)]
    for case in cases:
        if case.failed:
            parts.append(f"FAILED {case.suite} {case.name}: {case.error or case.failure}")
    parts += [f"FAILED {name}" for name in failed_project_tests(report)]
    if tests_step is not None:
        parts.append(f"$ {shlex.join(tests_step.command)}\n{tail(tests_step.output, 15)}")
    return "\n".join(parts)


def failed_project_tests(report: Path) -> list[str]:
    """``suite test`` of each failed or erroring project test in the report (the runner's
    suites; dsprod's own checks are listed with their messages)."""
    failed = []
    for suite in ET.parse(report).getroot().iter("testsuite"):
        if suite.get("name", "").startswith(DSPROD_SUITES):
            continue
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed.append(f"{suite.get('name', '')} {case.get('name', '')}".strip())
    return failed
