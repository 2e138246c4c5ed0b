from Cython.Build import cythonize
from setuptools import setup

setup(ext_modules=cythonize("src/ext_cython_setuptools/*.pyx", language_level=3))
