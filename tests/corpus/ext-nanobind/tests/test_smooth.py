import pytest

from ext_nanobind import moving_average


def test_window_of_two():
    assert moving_average([1.0, 3.0, 5.0, 7.0], 2) == [2.0, 4.0, 6.0]


def test_zero_width_is_refused():
    with pytest.raises(ValueError, match="positive"):
        moving_average([1.0], 0)
