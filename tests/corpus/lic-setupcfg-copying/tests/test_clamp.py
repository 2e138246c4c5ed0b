from lic_setupcfg_copying import clamp


def test_inside():
    assert clamp(5, 0, 10) == 5


def test_outside():
    assert clamp(-3, 0, 10) == 0
    assert clamp(30, 0, 10) == 10
