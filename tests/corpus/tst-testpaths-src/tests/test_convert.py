from tst_testpaths_src import to_fahrenheit


def test_boiling():
    assert to_fahrenheit(100) == 212


def test_body():
    assert round(to_fahrenheit(37), 1) == 98.6
