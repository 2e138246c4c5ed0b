from tst_two_testpaths import count_words


def test_distinct(sample):
    assert len(count_words(sample)) == 4


def test_case():
    assert count_words("A a")["a"] == 2
