"""Bit counting, in C++."""

from ext_pyproject_extmodules._bits import popcount

__all__ = ["popcount"]
