"""Allow ``python -m dsprod``."""

from dsprod.cli import main

main()
