import statistics

import pytest

import ext_cstats
from ext_cstats import mean, summary, variance


def test_agrees_with_statistics():
    values = [2.5, 3.0, 7.25, 1.0, 9.5]
    assert mean(values) == pytest.approx(statistics.mean(values))
    assert variance(values) == pytest.approx(statistics.variance(values))


def test_known_values():
    assert summary([2, 4, 4, 4, 5, 5, 7, 9]) == pytest.approx((5.0, 32 / 7))


def test_too_few_values():
    with pytest.raises(ValueError, match="at least two"):
        summary([1.0])


def test_the_summary_is_compiled():
    assert ext_cstats._core.__file__.endswith(".so")
