"""The fakes keep the contracts the pipeline relies on, the same way the local store keeps them.

Every method of ``Store``, ``Ledger`` and ``Builder`` is exercised, on the fake
and on the real local store alike, so a stage test passing against the fake
means something for the real store. The annotations (``store: Store = ...``)
are the static half of the check: a type checker refuses a fake that drifts
from its protocol.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from dsprod.artifact import Artifact, read_artifact, sha256_of
from dsprod.builders.base import Builder, BuildRequest
from dsprod.errors import StoreRefused
from dsprod.store.base import Store
from dsprod.store.ledger import Ledger, OwnerChange
from dsprod.store.local import LocalStore
from tests.fakes import FakeBuilder, FakeStore
from tests.packages import build_package, promotion_entry, test_report

pytestmark = pytest.mark.selftest


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Artifact, Artifact]:
    """Two real packages of the same file name with other bytes."""
    workdir = tmp_path_factory.mktemp("packages")
    one = read_artifact(build_package(workdir, "alpha", "1.0", content="one"))
    two = read_artifact(build_package(workdir, "alpha", "1.0", content="two"))
    assert one.filename == two.filename and one.sha256 != two.sha256
    return one, two


def fake_store(root: Path) -> Store:
    return FakeStore(root / "blobs")


def local_store(root: Path) -> Store:
    return LocalStore(root / "store")


@pytest.mark.parametrize("open_store", [fake_store, local_store], ids=["fake", "local"])
def test_store_contract(
    tmp_path: Path, artifacts: tuple[Artifact, Artifact], open_store: Callable[[Path], Store]
) -> None:
    store: Store = open_store(tmp_path)
    one, two = artifacts
    assert store.describe()
    assert isinstance(asyncio.run(store.channel_url("unstable")), str)
    assert asyncio.run(store.packages("unstable")) == []

    assert asyncio.run(store.publish(one, "unstable")) is True
    [listed] = asyncio.run(store.packages("unstable"))
    assert (listed.channel, listed.subdir, listed.filename) == ("unstable", "noarch", one.filename)
    assert (listed.name, listed.version, listed.build, listed.sha256) == (
        "alpha",
        "1.0",
        "g0",
        one.sha256,
    )
    assert sha256_of(asyncio.run(store.fetch(listed))) == one.sha256

    assert asyncio.run(store.publish(one, "unstable")) is False  # the same bytes: a no-op
    with pytest.raises(StoreRefused):
        asyncio.run(store.publish(two, "unstable"))  # other bytes under that name: never
    assert asyncio.run(store.packages("unstable")) == [listed]

    assert asyncio.run(store.copy(listed, "testing")) is True
    assert asyncio.run(store.copy(listed, "testing")) is False
    [copied] = asyncio.run(store.packages("testing"))
    assert (copied.channel, copied.key, copied.sha256) == ("testing", listed.key, one.sha256)
    assert sha256_of(asyncio.run(store.fetch(copied))) == one.sha256
    assert asyncio.run(store.packages("stable")) == []


@pytest.mark.parametrize("open_store", [fake_store, local_store], ids=["fake", "local"])
def test_ledger_contract(tmp_path: Path, open_store: Callable[[Path], Store]) -> None:
    ledger: Ledger = open_store(tmp_path).ledger
    assert ledger.load_report("1" * 64) is None
    kept = ledger.save_report(replace(test_report(), sha256="1" * 64), None)
    assert kept.report_path and kept.sha256 == "1" * 64
    assert ledger.load_report("1" * 64) == kept
    again = ledger.save_report(replace(test_report(passed=False), sha256="1" * 64), None)
    assert ledger.load_report("1" * 64) == again  # the latest report counts

    assert ledger.read_log() == []
    entries = [promotion_entry(target="testing"), promotion_entry(target="stable")]
    for entry in entries:
        ledger.append_log(entry)
    assert ledger.read_log() == entries

    # An intent is logged once when its copy happened, never when it did not, and a
    # promotion under way is not someone else's to finish.
    kept = ledger.begin(promotion_entry(target="testing"), "testing-channel")
    dropped = ledger.begin(
        replace(promotion_entry(target="stable"), who="other@host"), "stable-channel"
    )
    assert (kept.channel, ledger.interrupted()) == ("testing-channel", [])
    ledger.finish(kept, happened=True)
    ledger.finish(kept, happened=True)
    ledger.finish(dropped, happened=False)
    assert ledger.read_log() == [*entries, kept.entry]

    # The first claim owns a name; a later claim leaves it; a transfer keeps the history.
    assert ledger.owners() == []
    first = ledger.claim_owner("alpha", OwnerChange.now("claim", "example.org/one"))
    assert ledger.claim_owner("alpha", OwnerChange.now("claim", "example.org/two")) == first
    moved = ledger.transfer_owner("alpha", OwnerChange.now("transfer", "example.org/two"))
    assert (moved.owner, [c.previous for c in moved.history]) == (
        "example.org/two",
        [None, "example.org/one"],
    )
    assert ledger.owners() == [moved]


def test_the_fake_builder_hands_back_its_packages_from_the_output_folder(
    tmp_path: Path, artifacts: tuple[Artifact, Artifact]
) -> None:
    one, _ = artifacts
    fake = FakeBuilder([one.path])
    builder: Builder = fake
    assert builder.recipe_format == "v1"
    request = BuildRequest(
        recipe_path=tmp_path / "recipe.yaml",
        output_dir=tmp_path / "out",
        channels=("memory://fake/unstable",),
        variables={},
        log_path=tmp_path / "build.log",
    )
    messages: list[str] = []
    [built] = builder.build(request, messages.append)
    assert built == tmp_path / "out" / one.filename and sha256_of(built) == one.sha256
    assert fake.requests == [request]
    assert messages
