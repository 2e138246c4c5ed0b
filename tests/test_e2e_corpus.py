"""Real-shaped projects, untouched, through ``dsprod run``: the corpus in ``tests/corpus/``.

Each case folder is copied into a fresh git repository, committed once,
tagged, and run with the real CLI against one store shared by the whole
corpus (each case has a package name of its own), two cases at a time. ``case.toml`` says what a
good tool does with it: how far the package gets, what licence it records,
how many of the project's own tests pass, and which warnings or error the
user reads. See ``tests/corpus/README.md``.
"""

from __future__ import annotations

import asyncio
import shutil
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conda_package_streaming.package_streaming import stream_conda_component

from dsprod.artifact import read_artifact
from tests.projects import (
    channel_state,
    commit_all,
    dsprod,
    git,
    python_pin,
    recipe_build_requirements,
)

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).resolve().parent / "corpus"
RUNS_AT_ONCE = 2
CASES = sorted(path.parent.name for path in CORPUS.glob("*/case.toml"))


def load_case(name: str) -> dict[str, Any]:
    with (CORPUS / name / "case.toml").open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="session")
def corpus_channel(bootstrap_channel: Path) -> Path:
    """The bootstrap channel with every PyPI package a corpus case asks for, added once."""
    from dsprod.bootstrap import ensure_bootstrap_channel

    wanted = sorted({req for name in CASES for req in load_case(name).get("bootstrap_pypi", [])})
    if wanted:
        asyncio.run(ensure_bootstrap_channel(extra_pypi=wanted))
    return bootstrap_channel


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus-store")


def license_files_in(package: Path) -> list[str]:
    """File names under the package's info/licenses/ (where rattler-build puts license_file)."""
    with package.open("rb") as stream:
        return sorted(
            member.name.removeprefix("info/licenses/")
            for _, member in stream_conda_component(package.name, stream, "info")
            if member.name.startswith("info/licenses/") and member.isfile()
        )


@dataclass(frozen=True)
class CaseRun:
    """One case's ``dsprod run --json``: where it ran, and what it said."""

    project: Path
    code: int
    result: dict[str, Any]
    stderr: str


def run_case(case: str, folder: Path, store: Path) -> CaseRun:
    """Copy ``case`` into a fresh git repository in ``folder``, tag it, ``dsprod run`` it."""
    spec = load_case(case)
    project = folder / case
    shutil.copytree(CORPUS / case, project, ignore=shutil.ignore_patterns("case.toml"))
    (project / "channels.yaml").write_text(
        f"store: {{kind: local, path: {store}}}\ndependency_channels: [bootstrap]\n"
        + spec.get("channels_yaml", "")
    )
    git(project, "init", "--quiet", "--initial-branch=main")
    commit_all(project, "as upstream ships it")
    git(project, "tag", spec.get("tag", "1.0.0"))
    return CaseRun(project, *dsprod(project, "run", *spec.get("args", [])))


@pytest.fixture(scope="session")
def corpus_runs(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    corpus_channel: Path,
    corpus_store: Path,
) -> dict[str, CaseRun]:
    """Every selected case run once, ``RUNS_AT_ONCE`` at a time, into the shared store.

    Two ``dsprod run``s side by side keep both cores busy (each spends part of
    its time waiting on envs and subprocesses); the store takes concurrent
    writers, and each case publishes a name of its own.
    """
    selected = sorted(
        {
            item.callspec.params["case"]
            for item in request.session.items
            if getattr(item, "originalname", None) == "test_corpus_project"
        }
    )
    folder = tmp_path_factory.mktemp("corpus")
    with ThreadPoolExecutor(max_workers=RUNS_AT_ONCE) as pool:
        runs = pool.map(lambda case: run_case(case, folder, corpus_store), selected)
        return dict(zip(selected, runs, strict=True))


@pytest.mark.parametrize("case", CASES)
def test_corpus_project(case: str, corpus_runs: dict[str, CaseRun], corpus_store: Path) -> None:
    spec = load_case(case)
    expect = spec.get("expect", {})
    run = corpus_runs[case]
    project, code, result, stderr = run.project, run.code, run.result, run.stderr
    said = f"{stderr}\n{result}"
    assert code == expect.get("exit_code", 0), said
    for text in expect.get("warnings", []):
        assert text in stderr, f"warning {text!r} not shown:\n{stderr}"
    for text in expect.get("error", []):
        assert text in result.get("error", ""), said

    name = result.get("name") or result.get("package", {}).get("name")
    levels = expect.get("channels", ["unstable", "testing", "stable"])
    state = channel_state(corpus_store)
    if name:
        assert [level for level in state if any(p[0] == name for p in state[level])] == levels
    if "version" in expect:
        versions = {p[1] for packages in state.values() for p in packages if p[0] == name}
        assert versions == {expect["version"]}, versions
    report = result.get("test_report") or result.get("report") or {}
    if "passed" in expect:
        counts = {key: report.get(key, 0) for key in ("tests", "failures", "errors", "skipped")}
        passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
        assert passed == expect["passed"], said
        assert counts["failures"] == expect.get("failed", 0), said
        assert counts["skipped"] == expect.get("skipped", counts["skipped"]), said

    if {"license", "license_files", "noarch", "python_pinned"} & expect.keys():
        packages = sorted(corpus_store.glob(f"channels/*/*/{name}-*.conda"))
        assert packages, f"no package named {name} in the store"
        artifact = read_artifact(packages[0])
        if "noarch" in expect:
            assert (artifact.subdir == "noarch") == expect["noarch"], artifact.subdir
        if expect.get("python_pinned"):
            assert python_pin() in artifact.index["depends"], artifact.index["depends"]
        if "license" in expect:
            assert artifact.about.get("license") == expect["license"], artifact.about
        if "license_files" in expect:
            assert license_files_in(packages[0]) == sorted(expect["license_files"])
    if "build_requirements" in expect:
        build = recipe_build_requirements(project)
        assert build == expect["build_requirements"], build
