from lic_custom_policy import cents


def test_cents():
    assert cents(1.25) == 125


def test_zero():
    assert cents(0) == 0
