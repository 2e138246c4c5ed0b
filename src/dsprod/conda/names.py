"""PyPI -> conda-forge package names.

Most PyPI projects keep their (normalised) name on conda-forge; this table holds
the well-known exceptions. Recipes and the bootstrap channel both name packages
through ``pypi_to_conda`` so that a dependency written ``torch`` in a
pyproject.toml resolves to the ``pytorch`` package that bootstrap made.
"""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

# Keys are canonical PyPI names (PEP 503); values are conda-forge package names.
PYPI_TO_CONDA: dict[str, str] = {
    "torch": "pytorch",
    "tables": "pytables",
    "msgpack": "msgpack-python",
    "matplotlib": "matplotlib-base",
    "opencv-python": "opencv",
    "opencv-python-headless": "opencv",
    "opencv-contrib-python": "opencv",
    "psycopg2-binary": "psycopg2",
    "graphviz": "python-graphviz",
    "kaleido": "python-kaleido",
    "duckdb": "python-duckdb",
    "tzdata": "python-tzdata",
    "fastjsonschema": "python-fastjsonschema",
    "flatbuffers": "python-flatbuffers",
    "xxhash": "python-xxhash",
    "lmdb": "python-lmdb",
    "build": "python-build",
    "installer": "python-installer",
    "antlr4-python3-runtime": "antlr-python-runtime",
    "typing-extensions": "typing_extensions",
    "ruamel-yaml": "ruamel.yaml",
    "ruamel-yaml-clib": "ruamel.yaml.clib",
    "backports-zstd": "backports.zstd",
    "zope-interface": "zope.interface",
    "jaraco-classes": "jaraco.classes",
    "jaraco-functools": "jaraco.functools",
    "jaraco-context": "jaraco.context",
}

_VALID_CONDA_NAME = re.compile(r"^[a-z0-9_][a-z0-9_.\-]*$")


def pypi_to_conda(name: str) -> str:
    """The conda-forge package name for a PyPI distribution name."""
    canonical = canonicalize_name(name)
    return PYPI_TO_CONDA.get(canonical, canonical)


def is_valid_conda_name(name: str) -> bool:
    """True when ``name`` is a legal conda package name (lower case, no spaces)."""
    return bool(_VALID_CONDA_NAME.match(name))
