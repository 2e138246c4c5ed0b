"""Clean conda environments made with py-rattler from the store and dependency channels."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import rattler
from rattler import Channel, MatchSpec, VirtualPackage

from dsprod.errors import EnvironmentFailed, InputError
from dsprod.progress import Report


async def create_env(
    prefix: Path, channels: Sequence[str], specs: Sequence[str], report: Report
) -> list[str]:
    """Solve ``specs`` from ``channels`` (strict priority) and install them into a new ``prefix``.

    Returns the installed packages as ``name version build`` lines.
    """
    if prefix.exists() and any(prefix.iterdir()):
        raise InputError(f"{prefix}: not empty; a clean env needs a fresh folder")
    try:
        match_specs = [MatchSpec(spec) for spec in specs]
    except Exception as error:  # rattler's parse error type is private
        raise InputError(f"invalid requirement in {list(specs)}: {error}") from None
    report(f"solving {len(specs)} requirements from {len(channels)} channels")
    try:
        records = await rattler.solve(
            sources=[Channel(url) for url in channels],
            specs=match_specs,
            virtual_packages=VirtualPackage.detect(),
        )
    except Exception as error:  # solver errors carry the explanation in their text
        detail = " ".join(str(error).split())
        raise EnvironmentFailed(
            f"cannot make a clean env for {', '.join(specs)}: {detail}"
        ) from None
    report(f"installing {len(records)} packages into {prefix}")
    try:
        await rattler.install(records, target_prefix=prefix, show_progress=False)
    except Exception as error:
        raise EnvironmentFailed(f"installing into {prefix} failed: {error}") from None
    return sorted(f"{r.name.normalized} {r.version} {r.build}" for r in records)
