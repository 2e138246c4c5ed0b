"""URLs dsprod records carry no credentials, query or fragment (origin remote, metadata URLs)."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsprod.languages.python import read_python_project
from dsprod.languages.r.description import read_r_project
from dsprod.vcs.git import origin_url
from dsprod.vcs.urls import absolute_url, without_credentials

# Fast and self-contained: also run when dsprod tests its own installed package.
from tests.versions import TAGGED_1_0 as VERSION

pytestmark = pytest.mark.selftest


@pytest.mark.parametrize(
    ("url", "recorded"),
    [
        # the shape GitLab CI gives, plus a query and a fragment
        (
            "https://oauth2:glpat-SECRET@gitlab.example.com/org/repo.git?private_token=X#frag",
            "https://gitlab.example.com/org/repo.git",
        ),
        ("https://ghp_SECRET@github.com/org/repo", "https://github.com/org/repo"),
        ("https://user:p@ss@host:8443/org/repo.git", "https://host:8443/org/repo.git"),
        ("http://[::1]:8080/repo", "http://[::1]:8080/repo"),
        # ssh users are no secret, and a clone needs them; passwords go
        ("ssh://git@host:2222/org/repo.git", "ssh://git@host:2222/org/repo.git"),
        ("ssh://git:SECRET@host/org/repo.git", "ssh://git@host/org/repo.git"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("user:SECRET@host:org/repo.git", "host:org/repo.git"),
        # local remotes: no credentials to remove
        ("/srv/git/repo.git", "/srv/git/repo.git"),
        ("../sibling", "../sibling"),
        ("file:///srv/git/repo.git", "file:///srv/git/repo.git"),
    ],
)
def test_without_credentials(url: str, recorded: str) -> None:
    assert without_credentials(url) == recorded


@pytest.mark.parametrize(
    ("text", "recorded"),
    [
        ("https://example.org/docs", "https://example.org/docs"),
        ("  https://example.org/  ", "https://example.org/"),
        ("https://bot:SECRET@example.org/x?token=Y#top", "https://example.org/x"),
        ("https://example.org/${{7*7}}", "https://example.org/${{7*7}}"),  # the writer escapes it
        ("git@github.com:org/repo.git", None),  # rattler-build refuses it as a URL
        ("example.org", None),
        ("https://example.org/a b", None),
        ("https://example.org/a\\b", None),
        ("https://exa mple.org/", None),
        ("https://example.org:port/", None),
        ("https://${{ host }}/", None),
        ("https:///path-only", None),
        ("file:///home/me/project", None),
    ],
)
def test_absolute_url(text: str, recorded: str | None) -> None:
    assert absolute_url(text) == recorded


_SECRET = st.text(st.characters(codec="ascii", exclude_characters="/?#@:"), min_size=6)
_PART = st.text(st.characters(codec="ascii", exclude_characters="/?#@:%\\ "), min_size=1)


@settings(max_examples=200, deadline=None)
@given(
    scheme=st.sampled_from(["https", "http", "ssh", "git+ssh", "git"]),
    user=_PART,
    secret=_SECRET,
    host=st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True),
    path=st.lists(_PART, max_size=3).map(lambda parts: "".join(f"/{p}" for p in parts)),
    query=_SECRET,
    fragment=_SECRET,
)
def test_no_secret_survives(
    scheme: str, user: str, secret: str, host: str, path: str, query: str, fragment: str
) -> None:
    url = f"{scheme}://{user}:{secret}@{host}{path}?{query}#{fragment}"
    recorded = without_credentials(url)
    kept_user = f"{user}@" if scheme in ("ssh", "git+ssh") else ""
    assert recorded == f"{scheme}://{kept_user}{host}{path}"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_origin_url_is_recorded_without_the_ci_token(tmp_path: Path) -> None:
    _git(tmp_path, "init", "--quiet")
    _git(
        tmp_path,
        "remote",
        "add",
        "origin",
        "https://oauth2:glpat-SECRET@gitlab.example.com/g/r.git",
    )
    assert origin_url(tmp_path) == "https://gitlab.example.com/g/r.git"


def test_python_metadata_urls_are_cleaned_or_left_out(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [project]
            name = "tokens"
            [project.urls]
            Homepage = "not a url"
            Home = "https://bot:SECRET@example.org/tokens?key=SECRET#top"
            Repository = "git@github.com:org/tokens.git"
            Documentation = "https://docs.example.org/tokens"
            """
        )
    )
    info = read_python_project(tmp_path, VERSION)
    assert info.homepage == "https://example.org/tokens"
    assert info.repository is None
    assert info.documentation == "https://docs.example.org/tokens"
    warnings = "\n".join(info.warnings)
    assert "URL 'Homepage' is not an absolute URL; left out" in warnings
    assert "URL 'Repository' is not an absolute URL; left out" in warnings
    assert "URL 'Home' recorded as https://example.org/tokens" in warnings
    assert "SECRET" not in warnings


def test_setup_cfg_url_is_cleaned(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = legacy\nurl = https://u:SECRET@example.org/legacy\n"
    )
    assert read_python_project(tmp_path, VERSION).homepage == "https://example.org/legacy"


def test_r_urls_are_cleaned_or_left_out(tmp_path: Path) -> None:
    (tmp_path / "DESCRIPTION").write_text(
        "Package: tokens\n"
        "Version: 1.0\n"
        "URL: https://u:SECRET@tokens.example.org/?k=SECRET (docs),\n"
        "    https://github.com/org/tokens#readme\n"
        "BugReports: https://github.com/org/tokens/issues\n"
    )
    info = read_r_project(tmp_path, VERSION)
    assert info.homepage == "https://tokens.example.org/"
    assert info.repository == "https://github.com/org/tokens"
    warnings = "\n".join(info.warnings)
    assert "'(docs)' is not a URL; ignored" in warnings
    assert "SECRET" not in warnings


def test_r_bug_reports_is_cleaned(tmp_path: Path) -> None:
    (tmp_path / "DESCRIPTION").write_text(
        "Package: tokens\nVersion: 1.0\n"
        "BugReports: https://u:SECRET@gitlab.example.org/org/tokens/-/issues?x=1\n"
    )
    assert read_r_project(tmp_path, VERSION).repository == "https://gitlab.example.org/org/tokens"
