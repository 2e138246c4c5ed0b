"""Moving averages, computed in C++."""

from ext_nanobind._smooth import moving_average

__all__ = ["moving_average"]
