"""dsprod builds itself: its own recipe, its own tests in a clean env, its own promotion."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest

from dsprod.bootstrap import ensure_bootstrap_channel
from dsprod.conda.version import to_conda_version
from dsprod.store.local import LocalStore
from tests.projects import REPO_ROOT, dsprod, git

pytestmark = pytest.mark.e2e


def runtime_and_test_requirements() -> list[str]:
    """What dsprod's package and its selftest need, as PyPI requirements."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


def test_dsprod_run_on_its_own_repository_reaches_testing(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    asyncio.run(ensure_bootstrap_channel(extra_pypi=runtime_and_test_requirements()))
    clone = tmp_path / "dsprod"
    git(tmp_path, "clone", "--quiet", str(REPO_ROOT), str(clone))
    git(clone, "tag", "0.1.0rc1")  # a pre-release: testing, not stable

    code, result, stderr = dsprod(clone, "run")

    assert code == 0, stderr
    assert result["name"] == "dsprod"
    assert result["version"] == to_conda_version("0.1.0rc1")
    assert result["channels"] == ["unstable", "testing"]
    report = LocalStore(clone / ".dsprod" / "store").ledger.load_report(result["sha256"])
    assert report is not None and report.passed and report.tests > 50
    assert any(line.startswith(f"dsprod {result['version']} ") for line in report.env)
