import pytest

from ext_pyproject_extmodules import popcount


@pytest.mark.parametrize("value", [0, 1, 255, 2**40 + 3, 2**64 - 1])
def test_counts_like_python(value):
    assert popcount(value) == bin(value).count("1")


def test_negative_numbers_are_refused():
    with pytest.raises(OverflowError):
        popcount(-1)
