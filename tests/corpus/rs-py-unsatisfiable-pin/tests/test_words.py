from rs_pinned import words


def test_words_are_lower_case_without_punctuation() -> None:
    assert words("Hello, World!") == ["hello", "world"]


def test_punctuation_alone_is_no_word() -> None:
    assert words("a -- b") == ["a", "b"]
