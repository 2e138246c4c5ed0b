"""The bootstrap channel: python, pip, pytest, build backends, compilers, build tools and R.

conda-forge is unreachable, yet every build and test environment needs a
``python`` and the tools around it. This module assembles a local file channel
from the running interpreter (``python.py``), PyPI wheels (``pypi.py``: the
build backends, and cmake, ninja and meson for C/C++), stand-ins for the host's
compilers (``compilers.py``) and its ``make`` and ``pkg-config``
(``host_tools.py``) and, when R is installed, the host's R with testthat's
stack and the R packages asked for (``r.py``); it caches the channel per user
and reuses it while its inputs are unchanged. R is optional: without a usable
R the channel simply has no ``r-base``.

Layout of the bootstrap folder::

    <dir>/channel/            the channel (noarch/, linux-64/, manifest)
    <dir>/wheels/             downloaded wheels, kept across rebuilds
    <dir>/.lock               serialises concurrent callers (test sessions, CLI)

A rebuild happens in a sibling folder that replaces ``channel/`` only when
complete; additions remove the manifest first and write it last. Either way an
interrupted run leaves no manifest behind, and the next call rebuilds.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from rattler.index import index_fs

from dsprod.bootstrap.compilers import build_compiler_packages, host_compilers
from dsprod.bootstrap.host_tools import build_host_tool_packages, host_tools
from dsprod.bootstrap.pypi import convert_wheel, download, resolve
from dsprod.bootstrap.python import build_python_packages
from dsprod.bootstrap.r import (
    add_r_packages,
    build_r_packages,
    r_inputs,
    requested_r_packages,
)
from dsprod.conda.names import pypi_to_conda
from dsprod.errors import InputError
from dsprod.progress import Report, silent

# Bump when the channel's content or layout changes, so cached channels rebuild.
FORMAT_VERSION = 6

BASE_PYPI_PACKAGES: tuple[str, ...] = (
    "pip",
    "setuptools",
    "wheel",
    "pytest",
    "setuptools-scm",
    "hatchling",
    "hatch-vcs",
    "flit-core",
    "poetry-core",
    "pdm-backend",
    # The build tools C/C++ recipes ask for: cmake's and ninja's wheels ship their binaries.
    "cmake",
    "ninja",
    "meson",
)

MANIFEST_NAME = "dsprod-bootstrap.json"
_SUBDIRS = ("noarch", "linux-64")


def default_bootstrap_dir() -> Path:
    """``$DSPROD_BOOTSTRAP_DIR``, else ``<user cache>/dsprod/bootstrap``."""
    override = os.environ.get("DSPROD_BOOTSTRAP_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dsprod")) / "bootstrap"


def bootstrap_channel_dir(directory: Path | None = None) -> Path:
    """The channel folder inside a bootstrap directory (the default one without an argument)."""
    return (Path(directory) if directory is not None else default_bootstrap_dir()) / "channel"


def inputs_key() -> dict[str, Any]:
    """What the channel is made from; a different value means a rebuild."""
    return {
        "format": FORMAT_VERSION,
        "interpreter": sys.base_prefix,
        "python_version": platform.python_version(),
        "base_pypi_packages": sorted(BASE_PYPI_PACKAGES),
        "compilers": sorted(
            f"{c.package.conda_name} {c.version} {c.path}" for c in host_compilers()
        ),
        "host_tools": sorted(f"{t.package.conda_name} {t.version} {t.path}" for t in host_tools()),
        # Installing or upgrading R (or testthat) on the host rebuilds the channel.
        "r": r_inputs(),
    }


async def ensure_bootstrap_channel(
    directory: Path | None = None,
    extra_pypi: Sequence[str] = (),
    *,
    extra_r: Sequence[str] = (),
    report: Report = silent,
    refresh: bool = False,
) -> Path:
    """Make (or reuse) the bootstrap channel and return its folder.

    ``extra_pypi`` requirements (``dsprod bootstrap --pypi``) are added with
    their dependencies to the channel there is; ``refresh`` rebuilds it all.
    ``extra_r`` names R packages installed on the host (``dsprod bootstrap
    --r``), repackaged with their R dependencies as testthat's stack is.
    A rebuild (refresh, or changed inputs such as a new Python) adds back what
    earlier calls added, so a user's ``--pypi`` and ``--r`` packages survive it.
    Raises ``InputError`` for a requirement pip cannot satisfy with wheels, or
    an R package the host does not have.
    """
    requested = [_checked_requirement(text) for text in extra_pypi]
    requested_r = requested_r_packages(extra_r)
    root = Path(directory) if directory is not None else default_bootstrap_dir()
    root.mkdir(parents=True, exist_ok=True)
    channel = bootstrap_channel_dir(root)
    with _exclusive_lock(root / ".lock"):
        manifest = read_manifest(channel)
        if refresh or manifest is None or manifest["inputs"] != inputs_key():
            earlier = manifest["pypi_requests"] if manifest else []
            kept = [r for r in earlier if r not in BASE_PYPI_PACKAGES]
            requested = list(dict.fromkeys([*kept, *requested]))
            requested_r = list(dict.fromkeys([*_r_requests(manifest), *requested_r]))
            manifest = await _build_channel(root, channel, report, requested_r)
        elif all(req in manifest["pypi_requests"] for req in requested) and all(
            name in _r_requests(manifest) for name in requested_r
        ):
            report(f"bootstrap channel: up to date at {channel}")
        missing = [req for req in requested if req not in manifest["pypi_requests"]]
        if missing:
            await _add_pypi(root, channel, manifest, missing, report)
        missing_r = [name for name in requested_r if name not in _r_requests(manifest)]
        if missing_r:
            await _add_r(root, channel, manifest, missing_r, report)
    return channel


def _r_requests(manifest: dict[str, Any] | None) -> list[str]:
    """R packages earlier ``bootstrap --r`` calls asked for (none in older manifests)."""
    return list(manifest.get("r_requests", [])) if manifest else []


def read_manifest(channel: Path) -> dict[str, Any] | None:
    """The channel's manifest, or None when the channel is missing or incomplete."""
    try:
        return json.loads((channel / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def pypi_requests(values: Sequence[str]) -> list[str]:
    """``dsprod bootstrap --pypi`` values as requirements: each value is one PEP 508 requirement.

    Commas belong to the requirement (``pytest-cov>=2.7.1,<3``). The older
    comma-separated list (``attrs,pluggy``) is still read as a list when the
    whole value is not a requirement but every piece is; anything else is an
    ``InputError`` naming the value.
    """
    found: list[str] = []
    for value in values:
        pieces = [piece.strip() for piece in value.split(",") if piece.strip()]
        try:
            found.append(_checked_requirement(value))
        except InputError:
            if len(pieces) < 2 or not all(map(_is_requirement, pieces)):
                raise
            found += map(_checked_requirement, pieces)
    return found


def _is_requirement(text: str) -> bool:
    try:
        Requirement(text)
    except InvalidRequirement:
        return False
    return True


def _checked_requirement(text: str) -> str:
    try:
        return str(Requirement(text.strip()))
    except InvalidRequirement as error:
        raise InputError(f"bootstrap --pypi {text!r}: not a valid requirement ({error})") from None


@contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock so concurrent test sessions never build the same channel twice."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def _build_channel(
    root: Path, channel: Path, report: Report, requested_r: Sequence[str] = ()
) -> dict[str, Any]:
    """Build a whole channel beside ``channel`` and swap it in when complete."""
    started = time.monotonic()
    for leftover in [*root.glob("channel.building-*"), *root.glob("channel.old-*")]:
        shutil.rmtree(leftover, ignore_errors=True)  # from interrupted runs; we hold the lock
    staging = root / f"channel.building-{os.getpid()}"
    for subdir in _SUBDIRS:
        (staging / subdir).mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="work-", dir=root) as work:
        built = [
            *build_python_packages(Path(work), [str(staging)], report),
            *build_compiler_packages(Path(work), [str(staging)], report),
            *build_host_tool_packages(Path(work), [str(staging)], report),
            *build_r_packages(
                Path(work) / "r-output",
                channels=[str(staging)],
                report=report,
                requested=requested_r,
            ),
        ]
        for package in built:
            shutil.move(package, staging / package.parent.name / package.name)
    manifest: dict[str, Any] = {
        "inputs": inputs_key(),
        "pypi_requests": list(BASE_PYPI_PACKAGES),
        "r_requests": list(requested_r),
    }
    _convert(_fetch_new_wheels(root, staging, BASE_PYPI_PACKAGES, report), staging, report)
    await _index(staging, report)
    _write_manifest(staging, manifest)
    retired = root / f"channel.old-{os.getpid()}"
    if channel.exists():
        channel.rename(retired)
    staging.rename(channel)
    shutil.rmtree(retired, ignore_errors=True)
    report(f"bootstrap channel: built at {channel} ({time.monotonic() - started:.1f} s)")
    return manifest


async def _add_pypi(
    root: Path,
    channel: Path,
    manifest: dict[str, Any],
    requirements: Sequence[str],
    report: Report,
) -> None:
    """Add ``requirements`` with their dependencies to a complete channel.

    Resolution comes first: a requirement pip cannot satisfy must leave the
    channel (and its manifest) as it was.
    """
    wheels = _fetch_new_wheels(root, channel, requirements, report)
    (channel / MANIFEST_NAME).unlink()
    _convert(wheels, channel, report)
    await _index(channel, report)
    manifest["pypi_requests"] = [*manifest["pypi_requests"], *requirements]
    _write_manifest(channel, manifest)


async def _add_r(
    root: Path, channel: Path, manifest: dict[str, Any], names: Sequence[str], report: Report
) -> None:
    """Add the host's R packages ``names`` with the dependencies the channel lacks.

    They are built before the channel is touched: a failed build leaves the
    channel (and its manifest) as it was.
    """
    with tempfile.TemporaryDirectory(prefix="work-", dir=root) as work:
        built = add_r_packages(
            Path(work),
            names,
            channels=[str(channel)],
            in_channel=lambda name: any(channel.glob(f"*/{name}-*.conda")),
            report=report,
        )
        (channel / MANIFEST_NAME).unlink()
        for package in built:
            shutil.move(package, channel / package.parent.name / package.name)
    await _index(channel, report)
    manifest["r_requests"] = [*_r_requests(manifest), *names]
    _write_manifest(channel, manifest)


def _fetch_new_wheels(
    root: Path, channel: Path, requirements: Sequence[str], report: Report
) -> list[Path]:
    """Resolve and download ``requirements``, leaving out packages the channel has."""
    started = time.monotonic()
    wheel_cache = root / "wheels"
    wheel_cache.mkdir(exist_ok=True)
    resolved = [
        wheel
        for wheel in resolve(requirements)
        if not _in_channel(channel, wheel.name, wheel.version)
    ]
    wheels = download(resolved, wheel_cache)
    elapsed = time.monotonic() - started
    report(f"pypi: {len(wheels)} new wheels for {' '.join(requirements)} ({elapsed:.1f} s)")
    return wheels


def _convert(wheels: Sequence[Path], channel: Path, report: Report) -> None:
    started = time.monotonic()
    for wheel in wheels:
        convert_wheel(wheel, channel)
    report(f"pypi: converted {len(wheels)} wheels ({time.monotonic() - started:.1f} s)")


def _in_channel(channel: Path, pypi_name: str, version: str) -> bool:
    name = pypi_to_conda(pypi_name)
    return any(any((channel / subdir).glob(f"{name}-{version}-*.conda")) for subdir in _SUBDIRS)


async def _index(channel: Path, report: Report) -> None:
    started = time.monotonic()
    await index_fs(channel, write_shards=False, force=True)
    report(f"channel indexed ({time.monotonic() - started:.1f} s)")


def _write_manifest(channel: Path, manifest: dict[str, Any]) -> None:
    packages = sorted(
        f"{subdir}/{package.name}"
        for subdir in _SUBDIRS
        for package in (channel / subdir).glob("*.conda")
    )
    content = json.dumps({**manifest, "packages": packages}, indent=2)
    (channel / MANIFEST_NAME).write_text(content + "\n", encoding="utf-8")
