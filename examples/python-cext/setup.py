"""The C extension; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("ext_cstats._core", sources=["src/ext_cstats/_core.c"])])
