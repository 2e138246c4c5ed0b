import ext_cython_setuptools
from ext_cython_setuptools import primes_below


def test_small_primes():
    assert primes_below(30) == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    assert primes_below(2) == []


def test_the_sieve_is_compiled():
    assert ext_cython_setuptools._sieve.__file__.endswith(".so")
