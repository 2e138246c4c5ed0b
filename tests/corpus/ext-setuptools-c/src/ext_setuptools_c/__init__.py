"""Adler-32 checksums, computed in C."""

from ext_setuptools_c._adler import adler32

__all__ = ["adler32"]
