import pytest

import ext_skbuild_pybind11
from ext_skbuild_pybind11 import norm


def test_euclidean_and_manhattan():
    assert norm([3.0, 4.0]) == pytest.approx(5.0)
    assert norm([1.0, -2.0, 3.0], p=1) == pytest.approx(6.0)


def test_a_cxx_exception_becomes_a_python_one():
    with pytest.raises(ValueError, match="at least 1"):
        norm([1.0], p=0.5)


def test_the_module_is_compiled():
    assert ext_skbuild_pybind11._norms.__file__.endswith(".so")
