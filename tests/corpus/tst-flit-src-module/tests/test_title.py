from tst_flit_src_module import title


def test_title():
    assert title("ada lovelace") == "Ada Lovelace"


def test_spaces():
    assert title("  grace   hopper ") == "Grace Hopper"
