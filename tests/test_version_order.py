"""Property: conda/rattler orders ``to_conda_version`` output exactly as PEP 440 orders versions.

Packages of one project are only ever compared by conda, so any pair that conda
orders differently from PEP 440 would make a solver pick the wrong build.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version
from rattler import Version as CondaVersion

from dsprod.conda.version import to_conda_version

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

# Small numbers, zeros included, so that equal prefixes, trailing zeros
# (1.0 == 1.0.0) and neighbours (1.0.post1 vs 1.0.0.1) come up often.
_number = st.integers(min_value=0, max_value=3) | st.integers(min_value=0, max_value=20)


@st.composite
def pep440_versions(draw: st.DrawFn) -> str:
    """A PEP 440 version: optional epoch, 1-4 release parts, optional pre/post/dev/local."""
    text = ""
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        text += f"{draw(st.integers(min_value=0, max_value=2))}!"
    release = draw(st.lists(_number, min_size=1, max_size=4))
    text += ".".join(str(part) for part in release)
    if draw(st.booleans()):
        text += f"{draw(st.sampled_from(['a', 'b', 'rc']))}{draw(_number)}"
    if draw(st.booleans()):
        text += f".post{draw(_number)}"
    if draw(st.booleans()):
        text += f".dev{draw(_number)}"
    if draw(st.booleans()):
        text += "+" + draw(st.sampled_from(["g1a2b3c4d5", "g1a2b3c4d5.d20261126", "dirty", "1"]))
    return text


def _sign(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(st.lists(pep440_versions(), min_size=2, max_size=30))
def test_conda_order_matches_pep440_order(versions: list[str]) -> None:
    """Every pair of a generated list (up to 435 pairs per example), equality included."""
    public = [Version(Version(version).public) for version in versions]
    conda_spelling = [to_conda_version(version) for version in versions]
    conda = [CondaVersion(spelling) for spelling in conda_spelling]
    for i in range(len(versions)):
        for j in range(i + 1, len(versions)):
            expected = _sign(public[i], public[j])
            actual = _sign(conda[i], conda[j])
            assert actual == expected, (
                versions[i],
                versions[j],
                conda_spelling[i],
                conda_spelling[j],
            )


@settings(max_examples=300, deadline=None)
@given(pep440_versions())
def test_conda_version_parses_and_drops_the_local_part(version: str) -> None:
    conda = to_conda_version(version)
    CondaVersion(conda)
    assert to_conda_version(Version(version).public) == conda
