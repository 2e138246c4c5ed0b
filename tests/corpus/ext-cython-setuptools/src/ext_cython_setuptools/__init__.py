"""Primes below a bound, sieved in Cython."""

from ext_cython_setuptools._sieve import primes_below

__all__ = ["primes_below"]
