from tst_cov_xdist_addopts import clamp


def test_inside():
    assert clamp(5, 0, 10) == 5


def test_outside():
    assert clamp(-3, 0, 10) == 0
