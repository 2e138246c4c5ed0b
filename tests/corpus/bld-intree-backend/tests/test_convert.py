import pytest

from bld_intree_backend import convert


def test_feet_to_metres():
    assert convert(10, "ft", "m") == pytest.approx(3.048)


def test_round_trip():
    assert convert(convert(5, "mi", "km"), "km", "mi") == pytest.approx(5)


def test_unknown_unit():
    with pytest.raises(KeyError):
        convert(1, "furlong", "m")
