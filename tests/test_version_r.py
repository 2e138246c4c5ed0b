"""R versions from real git repositories (tags in R syntax, dev builds, rcs, dirty trees).

The order of the versions is proven in test_version_r_order.py; here: which tag
wins, what each build's versions are, and the build script's DESCRIPTION edit.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dsprod.errors import InputError
from dsprod.languages.r import R
from dsprod.languages.r.recipe import R_VERSION_VARIABLE, WRITE_VERSION
from dsprod.languages.r.version import (
    declared_version,
    is_r_version_tag,
    parse_r_tag,
    tagged_version,
)
from dsprod.vcs.scm import VersionInfo, describe
from tests.test_version import commit, git

pytestmark = pytest.mark.selftest


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "rpkg"
    path.mkdir()
    (path / "DESCRIPTION").write_text("Package: rpkg\nVersion: 1.0-6.9000\n")
    git(path, "init", "-q")
    git(path, "add", "DESCRIPTION")
    commit(path, "first")
    return path


def version_of(repo: Path) -> VersionInfo:
    version, _ = tagged_version(describe(repo, is_r_version_tag))
    assert version is not None
    return version


def versions(info: VersionInfo) -> tuple[str, str, str, bool]:
    return info.native, info.conda, info.pep440, info.is_final


@pytest.mark.parametrize(
    ("tag", "release", "rc"),
    [
        ("v1.0-7", "1.0-7", None),
        ("1.0-7", "1.0-7", None),
        ("1.0.7", "1.0.7", None),
        ("0.2", "0.2", None),
        ("V2.1-07", "2.1-07", None),
        ("1.0-8rc1", "1.0-8", 1),
        ("v1.0-8-rc2", "1.0-8", 2),
        ("1.0.8.RC3", "1.0.8", 3),
    ],
)
def test_tags_in_r_syntax(tag: str, release: str, rc: int | None) -> None:
    parsed = parse_r_tag(tag)
    assert parsed is not None
    assert (parsed.release, parsed.rc, parsed.dev) == (release, rc, None)


@pytest.mark.parametrize("tag", ["1", "v2", "1.0.0a1", "1.0-7beta", "release-1.0", "1..0", "1.0-"])
def test_tags_that_are_no_r_version(tag: str) -> None:
    assert parse_r_tag(tag) is None


def test_a_tagged_commit_is_the_release_in_conda_forge_spelling(repo: Path) -> None:
    git(repo, "tag", "v1.0-7")
    info = version_of(repo)
    head = git(repo, "rev-parse", "HEAD")
    assert versions(info) == ("1.0-7", "1.0_7", "1.0.7", True)
    assert (info.tag, info.commit, info.distance, info.build_string) == (
        "v1.0-7",
        head,
        0,
        f"g{head[:9]}",
    )


def test_commits_after_a_tag_are_dev_builds_by_distance(repo: Path) -> None:
    git(repo, "tag", "v1.0-7")
    commit(repo, "second")
    commit(repo, "third")
    info = version_of(repo)
    assert versions(info) == ("1.0-7.0.9000.2", "1.0_7.0.9000.2", "1.0.7.0.9000.dev2", False)
    assert info.build_string == f"g{info.commit[:9]}"


def test_a_release_candidate_and_its_dev_builds(repo: Path) -> None:
    git(repo, "tag", "1.0-8rc1")
    assert versions(version_of(repo)) == ("1.0-8", "1.0_8rc1", "1.0.8rc1", False)
    commit(repo, "fix")
    after = ("1.0-8", "1.0_8rc1.0.9000.1", "1.0.8rc1.post1.dev1", False)
    assert versions(version_of(repo)) == after


def test_the_final_tag_on_the_release_candidates_commit_wins(repo: Path) -> None:
    git(repo, "tag", "1.0-8rc1")
    git(repo, "tag", "1.0-8")
    git(repo, "tag", "not-a-version")
    info = version_of(repo)
    assert (info.tag, *versions(info)) == ("1.0-8", "1.0-8", "1.0_8", "1.0.8", True)


def test_a_dirty_tree_is_a_dev_build_named_by_its_changes(repo: Path) -> None:
    git(repo, "tag", "v1.0-7")
    (repo / "tracked.txt").write_text("edited\n")
    info = version_of(repo)
    assert versions(info) == ("1.0-7.0.9000.0", "1.0_7.0.9000.0", "1.0.7.0.9000.dev0", False)
    assert info.dirty
    assert info.build_string.startswith(f"g{info.commit[:9]}_dirty")


def test_a_nearer_tag_that_is_no_r_version_is_ignored_with_a_note(repo: Path) -> None:
    git(repo, "tag", "v1.0-7")
    commit(repo, "second")
    git(repo, "tag", "v2")
    version, notes = tagged_version(describe(repo, is_r_version_tag))
    assert version is not None
    assert (version.tag, version.native) == ("v1.0-7", "1.0-7.0.9000.1")
    assert notes == (
        "version: tag 'v2' is no R version (at least two numbers joined by . or -,"
        " an optional v before and rcN after); ignored",
    )


def test_without_an_r_version_tag_there_is_no_tagged_version(repo: Path) -> None:
    assert tagged_version(describe(repo, is_r_version_tag)) == (None, ())
    git(repo, "tag", "1.0.0a1")
    version, notes = tagged_version(describe(repo, is_r_version_tag))
    assert version is None
    assert "'1.0.0a1' is no R version" in notes[0]


def test_description_version_without_a_tag(repo: Path) -> None:
    info = declared_version(repo, "1.2-3", "DESCRIPTION: Version")
    assert versions(info) == ("1.2-3", "1.2_3", "1.2.3", True)
    assert (info.tag, info.distance, info.commit) == (None, 0, git(repo, "rev-parse", "HEAD"))
    with pytest.raises(InputError, match=r"DESCRIPTION: Version: '1\.0a' is not an R version"):
        declared_version(repo, "1.0a", "DESCRIPTION: Version")


def test_the_reader_says_the_build_writes_the_tag_version_into_description(repo: Path) -> None:
    git(repo, "tag", "v1.0-7")
    info = R.read(repo)
    assert info.version.conda == "1.0_7"
    assert (
        "version: 1.0-7 from git tag v1.0-7 (DESCRIPTION says 1.0-6.9000;"
        " the build writes 1.0-7 into it)"
    ) in info.warnings


@pytest.mark.parametrize(
    ("description", "written"),
    [
        ("Package: p\nVersion: 1.0-6.9000\nTitle: T\n", "Package: p\nVersion: 1.0-7\nTitle: T\n"),
        ("Package: p\nVersion:\n  1.0-6\nTitle: T\n", "Package: p\nVersion: 1.0-7\nTitle: T\n"),
        ("Package: p\nTitle: T", "Package: p\nTitle: T\nVersion: 1.0-7\n"),
        ("Package: p\r\nVersion: 0.1\r\n", "Package: p\r\nVersion: 1.0-7\n"),
    ],
    ids=["stale", "continued", "missing-no-newline", "crlf"],
)
def test_the_build_script_writes_the_version_into_description(
    tmp_path: Path, description: str, written: str
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "DESCRIPTION").write_bytes(description.encode())
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    subprocess.run(
        ["bash", "-euo", "pipefail", "-c", WRITE_VERSION],
        env={
            "PATH": "/usr/bin:/bin",
            "SRC_DIR": str(source),
            "tarball_dir": str(scratch),
            R_VERSION_VARIABLE: "1.0-7",
        },
        check=True,
    )
    assert (source / "DESCRIPTION").read_bytes() == written.encode()
