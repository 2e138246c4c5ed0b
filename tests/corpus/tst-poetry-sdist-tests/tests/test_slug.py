from tst_poetry_sdist_tests import slugify


def test_words():
    assert slugify("Hello World") == "hello-world"


def test_punctuation():
    assert slugify("  C'est la vie!  ") == "c-est-la-vie"
