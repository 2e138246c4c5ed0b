"""What a local store must look like whenever no writer is at work, whatever happened before."""

from __future__ import annotations

import json
from pathlib import Path

from backports import zstd

from dsprod.artifact import PACKAGE_SUFFIXES, sha256_of
from dsprod.store.local import INTENTS, STAGING, LocalStore


def assert_readable(live: Path) -> None:
    """What a reader may rely on at any instant, even while a writer lies dead mid-publish.

    Both indexes parse, and every file either lists is in the subdir with the listed bytes.
    """
    for document in (
        (live / "repodata.json").read_bytes(),
        zstd.decompress((live / "repodata.json.zst").read_bytes()),
    ):
        repodata = json.loads(document)
        for name, record in {**repodata["packages"], **repodata["packages.conda"]}.items():
            assert sha256_of(live / name) == record["sha256"], name


def assert_consistent(store: LocalStore) -> None:
    """Every package file indexed with its own bytes (in both indexes); no staging, torn temp or
    pending intent."""
    channels = store.root / "channels"
    for live in channels.glob("*/*"):
        on_disk = {
            p.name for p in live.iterdir() if p.name.endswith(PACKAGE_SUFFIXES) and p.name[0] != "."
        }
        repodata = json.loads((live / "repodata.json").read_text())
        listed = {**repodata.get("packages", {}), **repodata.get("packages.conda", {})}
        assert on_disk == set(listed), live
        for name, record in listed.items():
            assert sha256_of(live / name) == record["sha256"]
        compressed = live / "repodata.json.zst"
        assert zstd.decompress(compressed.read_bytes()) == (live / "repodata.json").read_bytes()
        assert not [p for p in live.iterdir() if p.name.startswith(".")], live
    assert not list(channels.glob("*/.*")), "staging inside a channel"
    assert not list((store.root / STAGING).glob("*"))
    assert not list((store.root / INTENTS).glob("*"))
