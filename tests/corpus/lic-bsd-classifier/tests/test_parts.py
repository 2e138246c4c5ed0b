from lic_bsd_classifier import parts


def test_parts():
    assert parts("/a/b/c") == ["a", "b", "c"]


def test_no_parts():
    assert parts("/") == []
