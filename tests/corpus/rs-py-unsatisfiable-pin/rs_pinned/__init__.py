"""Split text into words the way a search box does."""


def words(text: str) -> list[str]:
    """Lower-cased words, punctuation dropped."""
    return ["".join(c for c in w if c.isalnum()) for w in text.lower().split() if any(map(str.isalnum, w))]
