"""The store's incremental index agrees with rattler's indexer; solvers read it as written.

Packages are written by ``tests.packages.write_package`` (real .conda files,
no build), with the ``info/index.json`` shapes packages out there have.
"""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import rattler
from backports import zstd
from rattler import Channel, Gateway, Subdir
from rattler.exceptions import GatewayError
from rattler.index import index_fs

from dsprod.artifact import read_artifact
from dsprod.errors import StoreRefused
from dsprod.store import repodata
from dsprod.store.local import LocalStore
from dsprod.store.repodata import Repodata, record_of
from tests.packages import write_package
from tests.store_checks import assert_consistent

INDEX_SHAPES: dict[str, dict[str, Any]] = {
    "lst-plain": {},
    "lst-seconds": {"timestamp": 1_700_000_000},  # old packages record seconds; kept as such
    "lst-no-timestamp": {"timestamp": None, "license": None},
    "lst-empty-lists": {"constrains": [], "flags": [], "extra_depends": {}, "purls": []},
    "lst-full": {
        "depends": ["python >=3.8", "numpy"],
        "constrains": ["foo <2"],
        "license_family": "MIT",
        "purls": ["pkg:pypi/lst-full"],
        "python_site_packages_path": "lib/python3.13t/site-packages",
        "build_number": 3,
        "features": "blas",
        "flags": ["release"],
        "not_a_record_field": "dropped",
    },
    "lst-features-string": {"track_features": "f1 f2"},
    "lst-features-empty-string": {"track_features": ""},
    "lst-features-list": {"track_features": ["f1", "f2"]},
    "lst-features-empty-list": {"track_features": []},
    "lst-no-subdir": {"noarch": None, "subdir": None},
    "lst-run-exports": {"info_files": {"info/run_exports.json": {"weak": [], "strong": ["x"]}}},
    "lst-empty-run-exports": {"info_files": {"info/run_exports.json": {}}},
}


def rattler_index(channel: Path, subdir: str = "noarch") -> dict[str, Any]:
    asyncio.run(
        index_fs(channel, target_platform=Subdir(subdir), write_zst=False, write_shards=False)
    )
    return json.loads((channel / subdir / "repodata.json").read_text())


def test_a_record_is_what_rattlers_indexer_makes_of_the_package_field_by_field(
    tmp_path: Path,
) -> None:
    channel = tmp_path / "channel"
    files = {
        name: write_package(channel / "noarch", name, "1.0", **index)
        for name, index in INDEX_SHAPES.items()
    }
    before = int(time.time() * 1000)
    ours = {name: record_of(path) for name, path in files.items()}
    after = int(time.time() * 1000)
    theirs = rattler_index(channel)["packages.conda"]
    for name, path in files.items():
        record = ours[name]
        assert before <= record.pop("indexed_timestamp") <= after
        assert isinstance(theirs[path.name].pop("indexed_timestamp"), int)
        assert record == theirs[path.name], name


def test_the_layout_is_the_json_rattler_writes_and_reads_back_without_a_parse(
    tmp_path: Path,
) -> None:
    channel = tmp_path / "channel"
    for number in range(3):
        write_package(channel / "noarch", f"lst-layout{number}", "1.0")
    theirs = rattler_index(channel)
    converted = Repodata.read(channel / "noarch" / "repodata.json", "noarch")  # a full parse
    document = converted.to_bytes()
    assert json.loads(document) == theirs
    assert document.count(b"\n") == 3 + 5  # a line per record, and the layout's five
    assert converted.listed == {f"lst-layout{n}-1.0-0.conda" for n in range(3)}
    assert repodata._lines(document) == converted  # read back from its lines
    assert repodata._lines(json.dumps(theirs).encode()) is None  # rattler's needs a parse


def test_both_sections_round_trip_and_a_record_listed_again_replaces_the_old_one() -> None:
    index = Repodata.empty("noarch")
    for name in ("lst-b-1-0.tar.bz2", "lst-a-1-0.conda", "lst-c-1-0.conda", "lst-a-1-0.conda"):
        index.add(name, {"name": name.split("-1")[0], "size": len(index.listed)})
    document = index.to_bytes()
    assert json.loads(document) == {
        "info": {"subdir": "noarch"},
        "repodata_version": 1,
        "packages": {"lst-b-1-0.tar.bz2": {"name": "lst-b", "size": 0}},
        "packages.conda": {
            "lst-c-1-0.conda": {"name": "lst-c", "size": 2},
            "lst-a-1-0.conda": {"name": "lst-a", "size": 3},  # listed again: the new record
        },
    }
    assert repodata._lines(document) == index
    assert index.listed == {"lst-b-1-0.tar.bz2", "lst-a-1-0.conda", "lst-c-1-0.conda"}


def test_an_index_in_another_layout_is_parsed_and_a_damaged_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "repodata.json"
    record = {"name": "lst-x", "version": "1", "build": "0", "depends": []}
    pretty = {"info": {"subdir": "noarch"}, "packages.conda": {"lst-x-1-0.conda": record}}
    path.write_text(json.dumps(pretty, indent=2))
    assert json.loads(Repodata.read(path, "noarch").to_bytes())["packages.conda"] == {
        "lst-x-1-0.conda": record
    }
    layout = Repodata.read(path, "noarch").to_bytes()
    path.write_bytes(layout[: len(layout) // 2])  # torn: what no writer of the store leaves
    with pytest.raises(StoreRefused, match="not valid JSON"):
        Repodata.read(path, "noarch")
    path.write_text('["not", "an", "index"]')
    with pytest.raises(StoreRefused, match="not a channel index"):
        Repodata.read(path, "noarch")
    assert Repodata.read(tmp_path / "missing.json", "noarch") == Repodata.empty("noarch")


def test_a_publish_adds_its_record_and_leaves_every_other_byte_of_the_index(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    first = write_package(tmp_path / "pkgs", "lst-first", "1.0")
    second = write_package(tmp_path / "pkgs", "lst-second", "1.0", depends=["lst-first"])
    asyncio.run(store.publish(read_artifact(first), "unstable"))
    live = store.channel_dir("unstable") / "noarch"
    before = (live / "repodata.json").read_bytes()
    asyncio.run(store.publish(read_artifact(second), "unstable"))
    after = (live / "repodata.json").read_bytes()
    removed = set(before.splitlines()) - set(after.splitlines())
    added = {line.rstrip(b",") for line in set(after.splitlines()) - set(before.splitlines())}
    assert removed <= added  # a line that changed only gained its comma
    [new] = added - removed
    assert new.startswith(b'"lst-second-1.0-0.conda":{')
    assert zstd.decompress((live / "repodata.json.zst").read_bytes()) == after
    assert_consistent(store)


def test_publishing_into_an_index_rattler_wrote_converts_it_and_keeps_its_records(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "indexed-by-rattler"
    old = write_package(elsewhere / "noarch", "lst-old", "1.0")
    theirs = rattler_index(elsewhere)
    store = LocalStore(tmp_path / "store")
    live = store.channel_dir("unstable") / "noarch"
    live.mkdir(parents=True)
    for name in (old.name, "repodata.json"):
        shutil.copy(elsewhere / "noarch" / name, live / name)
    asyncio.run(store.publish(read_artifact(write_package(tmp_path, "lst-new", "1.0")), "unstable"))
    records = json.loads((live / "repodata.json").read_text())["packages.conda"]
    assert records[old.name] == theirs["packages.conda"][old.name]
    assert set(records) == {old.name, "lst-new-1.0-0.conda"}
    assert_consistent(store)


def test_reindex_is_the_explicit_repair_of_an_index_edited_by_other_hands(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    for name in ("lst-a", "lst-b"):
        asyncio.run(store.publish(read_artifact(write_package(tmp_path, name, "1.0")), "unstable"))
    live = store.channel_dir("unstable") / "noarch"
    document = json.loads((live / "repodata.json").read_text())
    document["packages.conda"]["lst-a-1.0-0.conda"]["sha256"] = "0" * 64
    (live / "repodata.json").write_text(json.dumps(document))
    assert asyncio.run(store.reindex("unstable")) == ["linux-64", "noarch"]
    assert_consistent(store)
    assert asyncio.run(store.reindex("nowhere")) == []


def test_a_solver_reads_the_channel_as_the_store_wrote_it(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    packages = [
        write_package(tmp_path, "lst-base", "1.0"),
        write_package(tmp_path, "lst-base", "2.0"),
        write_package(tmp_path, "lst-app", "1.0", depends=["lst-base <2"]),
    ]
    for package in packages:
        asyncio.run(store.publish(read_artifact(package), "unstable"))
    listed = json.loads((store.channel_dir("unstable") / "noarch" / "repodata.json").read_text())
    solved = solve(asyncio.run(store.channel_url("unstable")), ["lst-app"])
    assert sorted(r.file_name for r in solved) == ["lst-app-1.0-0.conda", "lst-base-1.0-0.conda"]
    for record in solved:
        written = listed["packages.conda"][record.file_name]
        assert (record.sha256.hex(), record.md5.hex(), record.size) == (
            written["sha256"],
            written["md5"],
            written["size"],
        )
        assert [str(spec) for spec in record.depends] == written["depends"]


def test_rattler_reads_a_file_channel_from_repodata_json_alone(tmp_path: Path) -> None:
    """Why the store writes no sharded index (CEP 16): py-rattler 0.28 reads none from file://.

    Nor ``repodata.json.zst``, which the store writes for clients served over
    HTTP. When this test fails, rattler reads shards from disk: write them.
    """
    channel = tmp_path / "channel"
    write_package(channel / "noarch", "lst-sharded", "1.0")
    asyncio.run(
        index_fs(channel, target_platform=Subdir("noarch"), write_zst=True, write_shards=True)
    )
    assert (channel / "noarch" / "repodata_shards.msgpack.zst").is_file()
    (channel / "noarch" / "repodata.json").unlink()
    with pytest.raises(GatewayError, match=r"noarch/repodata\.json"):
        solve(channel.as_uri(), ["lst-sharded"])


def solve(url: str, specs: list[str]) -> list[rattler.RepoDataRecord]:
    with tempfile.TemporaryDirectory() as cache:  # rattler caches repodata by URL
        return asyncio.run(
            rattler.solve(
                [Channel(url)],
                specs,
                gateway=Gateway(cache_dir=cache),
                platforms=[Subdir.current(), Subdir("noarch")],
            )
        )


def test_rattler_reads_the_stores_zst_over_http_and_only_as_one_zstd_frame(
    tmp_path: Path,
) -> None:
    """Over HTTP rattler prefers ``repodata.json.zst``, and reads only its first zstd frame.

    So the store's ``.zst`` must be right (here the served ``repodata.json``
    lists nothing: only the ``.zst`` can name the package), and must be
    compressed whole at each publish: frames appended per record are not read
    (measured with py-rattler 0.28; when the second half starts to be read,
    a publish could append a frame instead of compressing the whole index).
    """
    store = LocalStore(tmp_path / "store")
    for name in ("lst-zst-a", "lst-zst-b"):
        asyncio.run(store.publish(read_artifact(write_package(tmp_path, name, "1.0")), "unstable"))
    served = tmp_path / "served"
    shutil.copytree(store.channel_dir("unstable"), served)
    written = (served / "noarch" / "repodata.json").read_bytes()
    empty = {"info": {"subdir": "noarch"}, "packages": {}, "packages.conda": {}}
    (served / "noarch" / "repodata.json").write_text(json.dumps(empty))
    handler = functools.partial(QuietHandler, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert [r.name.normalized for r in solve(url, ["lst-zst-b"])] == ["lst-zst-b"]
        half = written.index(b"\n") + 1
        frames = zstd.compress(written[:half]) + zstd.compress(written[half:])
        assert zstd.decompress(frames) == written  # a valid zstd file, of two frames
        (served / "noarch" / "repodata.json.zst").write_bytes(frames)
        with pytest.raises(GatewayError, match="parse"):
            solve(url, ["lst-zst-b"])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass
