"""Security through real builds and the real CLI: what a build may claim, who may publish
a name, and what a package records (no credentials, no template results, no machine paths)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conda_package_streaming.package_streaming import stream_conda_component

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


TOKEN = "glpat-SECRET0123456789"
TEMPLATE_TEXT = "token: ${{ env.get('HOME') }} ${{ 7*7 }}"


def package_files(package: Path) -> dict[str, bytes]:
    """Every file of a .conda package (info/ and payload), by its path in the package."""
    files: dict[str, bytes] = {}
    for component in ("info", "pkg"):
        with package.open("rb") as stream:
            for tar, member in stream_conda_component(package.name, stream, component):
                handle = tar.extractfile(member) if member.isfile() else None
                if handle is not None:
                    files[member.name] = handle.read()
    return files


def built_package(store: Path, result: dict) -> Path:
    return store / "channels" / "unstable" / result["subdir"] / result["filename"]


def test_no_ci_token_and_no_template_result_is_published(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    """One real build for two issues (builds are slow): the origin URL's token, and a
    description that rattler-build would evaluate as a template."""
    store = tmp_path / "store"
    project = make_repo(tmp_path / "hello", "python-hello", store)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    described = re.sub(r"(?m)^description = .*$", f'description = "{TEMPLATE_TEXT}"', text)
    assert described != text
    pyproject.write_text(described)
    commit_all(project, "a description that looks like a template")
    git(project, "tag", "1.0")
    origin = f"https://oauth2:{TOKEN}@gitlab.example.com/org/hello.git?ref=main#top"
    git(project, "remote", "add", "origin", origin)

    code, result, stderr = dsprod(project, "build")
    assert code == 0, stderr
    files = package_files(built_package(store, result))
    about = json.loads(files["info/about.json"])
    assert about["summary"] == TEMPLATE_TEXT
    assert about["extra"]["dsprod"]["repository"] == "https://gitlab.example.com/org/hello.git"
    assert [name for name, data in files.items() if TOKEN.encode() in data] == []

    code, result, stderr = dsprod(project, "recipe", "--stdout")
    assert code == 0, stderr
    assert TOKEN not in json.dumps(result)
    assert 'default("https://gitlab.example.com/org/hello.git")' in result["recipe"]


def test_a_package_records_no_path_of_the_build_machine(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    """No origin remote: nothing is recorded for the repository, and `dsprod run` still finds
    the tests in the local checkout; info/ holds no project, build, store or channel path."""
    store = tmp_path / "store"
    project = make_repo(tmp_path / "hello", "python-hello", store)
    git(project, "tag", "1.0")

    code, result, stderr = dsprod(project, "run")
    assert code == 0, stderr
    assert result["channels"] == ["unstable", "testing", "stable"]
    files = package_files(built_package(store, result))
    assert not [name for name in files if name.startswith("info/recipe/")]
    about = json.loads(files["info/about.json"])
    assert "channels" not in about  # only local ones were used
    assert about["extra"]["dsprod"].get("repository", "") == ""
    machine_paths = [str(tmp_path), str(bootstrap_channel), "file://"]
    assert [
        (name, path)
        for name, data in files.items()
        for path in machine_paths
        if name.startswith("info/") and path.encode() in data
    ] == []
