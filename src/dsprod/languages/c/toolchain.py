"""The test env as a C/C++ build sees it: its activated variables, and commands run in it.

The compilers are whatever the env's compiler packages say: conda's
``gcc_linux-64``/``gxx_linux-64`` export ``CC``/``CXX`` from their
``etc/conda/activate.d`` scripts, so the env is activated with py-rattler's
activator and the variables are read back from a shell that ran it. Nothing of
the caller's build setup reaches a test: compiler flags, ``LD_LIBRARY_PATH``,
``PKG_CONFIG_PATH``, ``CMAKE_*`` and the caller's conda variables are dropped
first, and ``pkg-config`` searches the env only, as conda-forge's does.
``PYTHONDONTWRITEBYTECODE`` is dropped too: meson is a Python program, and
without its bytecode written into the (scratch) env on its first run each of
its commands would compile its hundreds of modules again (seconds each).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rattler.shell import ActivationVariables, Shell, activate

from dsprod.errors import EnvironmentFailed

_DROPPED = (
    "CC",
    "CXX",
    "CPP",
    "CFLAGS",
    "CXXFLAGS",
    "CPPFLAGS",
    "LDFLAGS",
    "LIBS",
    "LD_LIBRARY_PATH",
    "LD_PRELOAD",
    "LIBRARY_PATH",
    "CPATH",
    "C_INCLUDE_PATH",
    "CPLUS_INCLUDE_PATH",
    "PKG_CONFIG_PATH",
    "PKG_CONFIG_LIBDIR",
    "CMAKE_PREFIX_PATH",
    "CMAKE_GENERATOR",
    "CMAKE_ARGS",
    "CONDA_PREFIX",
    "CONDA_SHLVL",
    "CONDA_DEFAULT_ENV",
    "MESON_ARGS",
    "CTEST_OUTPUT_ON_FAILURE",
    "MAKEFLAGS",
    "PYTHONDONTWRITEBYTECODE",
)


@dataclass(frozen=True)
class Toolchain:
    """The activated env: its prefix, variables, and the compilers they name (None: absent)."""

    prefix: Path
    environment: Mapping[str, str]

    @property
    def c_compiler(self) -> str | None:
        return self.environment.get("CC") or None

    @property
    def cxx_compiler(self) -> str | None:
        return self.environment.get("CXX") or None

    def has(self, command: str) -> bool:
        """True when the env itself provides ``command`` (its ``bin/``), not the host."""
        return (self.prefix / "bin" / command).is_file()

    def tool(self, command: str) -> str:
        return str(self.prefix / "bin" / command)


@dataclass(frozen=True)
class Completed:
    """One command's exit code, what it printed (stdout then stderr), and how long it took."""

    command: tuple[str, ...]
    exit_code: int
    output: str
    duration_s: float
    stdout: str = ""
    """What it printed on stdout alone (for commands whose stdout is data)."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def activated(prefix: Path, inherited: Mapping[str, str]) -> Toolchain:
    """The variables a shell has after activating ``prefix`` (its activate.d scripts run)."""
    base = {key: value for key, value in inherited.items() if key not in _DROPPED}
    path = [entry for entry in base.get("PATH", "").split(os.pathsep) if entry]
    script = activate(prefix, ActivationVariables(None, path), Shell.bash).script
    base["PATH"] = os.pathsep.join(path)
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", f"{script}\nenv -0"],
        env=base,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        said = result.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise EnvironmentFailed(f"{prefix}: activating the test env failed: {' '.join(said)}")
    environment = dict(
        entry.split("=", 1) for entry in result.stdout.decode().split("\0") if "=" in entry
    )
    environment.pop("PKG_CONFIG_PATH", None)
    environment["PKG_CONFIG_LIBDIR"] = os.pathsep.join(
        str(prefix / folder / "pkgconfig") for folder in ("lib", "share")
    )
    return Toolchain(prefix, environment)


def run(
    command: Sequence[str],
    cwd: Path,
    toolchain: Toolchain,
    *,
    timeout_s: float = 600,
    extra_environment: Mapping[str, str] | None = None,
) -> Completed:
    """Run ``command`` in the activated env; a timeout is an exit code of -9 with a note."""
    started = time.monotonic()
    environment = {**toolchain.environment, **(extra_environment or {})}
    try:
        completed = subprocess.run(
            list(command),
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        printed = _text(expired.stdout) + _text(expired.stderr)
        note = f"\n(stopped after {timeout_s:.0f} s)"
        return Completed(tuple(command), -9, printed + note, time.monotonic() - started)
    except OSError as error:  # not executable, wrong format: the file does not start
        return Completed(tuple(command), 127, str(error), time.monotonic() - started)
    return Completed(
        tuple(command),
        completed.returncode,
        completed.stdout + completed.stderr,
        time.monotonic() - started,
        completed.stdout,
    )


def _text(printed: bytes | str | None) -> str:
    if printed is None:
        return ""
    return printed if isinstance(printed, str) else printed.decode(errors="replace")
