"""Vector norms, computed in C++."""

from ext_skbuild_pybind11._norms import norm

__all__ = ["norm"]
