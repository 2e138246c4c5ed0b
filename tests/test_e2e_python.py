"""The whole pipeline on real Python projects: real builds, real channels, real clean envs.

The release scenario every language goes through is in test_e2e_scenario.py.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from dsprod.store.local import LocalStore
from tests.projects import channel_state, commit_all, dsprod, git, make_repo

pytestmark = pytest.mark.e2e


def source_tree_pytest_passes(project: Path) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env={"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
    )
    return result.returncode == 0


def test_a_data_file_left_out_of_the_package_fails_the_test(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    project = make_repo(tmp_path / "hello", "python-hello", tmp_path / "store")
    pyproject = project / "pyproject.toml"
    # Package data only as listed (no VCS file finder), and the list forgets the data file:
    text = pyproject.read_text().replace('hello_ds = ["data/*.txt"]', 'hello_ds = ["*.json"]')
    pyproject.write_text(text + "\n[tool.setuptools]\ninclude-package-data = false\n")
    commit_all(project, "forget the data file")
    git(project, "tag", "0.1")
    assert source_tree_pytest_passes(project)

    code, result, stderr = dsprod(project, "build")
    assert code == 0, stderr
    code, result, stderr = dsprod(project, "test")
    assert code == 1, stderr
    assert result["failures"] + result["errors"] >= 2
    assert "FileNotFoundError" in result["error"]


def test_an_undeclared_runtime_dependency_fails_the_test(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    project = make_repo(tmp_path / "hello", "python-hello", tmp_path / "store")
    module = project / "src" / "hello_ds" / "__init__.py"
    module.write_text(
        module.read_text()
        + "\n\ndef shout(name):\n"
        + "    import click  # used, but not in [project] dependencies\n\n"
        + "    return click.style(greet(name).upper(), bold=True)\n"
    )
    (project / "tests" / "test_shout.py").write_text(
        "import hello_ds\n\n\n"
        "def test_shout():\n    assert 'HELLO, ADA!' in hello_ds.shout('Ada')\n"
    )
    commit_all(project, "use click without declaring it")
    git(project, "tag", "0.1")
    assert source_tree_pytest_passes(project)

    code, result, stderr = dsprod(project, "run")
    assert code == 1, stderr
    assert "No module named 'click'" in result["error"]
    assert result["report"]["failures"] == 1
    assert channel_state(tmp_path / "store")["testing"] == set()


def test_a_missing_dependency_imported_at_module_level_fails_the_build(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    project = make_repo(tmp_path / "hello", "python-hello", tmp_path / "store")
    module = project / "src" / "hello_ds" / "__init__.py"
    module.write_text("import click  # not declared\n" + module.read_text())
    commit_all(project, "import click without declaring it")
    git(project, "tag", "0.1")

    code, result, stderr = dsprod(project, "build")
    assert code == 4, stderr  # the recipe's import smoke test runs right after packaging
    assert "No module named 'click'" in result["error"]
    assert "full log:" in result["error"]
    assert channel_state(tmp_path / "store")["unstable"] == set()


def test_a_maintained_recipe_without_a_license_fails_the_build_with_exit_5(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    store = tmp_path / "store"
    project = make_repo(tmp_path / "hello", "python-hello", store)
    git(project, "tag", "0.1")
    code, result, stderr = dsprod(project, "recipe")
    assert code == 0, (result, stderr)
    recipe = project / "recipes" / "hello-ds" / "recipe.yaml"
    text = recipe.read_text()
    unlicensed = text.replace("  license: MIT\n", "")
    unlicensed = unlicensed.replace("  license_file:\n    - LICENSE\n", "")
    assert unlicensed != text and "license" not in unlicensed
    recipe.write_text(unlicensed)
    commit_all(project, "a maintained recipe that forgets the license")

    code, result, stderr = dsprod(project, "build")
    assert code == 5, stderr
    assert "failed verification, not published" in result["error"]
    assert "no license in about" in result["error"]
    assert channel_state(store)["unstable"] == set()


def test_builds_of_a_dirty_tree_are_told_apart_by_their_changes(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    project = make_repo(tmp_path / "hello", "python-hello", tmp_path / "store")
    git(project, "tag", "1.0")
    greeting = project / "src" / "hello_ds" / "data" / "greeting.txt"
    greeting.write_text("Hi, {name}!\n")
    code, first, stderr = dsprod(project, "build", "--allow-dirty")
    assert code == 0, stderr
    assert "_dirty" in first["build"]
    code, again, stderr = dsprod(project, "build", "--allow-dirty")
    assert code == 0 and again["reused"], stderr  # the same edits: the same build
    greeting.write_text("Hey, {name}!\n")
    code, second, stderr = dsprod(project, "build", "--allow-dirty")
    assert code == 0 and second["published"], stderr
    assert second["build"] != first["build"]
    builds = {p.build for p in asyncio.run(LocalStore(tmp_path / "store").packages("unstable"))}
    assert builds == {first["build"], second["build"]}
