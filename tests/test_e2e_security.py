"""What a build may claim: real builds through the real CLI."""

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
