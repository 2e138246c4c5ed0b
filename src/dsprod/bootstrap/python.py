"""Repackage the running interpreter's installation as conda's ``python`` + ``python_abi``.

conda-forge is unreachable, so the interpreter dsprod runs on is the only
CPython we can offer to build and test environments. Its installation
(``sys.base_prefix``) is copied without third-party packages, the test suites
static libraries and debug info; the old prefix in text files is replaced by ``$PREFIX`` so
rattler-build records it for relocation, and binary relocation (RPATHs) stays
on. It links the host's system libraries (libssl, libsqlite3, ...), so the
package is only good for hosts like this one; that is why the channel lives in
a per-user cache and is keyed on the interpreter.

``python_abi`` comes along because binary wheels converted by whl2conda depend
on ``python_abi 3.X.* *_cp3X``, as conda-forge packages do.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from dsprod.bootstrap.recipe_build import build_recipe, outputs_recipe, package_output

# Executables of CPython itself; everything else in bin/ was put there by pip.
_CPYTHON_EXECUTABLES = r"^(python[0-9.]*(-config)?|pydoc[0-9.]*|idle[0-9.]*|2to3(-[0-9.]+)?)$"

_SCRIPT = r"""set -euo pipefail
stdlib="lib/python${DSPROD_PY_ABI}"
cd "$DSPROD_SOURCE_PREFIX"
mkdir -p "$PREFIX/bin"
for exe in bin/*; do
  if [[ "$(basename "$exe")" =~ ${DSPROD_CPYTHON_EXECUTABLES} ]]; then
    cp -a "$exe" "$PREFIX/bin/"
  fi
done
tar -cf - \
  --exclude="$stdlib/site-packages/*" \
  --exclude="$stdlib/test" \
  --exclude="$stdlib/*/test" \
  --exclude="$stdlib/*/tests" \
  --exclude="$stdlib/idlelib/idle_test" \
  --exclude="__pycache__" \
  --exclude="*.a" \
  include lib share | tar -xf - -C "$PREFIX"
mkdir -p "$PREFIX/$stdlib/site-packages"
if [ -f "$stdlib/site-packages/README.txt" ]; then
  cp "$stdlib/site-packages/README.txt" "$PREFIX/$stdlib/site-packages/"
fi
# Debug info is most of the size of a source-built CPython and no use to an env.
if command -v strip >/dev/null; then
  find "$PREFIX/lib" -type f -name '*.so*' -exec strip --strip-debug {} +
  strip --strip-debug "$PREFIX/bin/python${DSPROD_PY_ABI}"
fi
grep -rlI --null -F "$DSPROD_SOURCE_PREFIX" "$PREFIX" \
  | xargs -0 -r sed -i "s|$DSPROD_SOURCE_PREFIX|$PREFIX|g"
"""


def python_abi() -> str:
    """The running interpreter's ``major.minor``, e.g. ``3.11``."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def python_abi_tag() -> str:
    """The CPython ABI tag conda-forge uses in ``python_abi`` build strings, e.g. ``cp311``."""
    return f"cp{sys.version_info.major}{sys.version_info.minor}"


def python_recipe(source_prefix: Path, version: str) -> str:
    """The v1 recipe that repackages ``source_prefix`` as ``python`` and ``python_abi``."""
    abi, tag = python_abi(), python_abi_tag()
    python = package_output(
        "python",
        version,
        build_string="dsprod_0_cpython",
        script=_SCRIPT,
        script_env={
            "DSPROD_SOURCE_PREFIX": str(source_prefix),
            "DSPROD_PY_ABI": abi,
            "DSPROD_CPYTHON_EXECUTABLES": _CPYTHON_EXECUTABLES,
        },
        build_options={"python": {"skip_pyc_compilation": ["**/*.py"]}},
        requirements={"run_constraints": [f"python_abi {abi}.* *_{tag}"]},
        summary=f"CPython {version} repackaged from {source_prefix} by dsprod",
        license="Python-2.0",
    )
    abi_marker = package_output(
        "python_abi",
        abi,
        build_string=f"dsprod_0_{tag}",
        requirements={"run_constraints": [f"python {abi}.*"]},
        summary=f"Marks the {tag} ABI of dsprod's repackaged python",
        license="BSD-3-Clause",
    )
    return outputs_recipe("python-split", version, [python, abi_marker])


def build_python_packages(
    work_dir: Path, channels: list[str], report: Callable[[str], None]
) -> list[Path]:
    """Build ``python`` and ``python_abi`` from the running interpreter into ``work_dir``."""
    version = platform.python_version()
    started = time.monotonic()
    packages = build_recipe(
        python_recipe(Path(sys.base_prefix), version),
        recipe_dir=work_dir / "python-recipe",
        output_dir=work_dir / "python-output",
        channels=channels,
    )
    elapsed = time.monotonic() - started
    report(f"python {version}: repackaged from {sys.base_prefix} ({elapsed:.1f} s)")
    return packages
