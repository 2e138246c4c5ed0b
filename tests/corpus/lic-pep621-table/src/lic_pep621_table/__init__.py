"""Word counting."""


def count_words(text):
    return len(text.split())
