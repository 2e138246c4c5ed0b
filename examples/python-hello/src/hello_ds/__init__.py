"""Greetings, with the greeting read from a data file inside the package."""

from importlib.metadata import version
from importlib.resources import files

__version__ = version("hello-ds")


def greeting() -> str:
    """The greeting template shipped in hello_ds/data/greeting.txt."""
    return files("hello_ds").joinpath("data/greeting.txt").read_text(encoding="utf-8").strip()


def greet(name: str) -> str:
    """Greet someone by name."""
    return greeting().format(name=name)
