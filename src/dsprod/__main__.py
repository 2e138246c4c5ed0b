"""Allow ``python -m dsprod``."""

from dsprod.cli import entry

entry()
