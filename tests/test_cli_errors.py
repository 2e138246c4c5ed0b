"""Bad input gets one clear line naming the file and field, a meaningful exit code, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import commit_all, git, make_repo


def run_cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsprod", *args, "--project", str(project)],
        capture_output=True,
        text=True,
    )


def assert_one_line_error(
    result: subprocess.CompletedProcess[str], code: int, *needles: str
) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "hello", "python-hello", tmp_path / "store")
    git(repo, "tag", "1.0")
    return repo


def test_no_project_metadata(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "--quiet")
    assert_one_line_error(run_cli(empty, "build"), 2, "no project metadata found", str(empty))


def test_broken_toml(project: Path) -> None:
    (project / "pyproject.toml").write_text("[project\nname = 'x'\n")
    commit_all(project, "break it")
    assert_one_line_error(run_cli(project, "build"), 2, "pyproject.toml")


def test_invalid_channels_yaml(project: Path) -> None:
    (project / "channels.yaml").write_text("store: {kind: ftp}\n")
    assert_one_line_error(run_cli(project, "status"), 2, "channels.yaml", "store.kind")


def test_not_a_git_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "pyproject.toml").write_text("[project]\nname = 'plain'\n")
    assert_one_line_error(run_cli(plain, "build"), 2, "not inside a git repository")


def test_no_version_tag(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "hello", "python-hello", tmp_path / "store")
    assert_one_line_error(run_cli(repo, "build"), 2, "git tag")


def test_dirty_tree_is_not_published_without_allow_dirty(project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "uncommitted\n")
    assert_one_line_error(run_cli(project, "build"), 2, "uncommitted changes", "--allow-dirty")


def test_missing_project_folder(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "nope", "status")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_bad_promote_spec(project: Path) -> None:
    assert_one_line_error(run_cli(project, "promote", "hello-ds"), 2, "expected NAME==VERSION")


def test_json_errors_are_one_document(project: Path) -> None:
    (project / "channels.yaml").write_text("channels: {stable: testing}\n")
    result = run_cli(project, "status", "--json")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["ok"] is False and document["exit_code"] == 2
    assert "distinct names" in document["error"]


def test_every_command_explains_itself() -> None:
    commands = ("recipe", "build", "test", "promote", "run", "status", "owner", "bootstrap")
    for command in (*commands, "yank", "mirror"):
        result = subprocess.run(
            [sys.executable, "-m", "dsprod", command, "--help"], capture_output=True, text=True
        )
        assert result.returncode == 0
        assert "Exit codes" in result.stdout
    top = subprocess.run([sys.executable, "-m", "dsprod", "--help"], capture_output=True, text=True)
    assert "DSPROD_DEPENDENCY_CHANNELS" in top.stdout and "DSPROD_STORE" in top.stdout


def test_broken_description(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "dspure", "r-pure", tmp_path / "store")
    (repo / "DESCRIPTION").write_text("Package: dspure\nthis line has no colon\n")
    commit_all(repo, "break DESCRIPTION")
    git(repo, "tag", "1.0")
    assert_one_line_error(run_cli(repo, "build"), 2, "DESCRIPTION:2", "this line has no colon")


def test_recipe_is_not_written_over_a_maintained_one(project: Path) -> None:
    first = run_cli(project, "recipe")
    assert first.returncode == 0, first.stderr
    written = project / "recipes" / "hello-ds" / "recipe.yaml"
    written.write_text(written.read_text() + "# maintained by hand\n")
    assert_one_line_error(run_cli(project, "recipe"), 2, "--regenerate")
    assert written.read_text().endswith("# maintained by hand\n")
    again = run_cli(project, "recipe", "--regenerate")
    assert again.returncode == 0 and "maintained by hand" not in written.read_text()


def test_channels_yaml_that_is_not_utf8(project: Path) -> None:
    (project / "channels.yaml").write_bytes(b"channels: {stable: st\xe4ble}\n")
    assert_one_line_error(run_cli(project, "status"), 2, "channels.yaml", "not UTF-8")


def test_channels_yaml_that_is_a_folder(project: Path) -> None:
    (project / "channels.yaml").unlink()
    (project / "channels.yaml").mkdir()
    assert_one_line_error(run_cli(project, "status"), 2, "channels.yaml", "not a file")
