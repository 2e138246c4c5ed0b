"""Mean and sample variance in one pass, computed by a C extension."""

from ext_cstats._core import summary

__all__ = ["mean", "summary", "variance"]


def mean(values):
    """The arithmetic mean of ``values``."""
    return summary(values)[0]


def variance(values):
    """The sample variance of ``values`` (n - 1 in the denominator)."""
    return summary(values)[1]
