import bld_meson_cython
from bld_meson_cython import running_sum


def test_running_sum():
    assert running_sum([1, 2, 3.5]) == [1.0, 3.0, 6.5]


def test_the_loop_is_compiled():
    assert bld_meson_cython._running.__file__.endswith(".so")
