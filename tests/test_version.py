"""Versions from real git repositories made in tmp_path, and the pure PEP 440 -> conda logic."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from rattler import Version as CondaVersion

from dsprod.conda.version import is_final, to_conda_version
from dsprod.errors import InputError
from dsprod.languages.python.scm import scm_options_from_pyproject
from dsprod.vcs.git import head as git_head
from dsprod.vcs.scm import NoVersionTag, ScmOptions, git_version

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

IDENTITY = ("-c", "user.name=t", "-c", "user.email=t@t")


def git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *IDENTITY, *args], cwd=repo, capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


def commit(repo: Path, message: str = "change") -> str:
    """Change a tracked file and commit it; returns the new HEAD."""
    tracked = repo / "tracked.txt"
    previous = tracked.read_text() if tracked.exists() else ""
    tracked.write_text(previous + message + "\n")
    git(repo, "add", "tracked.txt")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    git(path, "init", "-q")
    commit(path, "first")
    return path


def options_from(toml: str, repo: Path) -> ScmOptions:
    path = repo / "pyproject.toml"
    return scm_options_from_pyproject(tomllib.loads(toml), path)


# --- git_version with dsprod's defaults (no-guess-dev) -------------------------------


def test_two_commits_after_a_tag_give_a_post_dev_version_with_the_hash(repo: Path) -> None:
    git(repo, "tag", "1.2")
    commit(repo)
    head = commit(repo)

    info = git_version(repo)

    assert info.pep440 == "1.2.post1.dev2"
    assert info.conda == "1.2+post1dev2"
    assert info.build_string == f"g{head[:9]}"
    assert info.commit == head
    assert info.distance == 2
    assert info.tag == "1.2"
    assert not info.dirty
    assert not info.is_final


def test_a_tagged_commit_gets_the_tag_version(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "1.2.1rc1")

    info = git_version(repo)

    assert (info.pep440, info.conda, info.distance, info.tag) == (
        "1.2.1rc1",
        "1.2.1rc1",
        0,
        "1.2.1rc1",
    )
    assert info.build_string == f"g{head[:9]}"
    assert not info.is_final


def test_the_highest_of_several_tags_on_head_wins(repo: Path) -> None:
    # git describe prefers annotated tags, so it picks the developer's rc here.
    git(repo, "tag", "-a", "1.2.1rc1", "-m", "release candidate")
    git(repo, "tag", "1.2.1")
    assert git(repo, "describe", "--tags").startswith("1.2.1rc1")

    info = git_version(repo)

    assert (info.pep440, info.tag, info.is_final) == ("1.2.1", "1.2.1", True)


def test_a_commit_after_a_doubly_tagged_commit_counts_from_the_highest_tag(repo: Path) -> None:
    git(repo, "tag", "-a", "1.2.1rc1", "-m", "release candidate")
    git(repo, "tag", "1.2.1")
    commit(repo)

    info = git_version(repo)

    assert (info.pep440, info.tag, info.distance) == ("1.2.1.post1.dev1", "1.2.1", 1)


def test_a_v_prefixed_tag_works(repo: Path) -> None:
    git(repo, "tag", "v1.3")

    info = git_version(repo)

    assert (info.pep440, info.tag, info.is_final) == ("1.3", "v1.3", True)


def test_a_post_release_tag_is_final(repo: Path) -> None:
    git(repo, "tag", "1.2.post1")

    info = git_version(repo)

    assert (info.pep440, info.conda, info.is_final) == ("1.2.post1", "1.2+post1", True)


def test_an_uncommitted_change_to_a_tracked_file_makes_a_dirty_dev_version(repo: Path) -> None:
    git(repo, "tag", "1.2")
    head = git(repo, "rev-parse", "HEAD")
    (repo / "tracked.txt").write_text("edited\n")

    info = git_version(repo)

    assert info.dirty
    assert info.pep440 == "1.2.post1.dev0"
    assert not info.is_final
    assert info.build_string.startswith(f"g{head[:9]}.d")  # node-and-date local part


def test_an_untracked_file_does_not_make_the_tree_dirty(repo: Path) -> None:
    git(repo, "tag", "1.2")
    (repo / "untracked.txt").write_text("new\n")

    info = git_version(repo)

    assert not info.dirty
    assert info.pep440 == "1.2"


def test_a_subfolder_of_the_repository_is_versioned_by_the_repository(repo: Path) -> None:
    git(repo, "tag", "2.0")
    sub = repo / "packages" / "inner"
    sub.mkdir(parents=True)

    assert git_version(sub).pep440 == "2.0"


def test_conda_versions_of_the_release_scenario_sort_like_pep440(repo: Path) -> None:
    git(repo, "tag", "1.2")
    commit(repo)
    commit(repo)
    after_tag = git_version(repo)
    git(repo, "tag", "-a", "1.2.1rc1", "-m", "release candidate")
    candidate = git_version(repo)
    git(repo, "tag", "1.2.1")
    final = git_version(repo)

    assert [after_tag.pep440, candidate.pep440, final.pep440] == [
        "1.2.post1.dev2",
        "1.2.1rc1",
        "1.2.1",
    ]
    assert CondaVersion(after_tag.conda) < CondaVersion(candidate.conda) < CondaVersion(final.conda)


# --- the project's own setuptools_scm / hatch-vcs configuration ----------------------


def test_setuptools_scm_version_scheme_is_honoured(repo: Path) -> None:
    git(repo, "tag", "1.2")
    commit(repo)
    commit(repo)
    options = options_from('[tool.setuptools_scm]\nversion_scheme = "guess-next-dev"\n', repo)

    assert git_version(repo, options).pep440 == "1.3.dev2"


def test_an_empty_setuptools_scm_table_means_setuptools_scm_defaults(repo: Path) -> None:
    git(repo, "tag", "1.2")
    commit(repo)
    options = options_from("[tool.setuptools_scm]\n", repo)

    assert (options.version_scheme, options.local_scheme) == ("guess-next-dev", "node-and-date")
    assert git_version(repo, options).pep440 == "1.3.dev1"


def test_a_custom_tag_regex_is_honoured(repo: Path) -> None:
    git(repo, "tag", "rel/1.4")
    toml = "[tool.setuptools_scm]\ntag_regex = '^rel/(?P<version>[0-9.]+)$'\n"

    info = git_version(repo, options_from(toml, repo))

    assert (info.pep440, info.tag) == ("1.4", "rel/1.4")


def test_a_tag_the_regex_cannot_read_is_an_input_error_naming_it(repo: Path) -> None:
    git(repo, "tag", "rel/1.4")

    with pytest.raises(InputError, match=r"rel/1\.4") as raised:
        git_version(repo)
    assert not isinstance(raised.value, NoVersionTag)


def test_a_prefixed_release_tag_with_a_custom_regex(repo: Path) -> None:
    git(repo, "tag", "release-1.4")
    commit(repo)
    toml = "[tool.setuptools_scm]\ntag_regex = '^release-(?P<version>[0-9.]+)$'\n"

    assert git_version(repo, options_from(toml, repo)).pep440 == "1.5.dev1"


def test_hatch_vcs_raw_options_are_honoured(repo: Path) -> None:
    git(repo, "tag", "1.2")
    head = commit(repo)
    toml = """
[tool.hatch.version]
source = "vcs"
raw-options = { version_scheme = "no-guess-dev", local_scheme = "no-local-version" }
"""
    (repo / "tracked.txt").write_text("edited\n")

    info = git_version(repo, options_from(toml, repo))

    assert info.pep440 == "1.2.post1.dev1"
    assert re.fullmatch(rf"g{head[:9]}_dirty[0-9a-f]{{8}}", info.build_string)


def test_hatch_vcs_without_raw_options_uses_setuptools_scm_defaults(repo: Path) -> None:
    git(repo, "tag", "1.2")
    commit(repo)
    toml = '[tool.hatch.version]\nsource = "vcs"\n'

    assert git_version(repo, options_from(toml, repo)).pep440 == "1.3.dev1"


def test_hatch_vcs_tag_pattern_wins_over_raw_options_tag_regex(repo: Path) -> None:
    git(repo, "tag", "rel/1.4")
    toml = """
[tool.hatch.version]
source = "vcs"
tag-pattern = '^rel/(?P<version>[0-9.]+)$'
raw-options = { tag_regex = '^other/(?P<version>[0-9.]+)$' }
"""

    assert git_version(repo, options_from(toml, repo)).pep440 == "1.4"


# --- scm_options_from_pyproject ----------------------------------------------------


def test_a_project_without_vcs_versioning_gets_dsprod_defaults(tmp_path: Path) -> None:
    options = options_from('[project]\nname = "x"\nversion = "1.0"\n', tmp_path)

    assert (options.version_scheme, options.local_scheme, options.tag_regex) == (None, None, None)
    assert "dsprod defaults" in options.source


def test_setuptools_scm_in_build_requires_without_a_table_is_no_configuration(
    tmp_path: Path,
) -> None:
    toml = """
[build-system]
requires = ["setuptools>=64", "setuptools-scm[simple]>=8"]
[project]
name = "x"
dynamic = ["version"]
"""
    assert options_from(toml, tmp_path).version_scheme is None  # dsprod's no-guess-dev


def test_new_style_tag_table_regex_is_read(tmp_path: Path) -> None:
    toml = "[tool.setuptools_scm.tag]\nregex = '^rel/(?P<version>.+)$'\n"

    assert options_from(toml, tmp_path).tag_regex == "^rel/(?P<version>.+)$"


@pytest.mark.parametrize("regex", ["^rel/(", "^rel/[0-9.]+$", "(a)(b)"])
def test_a_broken_tag_regex_names_pyproject_and_the_key(tmp_path: Path, regex: str) -> None:
    toml = f"[tool.setuptools_scm]\ntag_regex = '{regex}'\n"

    with pytest.raises(InputError, match=r"pyproject\.toml: tool\.setuptools_scm\.tag_regex"):
        options_from(toml, tmp_path)


def test_a_broken_hatch_tag_pattern_names_its_key(tmp_path: Path) -> None:
    toml = '[tool.hatch.version]\nsource = "vcs"\ntag-pattern = "no-group"\n'

    with pytest.raises(InputError, match=r"tool\.hatch\.version\.tag-pattern"):
        options_from(toml, tmp_path)


def test_an_unknown_scheme_names_the_key_and_the_known_schemes(tmp_path: Path) -> None:
    toml = '[tool.setuptools_scm]\nversion_scheme = "guess-next-dve"\n'

    with pytest.raises(InputError, match=r"version_scheme = 'guess-next-dve'.*no-guess-dev"):
        options_from(toml, tmp_path)


def test_a_broken_tag_regex_given_directly_is_an_input_error(repo: Path) -> None:
    git(repo, "tag", "1.0")

    with pytest.raises(InputError, match="tag_regex"):
        git_version(repo, ScmOptions(tag_regex="[", source="test"))


# --- errors ------------------------------------------------------------------------


def test_a_folder_outside_git_is_an_input_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=str(tmp_path)) as raised:
        git_version(tmp_path)
    assert not isinstance(raised.value, NoVersionTag)


def test_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        git_head(tmp_path / "missing")


def test_a_repository_without_commits_is_an_input_error(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")

    with pytest.raises(InputError, match="no commit"):
        git_head(tmp_path)


def test_a_repository_without_version_tags_raises_no_version_tag(repo: Path) -> None:
    git(repo, "tag", "not-a-version")

    with pytest.raises(NoVersionTag, match=r"git tag 0\.1\.0"):
        git_version(repo)


# --- git_head and dirty trees ------------------------------------------------------


def test_git_head_is_the_full_hash(repo: Path) -> None:
    assert git_head(repo) == git(repo, "rev-parse", "HEAD")


def test_different_uncommitted_changes_get_different_build_strings(repo: Path) -> None:
    git(repo, "tag", "1.2")
    (repo / "tracked.txt").write_text("first edit\n")
    first = git_version(repo).build_string
    assert git_version(repo).build_string == first  # the same edits, the same build
    (repo / "tracked.txt").write_text("second edit\n")
    assert git_version(repo).build_string != first


# --- pure logic --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pep440", "conda"),
    [
        ("1.2.1", "1.2.1"),
        ("1.2.0", "1.2.0"),
        ("1.2.dev2", "1.2dev2"),
        ("1.0.dev1", "1dev1"),
        ("1.2.0rc1", "1.2rc1"),
        ("1.2.1rc1.dev3", "1.2.1rc1dev3"),
        ("1.2.post1", "1.2+post1"),
        ("1.2.post1.dev2+g1a2b3c4", "1.2+post1dev2"),
        ("1!2.0", "1!2.0"),
        ("1.2.1+local", "1.2.1"),
    ],
)
def test_to_conda_version_spellings(pep440: str, conda: str) -> None:
    assert to_conda_version(pep440) == conda


@pytest.mark.parametrize(
    ("pep440", "final"),
    [
        ("1.2", True),
        ("1.2.post1", True),
        ("1.2rc1", False),
        ("1.2.dev1", False),
        ("1.2.post1.dev1", False),
    ],
)
def test_is_final(pep440: str, final: bool) -> None:
    assert is_final(pep440) is final
