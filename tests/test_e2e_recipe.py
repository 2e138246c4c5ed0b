"""A repository whose only metadata is a maintained recipe, through the real CLI.

The corpus (``tests/corpus/rcp-*``) runs one commit of each shape; here a
data-only repository goes dev -> release candidate -> final on the same
commit, and a repository with two recipes is built without saying which.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.projects import channel_state, commit_all, dsprod, git

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).resolve().parent / "corpus"


def repository(case: str, folder: Path, store: Path) -> Path:
    """The corpus case ``case`` as a fresh git repository with its own store, committed."""
    shutil.copytree(CORPUS / case, folder, ignore=shutil.ignore_patterns("case.toml"))
    (folder / "channels.yaml").write_text(
        f"store: {{kind: local, path: {store}}}\ndependency_channels: [bootstrap]\n"
    )
    git(folder, "init", "--quiet", "--initial-branch=main")
    commit_all(folder, "as the team keeps it")
    return folder


def versions(store: Path, name: str) -> dict[str, set[str]]:
    return {
        level: {version for package, version, _ in packages if package == name}
        for level, packages in channel_state(store).items()
    }


def test_dev_then_rc_then_final_of_a_data_repository(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    store = tmp_path / "store"
    project = repository("rcp-data-share", tmp_path / "rcp-data-share", store)
    git(project, "tag", "0.0.1")
    (project / "data" / "stations.csv").write_text(
        (project / "data" / "stations.csv").read_text() + "BRN,46.91,7.50\n"
    )
    commit_all(project, "Bern's station")

    code, dev, stderr = dsprod(project, "run")
    assert code == 0, f"{stderr}\n{dev}"
    assert dev["channels"] == ["unstable", "testing"]  # a dev build is not final
    assert dev["test_report"]["tests"] == 1

    git(project, "tag", "0.1.0rc1")
    code, rc, stderr = dsprod(project, "run")
    assert code == 0, f"{stderr}\n{rc}"
    assert rc["channels"] == ["unstable", "testing"]

    git(project, "tag", "0.1.0")  # QA signed the candidate off: the same commit, final
    code, final, stderr = dsprod(project, "run")
    assert code == 0, f"{stderr}\n{final}"
    assert final["channels"] == ["unstable", "testing", "stable"]

    built = {dev["version"], rc["version"], final["version"]}
    assert final["version"] == "0.1.0" and len(built) == 3, built
    assert versions(store, "rcp-data-share") == {
        "unstable": built,
        "testing": built,
        "stable": {"0.1.0"},
    }


def test_two_recipes_and_no_choice_lists_them(tmp_path: Path, bootstrap_channel: Path) -> None:
    project = repository("rcp-two-recipes", tmp_path / "rcp-two-recipes", tmp_path / "store")
    git(project, "tag", "3.1.0")
    code, result, _ = dsprod(project, "build")
    assert code == 2, result
    assert result["error"].endswith(
        "recipes: 2 recipes (rcp-two-tables, rcp-two-tools); choose one with --recipe NAME"
    )
    # With --recipe it builds: the corpus case rcp-two-recipes.
