"""Parse ``key = value`` settings lines."""

from importlib.metadata import version

__version__ = version("bld-build-markers")


def parse(text: str) -> dict[str, str]:
    """Settings from ``key = value`` lines; blank lines and ``#`` comments are skipped."""
    settings = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings
