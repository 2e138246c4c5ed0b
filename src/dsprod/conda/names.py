"""PyPI -> conda-forge package names.

Most PyPI projects keep their (normalised) name on conda-forge. The exceptions
come from conda-forge's own PyPI name mapping, as the copy bundled with
whl2conda (``whl2conda/api/stdrename.json``, ~940 names), plus a small table of
names that copy lacks or spells differently from conda-forge today. Recipes and
the bootstrap channel both name packages through ``pypi_to_conda`` so that a
dependency written ``torch`` in a pyproject.toml resolves to the ``pytorch``
package that bootstrap made.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files

from packaging.utils import canonicalize_name

# Names conda-forge's bundled mapping lacks or gets wrong today; they win over it.
# Keys are canonical PyPI names (PEP 503); values are conda-forge package names.
OVERRIDES: dict[str, str] = {
    # Missing from the mapping: conda-forge's package predates PyPI's rename to msgpack.
    "msgpack": "msgpack-python",
    # Missing from the mapping: conda-forge's opencv is built with the contrib modules.
    "opencv-contrib-python": "opencv",
    # Missing from the mapping: conda-forge prefixes these with python- (the plain
    # names are the C libraries or executables).
    "kaleido": "python-kaleido",
    "lmdb": "python-lmdb",
    "antlr4-python3-runtime": "antlr-python-runtime",
    # The mapping says ruamel_yaml, an old package; conda-forge's current one is ruamel.yaml.
    "ruamel-yaml": "ruamel.yaml",
    # Missing from the mapping: conda-forge keeps PyPI's dotted spelling of these names.
    "ruamel-yaml-clib": "ruamel.yaml.clib",
    "backports-zstd": "backports.zstd",
    "zope-interface": "zope.interface",
    "jaraco-classes": "jaraco.classes",
    "jaraco-functools": "jaraco.functools",
    "jaraco-context": "jaraco.context",
}

_VALID_CONDA_NAME = re.compile(r"^[a-z0-9_][a-z0-9_.\-]*$")


@cache
def conda_forge_renames() -> dict[str, str]:
    """conda-forge's PyPI -> conda renames, as bundled with whl2conda (canonical PyPI keys).

    The packaged file is read directly: whl2conda's ``load_std_renames`` would
    first copy it into the user's cache folder, a side effect a lookup should not
    have. Its ``$``-keys (``$date``, ``$source`` ...) describe the download, not names.
    """
    text = files("whl2conda.api").joinpath("stdrename.json").read_text("utf8")
    return {pypi: conda for pypi, conda in json.loads(text).items() if not pypi.startswith("$")}


def pypi_to_conda(name: str) -> str:
    """The conda-forge package name for a PyPI distribution name."""
    canonical = canonicalize_name(name)
    if canonical in OVERRIDES:
        return OVERRIDES[canonical]
    return conda_forge_renames().get(canonical, canonical)


def is_valid_conda_name(name: str) -> bool:
    """True when ``name`` is a legal conda package name (lower case, no spaces)."""
    return bool(_VALID_CONDA_NAME.match(name))
