"""Property: R builds' conda versions order as intended, and as R's ``package_version`` does.

The intended order (``languages/r/version.py``): versions compare number by
number, a missing number counting as 0 (as conda pads); a release candidate sits
just below the number it is a candidate for; a development build extends its
tag by 0, 9000 and its distance. conda must order exactly so (channels are only
ever ordered by conda), R must never disagree (it ties where it cannot tell:
a candidate and its release have one DESCRIPTION version), and neither may the
PEP 440 equivalent that promotion reads, between releases of as many numbers
(PEP 440 pads a release before it compares pre-releases, so it puts 0.0rc1
above 0.0.0rc0 where conda does not; promotion reads only its finality). One
batch is checked against R itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version
from rattler import Version as CondaVersion

from dsprod.conda.version import is_final
from dsprod.languages.r.version import RVersion, parse_r_tag

pytestmark = pytest.mark.selftest

# Small numbers, zeros included, so that equal prefixes, trailing zeros
# (1.0 vs 1.0-0) and neighbours (1.0-7.0.9000.3 vs 1.0-7.1) come up often.
_number = st.integers(min_value=0, max_value=3) | st.integers(min_value=0, max_value=20)
_PADDED_LENGTH = 9


@st.composite
def r_builds(draw: st.DrawFn) -> RVersion:
    """A build from a tag in R syntax (``v``, ``-``/``.``, leading zeros, ``rcN``), maybe later."""
    numbers = draw(st.lists(_number, min_size=2, max_size=4))
    release = str(numbers[0])
    for number in numbers[1:]:
        spelled = f"{number:02d}" if draw(st.integers(min_value=0, max_value=5)) == 0 else number
        release += f"{draw(st.sampled_from('.-'))}{spelled}"
    tag = draw(st.sampled_from(["", "v"])) + release
    if draw(st.booleans()):
        tag += f"{draw(st.sampled_from(['', '-', '.']))}rc{draw(_number)}"
    parsed = parse_r_tag(tag)
    assert parsed is not None, tag
    return replace(parsed, dev=draw(st.none() | _number))


@st.composite
def zero_extended_pairs(draw: st.DrawFn) -> tuple[RVersion, RVersion]:
    """A build and the same build with trailing zero numbers (``1.0`` and ``1.0-00``)."""
    build = draw(r_builds())
    suffix = "".join(draw(st.lists(st.sampled_from([".0", "-0", ".00"]), min_size=1, max_size=2)))
    return build, replace(build, release=build.release + suffix)


def intended_key(version: RVersion) -> tuple[tuple[int, int, int], ...]:
    """The order designed in ``languages/r/version.py``, written out independently of conda."""
    numbers = [int(number) for number in re.split("[.-]", version.release)]
    parts = [(number, 1, 0) for number in numbers]
    if version.rc is not None:  # just below its release number, by candidate
        parts[-1] = (numbers[-1], 0, version.rc)
    if version.dev is not None:
        parts += [(0, 1, 0), (9000, 1, 0), (version.dev, 1, 0)]
    return tuple(parts + [(0, 1, 0)] * (_PADDED_LENGTH - len(parts)))


def r_numbers(r_version: str) -> tuple[int, ...]:
    """An R version as numbers: compared as tuples a prefix sorts first, as compareVersion does."""
    return tuple(int(number) for number in re.split("[.-]", r_version))


def _stripped(numbers: tuple[int, ...]) -> tuple[int, ...]:
    """Without trailing zeros: equal exactly where package_version (which pads with 0) ties."""
    while numbers and numbers[-1] == 0:
        numbers = numbers[:-1]
    return numbers


def _length(version: RVersion) -> int:
    """How many numbers the tag's release has (``1.0-7``: 3)."""
    return len(re.split("[.-]", version.release))


def _sign(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(st.lists(r_builds(), min_size=2, max_size=25))
def test_conda_r_and_pep440_orders_agree_with_the_intended_order(
    builds: list[RVersion],
) -> None:
    for build in builds:
        assert is_final(build.pep440) == (build.rc is None and build.dev is None), build
    for i, a in enumerate(builds):
        for b in builds[i + 1 :]:
            intended = _sign(intended_key(a), intended_key(b))
            said = (a, b, a.conda, b.conda, a.r, b.r, a.pep440, b.pep440)
            assert _sign(CondaVersion(a.conda), CondaVersion(b.conda)) == intended, said
            if _length(a) == _length(b):
                assert _sign(Version(a.pep440), Version(b.pep440)) in (0, intended), said
            r_a, r_b = r_numbers(a.r), r_numbers(b.r)
            # R ties a candidate with its release (both say 1.0-8): only there may they differ.
            if _stripped(r_a) != _stripped(r_b):
                assert _sign(r_a, r_b) == intended, said


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed on this host")
# One R process per batch (about half a second): few, large batches on purpose.
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(
    st.lists(st.tuples(r_builds(), r_builds()) | zero_extended_pairs(), min_size=100, max_size=100)
)
def test_r_itself_orders_the_pairs_as_the_model_does(
    pairs: list[tuple[RVersion, RVersion]],
) -> None:
    """R accepts every DESCRIPTION version and orders it as modelled.

    ``package_version`` pads with zeros (``1.0 == 1.0-0``, as conda does);
    ``compareVersion`` puts a prefix first (``1.0 < 1.0-0``). Both are checked,
    with pairs that differ only by trailing zeros drawn on purpose.
    """
    left = ",".join(f'"{a.r}"' for a, _ in pairs)
    right = ",".join(f'"{b.r}"' for _, b in pairs)
    script = (
        f"a <- package_version(c({left})); b <- package_version(c({right}));"
        " cat(as.integer(a > b) - as.integer(a < b),"
        f" sign(mapply(compareVersion, c({left}), c({right}))))"
    )
    completed = subprocess.run(
        ["Rscript", "-e", script], capture_output=True, text=True, check=True
    )
    signs = [int(word) for word in completed.stdout.split()]
    by_package_version, by_compare_version = signs[: len(pairs)], signs[len(pairs) :]
    padded = [_sign(_stripped(r_numbers(a.r)), _stripped(r_numbers(b.r))) for a, b in pairs]
    prefix_first = [_sign(r_numbers(a.r), r_numbers(b.r)) for a, b in pairs]
    assert by_package_version == padded, pairs
    assert by_compare_version == prefix_first, pairs


def test_the_examples_of_the_design() -> None:
    assert CondaVersion("1.0_7") == CondaVersion("1.0.7")
    # The bug this design fixes: PEP 440 read v1.0-7 as 1.0.post7 = conda 1.0+post7.
    assert CondaVersion("1.0+post7") < CondaVersion("1.0_6") < CondaVersion("1.0_7")
    chain = ["1.0_7", "1.0_7.0.9000.1", "1.0_7.0.9000.12", "1.0_7.1", "1.0_8rc1"]
    chain += ["1.0_8rc1.0.9000.2", "1.0_8rc2", "1.0_8", "1.0_8.0.9000.1", "1.1_0"]
    assert sorted(chain, key=CondaVersion) == chain
    # After a two-number tag, the next release often adds a number: still above the dev builds.
    assert CondaVersion("0.2.0.9000.5") < CondaVersion("0.2_1rc1") < CondaVersion("0.2.1")
