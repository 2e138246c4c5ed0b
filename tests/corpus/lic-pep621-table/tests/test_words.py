from lic_pep621_table import count_words


def test_counts_words():
    assert count_words("one two three") == 3


def test_empty_text_has_no_words():
    assert count_words("") == 0
