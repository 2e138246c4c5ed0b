"""Greetings, with the greeting read from a data file inside the package."""

from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files

try:
    __version__ = version("hello-ds")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"


def greeting() -> str:
    """The greeting template shipped in hello_ds/data/greeting.txt."""
    return files("hello_ds").joinpath("data/greeting.txt").read_text(encoding="utf-8").strip()


def greet(name: str) -> str:
    """Greet someone by name."""
    return greeting().format(name=name)
