"""What a test run gets from git: tests folders, runner config, conftests on the way; no source."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsprod.envtest.source import export_tests
from dsprod.errors import InputError
from dsprod.languages import language_named
from tests.projects import commit_all, git

FILES = {
    "pytest.ini": "[pytest]\n",  # the repository's, above the project folder: not taken
    "sub/pyproject.toml": "[tool.pytest.ini_options]\npythonpath = ['src']\n",
    "sub/tox.ini": "[tox]\n",
    "sub/conftest.py": "",
    "sub/src/pkg/__init__.py": "",
    "sub/tests/conftest.py": "",
    "sub/tests/unit/test_a.py": "",
    "sub/tests/integration/test_b.py": "",
    "sub/tests/slow/test_c.py": "",
}


def test_export_takes_config_and_conftests_but_never_the_source(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for name, text in FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "init", "--quiet")
    commit_all(repo, "tests in two folders")
    commit = git(repo, "rev-parse", "HEAD").strip()
    (repo / "sub" / "tests" / "unit" / "test_uncommitted.py").write_text("")

    python = language_named("python", "test")
    exported = export_tests(
        [str(repo)],
        commit,
        "sub",
        ["sub/tests/unit", "sub/tests/integration"],
        tmp_path / "out",
        config_files=python.test_config_files,
        folder_files=python.test_folder_files,
    )

    out = tmp_path / "out"
    assert (exported.project, exported.tests) == (
        out / "sub",
        (out / "sub/tests/unit", out / "sub/tests/integration"),
    )
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "sub/conftest.py",
        "sub/pyproject.toml",
        "sub/tests/conftest.py",
        "sub/tests/integration/test_b.py",
        "sub/tests/unit/test_a.py",
        "sub/tox.ini",
    ]
    with pytest.raises(InputError, match="no 'sub/nothing' folder"):
        export_tests([str(repo)], commit, "sub", ["sub/nothing"], tmp_path / "again")
