from lic_pep639_folder import reverse


def test_reverse():
    assert reverse("abc") == "cba"


def test_reverse_twice_is_identity():
    assert reverse(reverse("dsprod")) == "dsprod"
