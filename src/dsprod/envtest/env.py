"""Clean conda environments made with py-rattler from the store and dependency channels.

A test env has two kinds of requirements: the required ones (the package,
the runner, what the project's tests need), which must all be satisfied, and
the optional ones (R's Suggests, a project's dev dependencies), which the
tests use when they are there. ``optional_that_fit`` keeps the optional ones
the channels can provide together with the required ones; the rest are left
out and named, as CRAN's checks do with ``_R_CHECK_FORCE_SUGGESTS_=false``.
When the required ones cannot be solved, the requirement no channel can
satisfy is named with what the channels have instead of the solver's dump.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import rattler
from rattler import Channel, Gateway, MatchSpec, RepoDataRecord, VirtualPackage
from rattler.networking import Client

from dsprod.errors import EnvironmentFailed, InputError
from dsprod.progress import Report

_PLATFORMS = (rattler.Subdir.current(), rattler.Subdir("noarch"))
_VERSIONS_SHOWN = 3
"""How many of the channels' versions a message lists (newest first)."""


@dataclass(frozen=True)
class LeftOut:
    """An optional requirement the test env goes without, and why."""

    spec: str
    reason: str

    def __str__(self) -> str:
        return f"{self.spec} ({self.reason})"


async def create_env(
    prefix: Path,
    channels: Sequence[str],
    specs: Sequence[str],
    report: Report,
    *,
    purpose: str = "test",
    client: Client | None = None,
) -> list[str]:
    """Solve ``specs`` from ``channels`` (strict priority) and install them into a new ``prefix``.

    ``client`` reads the channels (a store's ``s3://`` ones need its S3
    middleware); None: py-rattler's default. Returns the installed packages as
    ``name version build`` lines. A
    requirement that no record in the channels matches is named in the
    ``EnvironmentFailed`` message (as a ``purpose`` requirement: test, build),
    with the versions the channels do have.
    """
    if prefix.exists() and any(prefix.iterdir()):
        raise InputError(f"{prefix}: not empty; a clean env needs a fresh folder")
    match_specs = _parsed(specs)
    report(f"solving {len(specs)} requirements from {len(channels)} channels")
    gateway = Gateway(client=client)
    try:
        records = await _solve(gateway, channels, match_specs)
    except Exception as error:  # solver errors carry the explanation in their text
        try:
            unmatched = await _first_unmatched(gateway, channels, match_specs, purpose)
        except Exception:  # the channels cannot be read: the solve's own error says why
            unmatched = None
        if unmatched is not None:
            raise EnvironmentFailed(unmatched) from None
        raise EnvironmentFailed(
            f"cannot make a clean env for {', '.join(specs)}: {_one_line(error)}"
        ) from None
    report(f"installing {len(records)} packages into {prefix}")
    try:
        await rattler.install(records, target_prefix=prefix, show_progress=False, client=client)
    except Exception as error:
        raise EnvironmentFailed(f"installing into {prefix} failed: {_one_line(error)}") from None
    return sorted(f"{r.name.normalized} {r.version} {r.build}" for r in records)


async def optional_that_fit(
    channels: Sequence[str],
    required: Sequence[str],
    optional: Sequence[str],
    client: Client | None = None,
) -> tuple[list[str], list[LeftOut]]:
    """The ``optional`` specs an env with ``required`` can also have, and those it cannot.

    First every optional spec is looked up on its own: one that no record in
    the channels matches is left out, naming what the channels have. The
    rest are solved together with the required ones; if that fails, they are
    tried one at a time in the given order, each kept when the env still
    solves with it (it may conflict with a required one, or lack a
    dependency). When the required ones alone cannot be solved every optional
    one is kept, so that ``create_env`` reports the required failure. ``client``
    reads the channels, as for ``create_env``.
    """
    required_specs = _parsed(required)
    gateway = Gateway(client=client)
    candidates: list[str] = []
    left_out: list[LeftOut] = []
    try:
        available = await _records_by_name(gateway, channels, _parsed(optional))
    except InputError:
        raise
    except Exception as error:  # a channel that cannot be read: no env can be made from it
        raise EnvironmentFailed(f"cannot read the channels: {_one_line(error)}") from None
    for spec in optional:
        match_spec = MatchSpec(spec)
        records = available.get(_name(match_spec), [])
        if _virtual(match_spec) or any(match_spec.matches(record) for record in records):
            candidates.append(spec)
        else:
            left_out.append(LeftOut(spec, _what_channels_have(match_spec, records)))
    if not candidates or await _solves(gateway, channels, [*required, *candidates]):
        return candidates, left_out
    if not await _solves(gateway, channels, required_specs):
        return candidates, left_out
    kept: list[str] = []
    for spec in candidates:
        if await _solves(gateway, channels, [*required, *kept, spec]):
            kept.append(spec)
        else:
            left_out.append(LeftOut(spec, "cannot be installed with the required ones"))
    return kept, left_out


_URL_QUERY = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s?#)]+)\?[^\s#)]*")
"""A URL's query: a presigned S3 URL's signature is a credential while it is valid."""


def _one_line(error: BaseException) -> str:
    """An error of py-rattler's as one line, every URL in it without its query.

    Reading a private S3 channel fails naming the presigned URL it tried, whose
    query (key id, signature) would let anyone read that object for minutes.
    """
    return _URL_QUERY.sub(r"\1", " ".join(str(error).split()))


def _parsed(specs: Sequence[str]) -> list[MatchSpec]:
    try:
        return [MatchSpec(spec) for spec in specs]
    except Exception as error:  # rattler's parse error type is private
        raise InputError(f"invalid requirement in {list(specs)}: {error}") from None


def _name(spec: MatchSpec) -> str:
    return spec.name.normalized if spec.name is not None else ""


def _virtual(spec: MatchSpec) -> bool:
    """``__glibc`` and friends describe the host; no channel has records for them."""
    return _name(spec).startswith("__")


async def _solve(
    gateway: Gateway, channels: Sequence[str], specs: Sequence[MatchSpec | str]
) -> list[RepoDataRecord]:
    return await rattler.solve(
        sources=[Channel(url) for url in channels],
        specs=list(specs),
        gateway=gateway,
        virtual_packages=VirtualPackage.detect(),
    )


async def _solves(
    gateway: Gateway, channels: Sequence[str], specs: Sequence[MatchSpec | str]
) -> bool:
    try:
        await _solve(gateway, channels, specs)
    except Exception:  # an unsolvable set is the answer here, not an error
        return False
    return True


async def _records_by_name(
    gateway: Gateway, channels: Sequence[str], specs: Sequence[MatchSpec]
) -> dict[str, list[RepoDataRecord]]:
    """Every record the channels have under the names of ``specs`` (not their dependencies)."""
    names = sorted({_name(spec) for spec in specs if spec.name is not None})
    if not names:
        return {}
    found: dict[str, list[RepoDataRecord]] = {}
    results = await gateway.query(
        [Channel(url) for url in channels], _PLATFORMS, names, recursive=False
    )
    for records in results:
        for record in records:
            found.setdefault(record.name.normalized, []).append(record)
    return found


async def _first_unmatched(
    gateway: Gateway, channels: Sequence[str], specs: Sequence[MatchSpec], purpose: str
) -> str | None:
    """A one-line message for the first spec no record in the channels matches, or None."""
    available = await _records_by_name(gateway, channels, specs)
    for spec in specs:
        records = available.get(_name(spec), [])
        if not _virtual(spec) and not any(spec.matches(record) for record in records):
            return (
                f"{purpose} requirement '{spec}' cannot be satisfied:"
                f" {_what_channels_have(spec, records)}"
            )
    return None


def _what_channels_have(spec: MatchSpec, records: Sequence[RepoDataRecord]) -> str:
    """``the channels have pytest 9.2.0, 8.4.1`` (newest first, a few), or that they have none."""
    name = _name(spec)
    if not records:
        return f"the channels have no package named {name}"
    versions = sorted({record.version for record in records}, reverse=True)
    shown = ", ".join(str(version) for version in versions[:_VERSIONS_SHOWN])
    older = len(versions) - _VERSIONS_SHOWN
    more = f" and {older} older" if older > 0 else ""
    return f"the channels have {name} {shown}{more}"
