from tst_setuptools_find_exclude import reverse


def test_reverse():
    assert reverse("abc") == "cba"


def test_empty():
    assert reverse("") == ""
