"""Build backends behind one interface; the registry below is the only list of them.

A new builder is one module implementing ``base.Builder`` plus one line here.
"""

from __future__ import annotations

from dsprod.builders.base import Builder, BuildRequest
from dsprod.builders.rattler_build import RattlerBuilder
from dsprod.errors import InputError

__all__ = ["BuildRequest", "Builder", "get_builder"]

BUILDERS = {"rattler-build": RattlerBuilder}


def get_builder(name: str = "rattler-build") -> Builder:
    """The builder of that name (conda-build and boa join here when they can run)."""
    try:
        return BUILDERS[name]()
    except KeyError:
        raise InputError(
            f"unknown builder '{name}' (available: {', '.join(sorted(BUILDERS))})"
        ) from None
