from tst_two_testpaths import count_words


def test_the(sample):
    assert count_words(sample)["the"] == 2


def test_empty():
    assert count_words("") == {}
