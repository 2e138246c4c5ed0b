"""What a build may claim, and who may publish a name: real builds through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.projects import channel_state, commit_all, dsprod, git, make_repo

pytestmark = pytest.mark.e2e


def test_a_maintained_recipe_claiming_a_final_release_on_an_rc_tag_is_not_published(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    store = tmp_path / "store"
    project = make_repo(tmp_path / "hello", "python-hello", store)
    git(project, "tag", "5.0.0rc1")
    code, _, stderr = dsprod(project, "recipe")
    assert code == 0, stderr
    recipe = project / "recipes" / "hello-ds" / "recipe.yaml"
    claimed = recipe.read_text().replace(
        "    pep440_version: ${{ pep440_version }}", '    pep440_version: "5.0.0"'
    )
    assert claimed != recipe.read_text()
    recipe.write_text(claimed)
    commit_all(project, "maintained recipe, hard-coding a final version")
    git(project, "tag", "--force", "5.0.0rc1")

    code, result, stderr = dsprod(project, "run")

    assert code == 5, stderr
    assert (
        "extra.dsprod.pep440_version is '5.0.0', but dsprod computed '5.0.0rc1'"
        in (result["error"])
    )
    assert channel_state(store) == {"unstable": set(), "testing": set(), "stable": set()}


def test_a_name_is_published_only_from_the_repository_that_owns_it(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    store = tmp_path / "store"
    real = make_repo(tmp_path / "real", "python-hello", store)
    git(real, "remote", "add", "origin", "https://ci:token@GitHub.com/real/hello-ds.git")
    git(real, "tag", "1.0")
    impostor = make_repo(tmp_path / "impostor", "python-hello", store)
    git(impostor, "remote", "add", "origin", "git@github.com:someone/hello-ds.git")
    git(impostor, "tag", "4.0")

    code, _, stderr = dsprod(real, "build")
    assert code == 0, stderr
    code, result, stderr = dsprod(impostor, "build")
    assert code == 3, stderr
    assert "'hello-ds' is owned by github.com/real/hello-ds" in result["error"]
    assert "comes from github.com/someone/hello-ds" in result["error"]
    assert {version for _, version, _ in channel_state(store)["unstable"]} == {"1.0"}

    # an administrator moves the name; the new owner publishes, the old one no longer can
    code, _, stderr = dsprod(real, "owner", "hello-ds", "--set", "github.com/someone/hello-ds")
    assert code == 0, stderr
    code, _, stderr = dsprod(impostor, "build")
    assert code == 0, stderr
    commit_all(real, "another commit")
    code, result, stderr = dsprod(real, "build")
    assert code == 3 and "owned by github.com/someone/hello-ds" in result["error"], stderr
