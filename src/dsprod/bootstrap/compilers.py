"""Stand-in compiler packages (``gcc_linux-64`` ...) that point builds at the host's compilers.

A recipe asks for ``${{ compiler('c') }}``, which rattler-build turns into
``gcc_linux-64`` on linux-64 (with no version: no variant config pins
``c_compiler_version``). conda-forge's real packages are out of reach, so each
stand-in is a tiny package whose ``etc/conda/activate.d`` script exports
``CC``/``CXX``/``FC`` as the host's own compilers; rattler-build sources that
script when it activates the build environment. The package version is the
host compiler's, so ``gcc_linux-64 12.*`` in a maintained recipe means what it
says. Like the rest of the bootstrap channel, it is only for hosts like this one.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dsprod.bootstrap.recipe_build import build_recipe, outputs_recipe, package_output


@dataclass(frozen=True)
class CompilerPackage:
    """One stand-in: the conda name, the host executable, and the variables it exports."""

    conda_name: str
    executable: str
    variables: tuple[str, ...]


COMPILERS = (
    CompilerPackage("gcc_linux-64", "gcc", ("CC",)),
    CompilerPackage("gxx_linux-64", "g++", ("CXX",)),
    CompilerPackage("gfortran_linux-64", "gfortran", ("FC", "F77", "F90", "F95")),
)

# rattler-build refuses newlines in script variables, so the lines are made here.
_SCRIPT = r"""set -euo pipefail
script="$PREFIX/etc/conda/activate.d/dsprod-$PKG_NAME.sh"
mkdir -p "$(dirname "$script")"
for name in $DSPROD_VARIABLES; do
  printf 'export %s="%s"\n' "$name" "$DSPROD_COMPILER" >> "$script"
done
"""


@dataclass(frozen=True)
class HostCompiler:
    """A compiler found on this host."""

    package: CompilerPackage
    path: str
    version: str


def host_compilers() -> list[HostCompiler]:
    """The compilers of ``COMPILERS`` installed here, with their full versions (``12.2.0``)."""
    found = []
    for package in COMPILERS:
        path = shutil.which(package.executable)
        if path is None:
            continue
        result = subprocess.run(
            [path, "-dumpfullversion"], capture_output=True, text=True, check=False
        )
        version = result.stdout.strip()
        if result.returncode == 0 and version:
            found.append(HostCompiler(package, path, version))
    return found


def compilers_recipe(compilers: list[HostCompiler]) -> str:
    """The v1 recipe with one output per host compiler."""
    outputs = [
        package_output(
            compiler.package.conda_name,
            compiler.version,
            script=_SCRIPT,
            script_env={
                "DSPROD_COMPILER": compiler.path,
                "DSPROD_VARIABLES": " ".join(compiler.package.variables),
            },
            summary=f"Points builds at the host's {compiler.path} (made by dsprod)",
            license="BSD-3-Clause",
        )
        for compiler in compilers
    ]
    return outputs_recipe("dsprod-compilers", "1", outputs)


def build_compiler_packages(
    work_dir: Path, channels: list[str], report: Callable[[str], None]
) -> list[Path]:
    """Build a stand-in for every host compiler into ``work_dir``; none found, none built."""
    compilers = host_compilers()
    missing = sorted({p.executable for p in COMPILERS} - {c.package.executable for c in compilers})
    if missing:
        report(f"compilers not found on this host, no stand-in package: {', '.join(missing)}")
    if not compilers:
        return []
    started = time.monotonic()
    packages = build_recipe(
        compilers_recipe(compilers),
        recipe_dir=work_dir / "compilers-recipe",
        output_dir=work_dir / "compilers-output",
        channels=channels,
    )
    names = ", ".join(f"{c.package.conda_name} {c.version}" for c in compilers)
    report(f"compilers: {names} ({time.monotonic() - started:.1f} s)")
    return packages
