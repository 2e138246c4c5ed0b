import tinyflat


def test_add():
    assert tinyflat.add(1, 2) == 3


def test_strings():
    assert tinyflat.add("a", "b") == "ab"
