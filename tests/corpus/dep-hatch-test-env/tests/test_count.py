import toolz

from dep_hatch_test_env import count_words


def test_counts_agree_with_toolz():
    words = "the cat and the hat"
    assert count_words(words) == toolz.frequencies(words.split())


def test_case_folded():
    assert toolz.get("the", count_words("The the THE")) == 3
