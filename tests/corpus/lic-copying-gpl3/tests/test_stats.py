import lic_copying_gpl3 as stats


def test_mean():
    assert stats.mean([1, 2, 3]) == 2


def test_spread():
    assert stats.spread([4, 1, 9]) == 8
