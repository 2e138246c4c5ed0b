"""Running sums, with the loop compiled by Cython."""

from bld_meson_cython._running import running_sum

__all__ = ["running_sum"]
