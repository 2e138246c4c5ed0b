"""The S3 store's ``repodata.json.zst`` follows every index edit, and py-rattler reads it.

On the session's SeaweedFS (the public test bucket, read over HTTP as solvers
read it). py-rattler fetches the ``.zst`` when a channel has one, so a stale
one would hide records from every reader: it must be the index, edit after edit,
also after a writer died between writing the index and its ``.zst``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import rattler
from backports import zstd  # type: ignore[import-untyped,unused-ignore]

from dsprod.artifact import read_artifact
from dsprod.config import load_settings
from dsprod.store import open_store
from dsprod.store.s3 import REVISION, S3Store
from tests.packages import write_package
from tests.store_servers import BUCKET, CREDENTIALS, S3Server

pytestmark = pytest.mark.e2e


def both_indexes(server: S3Server, key: str) -> tuple[Any, Any]:
    """``repodata.json`` and its ``.zst`` (decompressed) as stored, of one revision."""
    client: Any = server.client()
    index = client.get_object(Bucket=BUCKET, Key=key)
    follower = client.get_object(Bucket=BUCKET, Key=f"{key}.zst")
    assert follower["Metadata"][REVISION] == index["Metadata"][REVISION]
    return json.loads(index["Body"].read()), json.loads(zstd.decompress(follower["Body"].read()))


def test_the_zst_index_follows_each_edit_and_is_what_py_rattler_reads(
    seaweedfs: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(tmp_path / "rattler-cache"))
    prefix = f"cred-zst-{uuid.uuid4().hex[:8]}"
    settings = load_settings(tmp_path, environ=seaweedfs.environ(prefix))
    store = open_store(settings.store)
    assert isinstance(store, S3Store)
    first, second, third = (
        read_artifact(write_package(tmp_path / "packages", f"cred-zst-{n}", "1.0"))
        for n in ("a", "b", "c")
    )
    key = f"{prefix}/unstable/noarch/repodata.json"
    client: Any = seaweedfs.client()

    asyncio.run(store.publish(first, "unstable"))
    index, follower = both_indexes(seaweedfs, key)
    assert follower == index and list(index["packages.conda"]) == [first.filename]

    # A writer killed between its two writes: the index lists the second package, the .zst
    # is still the one before. The next publish brings the .zst up to date.
    stale = client.get_object(Bucket=BUCKET, Key=f"{key}.zst")
    old = client.get_object(Bucket=BUCKET, Key=key)
    asyncio.run(store.publish(second, "unstable"))
    client.put_object(
        Bucket=BUCKET, Key=f"{key}.zst", Body=stale["Body"].read(), Metadata=stale["Metadata"]
    )
    asyncio.run(store.publish(third, "unstable"))
    index, follower = both_indexes(seaweedfs, key)
    assert follower == index
    assert sorted(index["packages.conda"]) == [a.filename for a in (first, second, third)]

    # A slow writer following the index it wrote two edits ago changes nothing: the .zst
    # holds a later revision. (Writers racing for real did not show this order in a cheap
    # test, so the step a late writer takes is taken here directly.)
    store._follow_index("unstable", "noarch", old["Body"].read(), int(old["Metadata"][REVISION]))
    assert both_indexes(seaweedfs, key) == (index, follower)

    # Unlisting (a yank's last step) is an edit like any other.
    [listed] = [p for p in asyncio.run(store.packages("unstable")) if p.name == "cred-zst-c"]
    asyncio.run(store.remove(listed))
    index, follower = both_indexes(seaweedfs, key)
    assert follower == index and sorted(index["packages.conda"]) == [
        first.filename,
        second.filename,
    ]

    # With repodata.json gone, py-rattler still finds both packages: it read the .zst.
    client.delete_object(Bucket=BUCKET, Key=key)
    records = asyncio.run(
        rattler.solve(
            sources=[rattler.Channel(asyncio.run(store.channel_url("unstable")))],
            specs=["cred-zst-a", "cred-zst-b"],
            virtual_packages=rattler.VirtualPackage.detect(),
        )
    )
    assert sorted(r.name.normalized for r in records) == ["cred-zst-a", "cred-zst-b"]
