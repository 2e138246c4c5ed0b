"""Verification of real packages: what a package records about itself must be what git says."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dsprod.artifact import read_artifact
from dsprod.errors import VerifyFailed
from dsprod.verify import Expected, verify
from tests.packages import build_package

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

REPOSITORY = "https://example.org/alpha"
COMPUTED = Expected(
    name="alpha",
    version="5.0.0rc1",
    build="g0",
    commit="0" * 40,
    pep440_version="5.0.0rc1",
    repository=REPOSITORY,
    language="python",
)
"""What dsprod computes from git for a commit tagged 5.0.0rc1."""


def test_a_package_recording_what_git_says_passes(tmp_path: Path) -> None:
    recorded = {"pep440_version": "5.0.0rc1", "repository": REPOSITORY, "language": "python"}
    verify(read_artifact(build_package(tmp_path, "alpha", "5.0.0rc1", extra=recorded)), COMPUTED)


def test_a_recipe_claiming_a_final_version_on_a_release_candidate_is_refused(
    tmp_path: Path,
) -> None:
    # A maintained recipe that hard-codes pep440_version: promotion would judge 5.0.0 final.
    recorded = {"pep440_version": "5.0.0", "repository": REPOSITORY, "language": "python"}
    artifact = read_artifact(build_package(tmp_path, "alpha", "5.0.0rc1", extra=recorded))
    with pytest.raises(VerifyFailed) as caught:
        verify(artifact, COMPUTED)
    assert "extra.dsprod.pep440_version is '5.0.0', but dsprod computed '5.0.0rc1'" in str(
        caught.value
    )
    assert caught.value.exit_code == 5


def test_every_recorded_value_is_compared_and_all_mismatches_are_listed(tmp_path: Path) -> None:
    recorded = {"commit": "1" * 40, "pep440_version": "5.0.0rc1", "language": "r"}
    artifact = read_artifact(build_package(tmp_path, "alpha", "5.0.0rc1", extra=recorded))
    expected = replace(COMPUTED, name="beta", version="5.0.0", build="g1")
    with pytest.raises(VerifyFailed) as caught:
        verify(artifact, expected)
    message = str(caught.value)
    for needle in (
        "name is 'alpha', expected 'beta'",
        "version is '5.0.0rc1', expected '5.0.0'",
        "build string is 'g0', expected 'g1'",
        f"extra.dsprod.commit is '{'1' * 40}', but dsprod computed '{'0' * 40}'",
        f"extra.dsprod.repository is not recorded; dsprod computed '{REPOSITORY}'",
        "extra.dsprod.language is 'r', but dsprod computed 'python'",
    ):
        assert needle in message
