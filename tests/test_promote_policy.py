"""The promotion policy is pure: these rules hold without any store."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsprod.errors import InputError
from dsprod.promote import decide, highest_level_for
from tests.packages import test_report

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

PASSED = test_report(passed=True)
FAILED = test_report(passed=False, summary="1 passed, 1 failed")


@pytest.mark.parametrize(
    ("version", "final"),
    [
        ("1.2.1", True),
        ("1.2.post1", True),
        ("1.2.1rc1", False),
        ("1.2.post1.dev2", False),
        ("1.3.dev2", False),
        ("2.0a1", False),
        ("not-a-version", False),
        (None, False),
    ],
)
def test_finality_of_pep440_versions(version: str | None, final: bool) -> None:
    assert highest_level_for(version) == ("stable" if final else "testing")


def test_testing_needs_a_passing_report() -> None:
    assert decide("testing", "1.2.post1dev2", PASSED, force=False).allowed
    refused = decide("testing", "1.2.1", None, force=False)
    assert not refused.allowed and "no test report" in refused.broken_rules[0]
    assert not decide("testing", "1.2.1", FAILED, force=False).allowed


def test_stable_needs_a_final_version_too() -> None:
    assert decide("stable", "1.2.1", PASSED, force=False).allowed
    refused = decide("stable", "1.2.1rc1", PASSED, force=False)
    assert not refused.allowed
    assert refused.broken_rules == (
        "version 1.2.1rc1 is not a final release (pre- or dev-release)",
    )


def test_force_allows_and_says_which_rules_it_overrode() -> None:
    decision = decide("stable", "1.2.1rc1", FAILED, force=True)
    assert decision.allowed and decision.forced
    assert len(decision.broken_rules) == 2
    assert not decide("stable", "1.2.1", PASSED, force=True).forced


def test_only_testing_and_stable_are_targets() -> None:
    with pytest.raises(InputError):
        decide("unstable", "1.0", PASSED, force=False)


@given(
    st.sampled_from(["testing", "stable"]),
    st.from_regex(
        r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}((a|b|rc)[0-9])?(\.post[0-9])?(dev[0-9])?", fullmatch=True
    ),
    st.sampled_from([None, PASSED, FAILED]),
)
def test_without_force_nothing_untested_or_failed_is_promoted(level, version, report) -> None:
    decision = decide(level, version, report, force=False)
    if decision.allowed:
        assert report is PASSED
        assert level == "testing" or highest_level_for(version) == "stable"
