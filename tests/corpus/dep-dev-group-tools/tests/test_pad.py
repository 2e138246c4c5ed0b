from wcwidth import wcswidth

from dep_dev_group_tools import pad


def test_ascii():
    assert pad("ab", 4) == "ab  "


def test_wide_characters_measured_by_wcwidth():
    assert pad("日本", 6, measure=wcswidth) == "日本  "
