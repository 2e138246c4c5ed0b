"""The C/C++ runner on real packages: built from tests/crun_packages/, installed, tested.

One recipe builds five small libraries in one rattler-build call (a session
fixture shares the channel); each test installs one into a clean env from that
channel and the bootstrap channel, exports its tests from a git repository of
tests/crun_packages/ as ``dsprod test`` does, and runs ``run_c_tests`` on it.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from dsprod.artifact import Artifact, read_artifact
from dsprod.bootstrap.recipe_build import build_recipe
from dsprod.envtest.env import create_env
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import export_tests
from dsprod.languages.c.runner import BASE_REQUIREMENTS, TEST_CONFIG_FILES, run_c_tests
from dsprod.progress import silent

pytestmark = pytest.mark.e2e

SOURCES = Path(__file__).parent / "crun_packages"

_CMAKE_SCRIPT = """set -euo pipefail
cmake -S {folder} -B build-{folder} -G Ninja -DCMAKE_INSTALL_PREFIX="$PREFIX" \\
  -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DBUILD_SHARED_LIBS=ON
cmake --build build-{folder}
cmake --install build-{folder}
"""

_MESON_SCRIPT = """set -euo pipefail
meson setup build-{folder} {folder} --prefix="$PREFIX" --libdir=lib --buildtype=release
meson compile -C build-{folder}
meson install -C build-{folder}
"""

PACKAGES = {
    # conda name: (folder, build system, compilers)
    "crun-good": ("good", "cmake", ("c",)),
    "crun-hdrmiss": ("hdrmiss", "cmake", ("c",)),
    "crun-zuser": ("zuser", "cmake", ("c",)),
    "crun-mes": ("mes", "meson", ("c",)),
    "crun-hdronly": ("hdronly", "cmake", ("cxx",)),
}

TEST_TOOLS = {"cmake": ("cmake", "ninja"), "meson": ("meson", "ninja")}
"""What the reader records as test requirements for each build system."""


def recipe_text(sources: Path) -> str:
    """A v1 recipe with one output per package folder, all from one source folder."""
    lines = [
        "schema_version: 1",
        "recipe:",
        "  name: crun-packages",
        "  version: 1.0.0",
        "source:",
        f"  path: {sources}",
        "outputs:",
    ]
    for name, (folder, system, compilers) in PACKAGES.items():
        script = (_CMAKE_SCRIPT if system == "cmake" else _MESON_SCRIPT).format(folder=folder)
        lines += [
            "  - package:",
            f"      name: {name}",
            "      version: 1.0.0",
            "    build:",
            "      number: 0",
            "      script:",
            "        content: |",
            *(f"          {line}" for line in script.splitlines()),
            "    requirements:",
            "      build:",
            *(f"        - ${{{{ compiler('{compiler}') }}}}" for compiler in compilers),
            *(f"        - {tool}" for tool in TEST_TOOLS[system]),
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Built:
    channel: Path
    repository: Path
    artifacts: dict[str, Artifact]


@pytest.fixture(scope="session")
def crun_packages(bootstrap_channel: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The five packages, built once into a channel, and a git repository of their sources."""
    work = tmp_path_factory.mktemp("crun-packages")
    repository = work / "repository"
    shutil.copytree(SOURCES, repository)
    for command in (
        ["init", "--quiet"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "sources"],
    ):
        subprocess.run(["git", "-C", str(repository), *command], check=True)
    output = work / "channel"
    built = build_recipe(recipe_text(SOURCES), work / "recipe", output, [str(bootstrap_channel)])
    artifacts = {artifact.name: artifact for artifact in map(read_artifact, built)}
    assert sorted(artifacts) == sorted(PACKAGES)
    return Built(output, repository, artifacts)


def run_installed(
    built: Built,
    bootstrap_channel: Path,
    name: str,
    tests_dir: str,
    tmp_path: Path,
    *,
    left_out_of_env: Sequence[str] = (),
) -> tuple[TestRun, ET.Element]:
    """Install ``name`` into a fresh env and run the C runner on its exported ``tests_dir``."""
    folder, system, _ = PACKAGES[name]
    artifact = built.artifacts[name]
    specs = [artifact.spec, *BASE_REQUIREMENTS, *TEST_TOOLS[system]]
    asyncio.run(
        create_env(tmp_path / "env", [str(built.channel), str(bootstrap_channel)], specs, silent)
    )
    commit = subprocess.run(
        ["git", "-C", str(built.repository), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tests = export_tests(
        [str(built.repository)],
        commit,
        folder,
        [f"{folder}/{tests_dir}"],
        tmp_path / "source",
        config_files=TEST_CONFIG_FILES,
    )
    junit = tmp_path / "run" / "junit.xml"
    junit.parent.mkdir()
    run = run_c_tests(artifact, tmp_path / "env", tests, junit, ())
    return run, ET.parse(junit).getroot()


def cases(report: ET.Element) -> dict[str, str]:
    """``suite/name`` -> ``passed``, ``failed``, ``error`` or ``skipped`` for every testcase."""
    outcomes = {}
    for suite in report.iter("testsuite"):
        for case in suite.iter("testcase"):
            outcome = "passed"
            for kind, said in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
                if case.find(kind) is not None:
                    outcome = said
                    break
            outcomes[f"{suite.get('name')}/{case.get('name')}"] = outcome
    return outcomes


def test_good_cmake_library_passes_every_check(
    crun_packages: Built, bootstrap_channel: Path, tmp_path: Path
) -> None:
    run, report = run_installed(crun_packages, bootstrap_channel, "crun-good", "tests", tmp_path)

    assert run.passed, run.output_tail
    outcomes = cases(report)
    assert outcomes["dsprod.linkage/lib/libcrungood.so.1.0.0"] == "passed"
    assert outcomes["dsprod.linkage/bin/crungood-cli"] == "passed"
    assert outcomes["dsprod.executables/bin/crungood-cli"] == "passed"
    assert outcomes["dsprod.consumer/consumer (C, find_package(CrunGood))"] == "passed"
    project_tests = {key: value for key, value in outcomes.items() if not key.startswith("dsprod")}
    assert sorted(key.split("/")[-1] for key in project_tests) == ["add", "add_negative"]
    assert set(project_tests.values()) == {"passed"}
    assert (run.tests, run.failures, run.errors) == (len(outcomes), 0, 0)
    assert run.duration_s < 15


def test_a_failing_ctest_fails_the_run_and_names_the_test(
    crun_packages: Built, bootstrap_channel: Path, tmp_path: Path
) -> None:
    run, report = run_installed(
        crun_packages, bootstrap_channel, "crun-good", "tests-failing", tmp_path
    )

    assert not run.passed
    outcomes = cases(report)
    assert outcomes["ctest/add"] == "passed"  # linked through the CrunGood::crungood target
    assert outcomes["ctest/add_wrong"] == "failed"
    assert run.failures == 1 and run.errors == 0
    assert "FAILED ctest add_wrong" in run.output_tail.splitlines()


def test_a_c_library_whose_tests_are_cxx_builds_them_with_the_cxx_compiler(
    crun_packages: Built, bootstrap_channel: Path, tmp_path: Path
) -> None:
    run, report = run_installed(
        crun_packages, bootstrap_channel, "crun-good", "tests-cxx", tmp_path
    )

    assert run.passed, run.output_tail
    assert cases(report)["ctest/sum_of_vector"] == "passed"


def test_a_public_header_including_an_uninstalled_header_fails_naming_both(
    crun_packages: Built, bootstrap_channel: Path, tmp_path: Path
) -> None:
    run, report = run_installed(crun_packages, bootstrap_channel, "crun-hdrmiss", "tests", tmp_path)

    assert not run.passed
    outcomes = cases(report)
    assert outcomes["dsprod.consumer/consumer (C, pkg-config crunhdr)"] == "failed"
    assert (
        "public header include/crunhdr.h includes 'crunhdr_config.h', which the package does"
        " not install" in run.output_tail
    )


def test_a_library_linked_against_a_library_not_in_the_env_is_an_undeclared_dependency(
    crun_packages: Built, bootstrap_channel: Path, tmp_path: Path
) -> None:
    run, report = run_installed(crun_packages, bootstrap_channel, "crun-zuser", "tests", tmp_path)

    assert not run.passed
    assert cases(report)["dsprod.linkage/lib/libcrunz.so"] == "failed"
    # Its own tests pass on this host, which has libz: only the linkage check sees the problem.
    assert cases(report)["ctest/checksum"] == "passed"
    assert "undeclared library dependency: lib/libcrunz.so needs libz.so.1" in run.output_tail
    assert "declare its conda package (zlib) as a run requirement" in run.output_tail


def test_a_meson_library_with_a_should_fail_test_passes(
    crun_packages: Built, bootstrap_channel: Path, tmp_path: Path
) -> None:
    run, report = run_installed(crun_packages, bootstrap_channel, "crun-mes", "tests", tmp_path)

    assert run.passed, run.output_tail
    outcomes = cases(report)
    assert outcomes["dsprod.consumer/consumer (C, pkg-config crunmes)"] == "passed"
    project_tests = {key: value for key, value in outcomes.items() if not key.startswith("dsprod")}
    assert len(project_tests) == 2, outcomes
    assert set(project_tests.values()) == {"passed"}


def test_a_header_only_cxx_library_is_consumed_and_tested_through_its_config(
    crun_packages: Built, bootstrap_channel: Path, tmp_path: Path
) -> None:
    run, report = run_installed(crun_packages, bootstrap_channel, "crun-hdronly", "tests", tmp_path)

    assert run.passed, run.output_tail
    outcomes = cases(report)
    assert outcomes["dsprod.consumer/consumer (C++, find_package(CrunHdrOnly))"] == "passed"
    assert outcomes["ctest/sum"] == "passed"
    assert not any(key.startswith("dsprod.linkage") for key in outcomes)  # no ELF file at all
