"""Stand-in packages (``make``, ``pkg-config``) whose ``bin/`` commands run the host's own tools.

A C/C++ recipe written as conda-forge writes them asks for ``make`` or
``pkg-config`` in its build requirements, and build systems look for those
commands on the env's ``PATH``. conda-forge's packages are out of reach and
PyPI has no wheels of them, so each stand-in is a tiny linux-64 package with
one ``bin/`` script that executes the host's tool. ``pkg-config``'s script
first puts the env's own ``lib/pkgconfig`` and ``share/pkgconfig`` on
``PKG_CONFIG_PATH``, as conda-forge's pkg-config searches its prefix: a
consumer in a clean env then finds the ``.pc`` files of the packages installed
there. The env's path is written at build time and rewritten by the installer
(conda's prefix replacement). The package version is the host tool's; the build
string carries ``dsprod``. Like the rest of the bootstrap channel, it is only
for hosts like this one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dsprod.bootstrap.recipe_build import build_recipe, outputs_recipe, package_output


@dataclass(frozen=True)
class HostToolPackage:
    """One stand-in: the conda name, and the host command its ``bin/`` script runs."""

    conda_name: str
    executable: str
    searches_prefix: bool = False
    """True for ``pkg-config``: the env's ``.pc`` folders go first on ``PKG_CONFIG_PATH``."""


HOST_TOOLS = (
    HostToolPackage("make", "make"),
    HostToolPackage("pkg-config", "pkg-config", searches_prefix=True),
)

# rattler-build refuses newlines in script variables, so the lines are made here.
# "$PREFIX" is expanded now, into the text the installer later rewrites to the env's prefix.
_SCRIPT = r"""set -euo pipefail
wrapper="$PREFIX/bin/$DSPROD_COMMAND"
mkdir -p "$PREFIX/bin"
printf '#!/bin/sh\n' > "$wrapper"
if [ "$DSPROD_SEARCHES_PREFIX" = yes ]; then
  folders="$PREFIX/lib/pkgconfig:$PREFIX/share/pkgconfig"
  printf 'PKG_CONFIG_PATH="%s${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"\n' "$folders" >> "$wrapper"
  printf 'export PKG_CONFIG_PATH\n' >> "$wrapper"
fi
printf 'exec "%s" "$@"\n' "$DSPROD_TOOL" >> "$wrapper"
chmod 755 "$wrapper"
"""

_VERSION = re.compile(r"\d+(?:\.\d+)+")


@dataclass(frozen=True)
class HostTool:
    """A tool of ``HOST_TOOLS`` found on this host."""

    package: HostToolPackage
    path: str
    version: str


def version_of(version_output: str) -> str | None:
    """The first dotted version in the first line of ``--version`` output, if any.

    ``GNU Make 4.3`` -> ``4.3``; pkgconf's bare ``1.8.1`` -> ``1.8.1``.
    """
    first_line = version_output.strip().split("\n", 1)[0]
    found = _VERSION.search(first_line)
    return found.group(0) if found else None


def host_tools() -> list[HostTool]:
    """The tools of ``HOST_TOOLS`` installed here whose ``--version`` names a version."""
    found = []
    for package in HOST_TOOLS:
        path = shutil.which(package.executable)
        if path is None:
            continue
        result = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
        version = version_of(result.stdout) if result.returncode == 0 else None
        if version is not None:
            found.append(HostTool(package, path, version))
    return found


def host_tools_recipe(tools: list[HostTool]) -> str:
    """The v1 recipe with one output per host tool."""
    outputs = [
        package_output(
            tool.package.conda_name,
            tool.version,
            script=_SCRIPT,
            script_env={
                "DSPROD_COMMAND": tool.package.executable,
                "DSPROD_TOOL": tool.path,
                "DSPROD_SEARCHES_PREFIX": "yes" if tool.package.searches_prefix else "no",
            },
            summary=f"Runs the host's {tool.path} (made by dsprod)",
            license="BSD-3-Clause",
        )
        for tool in tools
    ]
    return outputs_recipe("dsprod-host-tools", "1", outputs)


def build_host_tool_packages(
    work_dir: Path, channels: list[str], report: Callable[[str], None]
) -> list[Path]:
    """Build a stand-in for every host tool into ``work_dir``; a missing tool is reported."""
    tools = host_tools()
    missing = sorted({p.executable for p in HOST_TOOLS} - {t.package.executable for t in tools})
    if missing:
        report(f"host tools not found on this host, no stand-in package: {', '.join(missing)}")
    if not tools:
        return []
    started = time.monotonic()
    packages = build_recipe(
        host_tools_recipe(tools),
        recipe_dir=work_dir / "host-tools-recipe",
        output_dir=work_dir / "host-tools-output",
        channels=channels,
    )
    names = ", ".join(f"{t.package.conda_name} {t.version}" for t in tools)
    report(f"host tools: {names} ({time.monotonic() - started:.1f} s)")
    return packages
