"""``dsprod mirror``: a store's channels copied into another, sha256 checked, resumable.

The fast tests mirror between two local stores; the end-to-end one mirrors a
local store into S3 (SeaweedFS) through the real CLI, is killed mid-way with
SIGKILL, completes on the re-run, and promotes in the target on the mirrored
test reports.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from dsprod.artifact import read_artifact, sha256_of
from dsprod.config import load_settings
from dsprod.errors import StoreRefused
from dsprod.pipeline import Session, mirror, mirror_target
from dsprod.progress import silent
from dsprod.store import open_store
from dsprod.store.ledger import OwnerChange
from dsprod.store.local import LocalStore
from tests.packages import test_report, write_package
from tests.projects import dsprod
from tests.store_servers import BUCKET, CREDENTIALS, S3Server


def source_store(tmp_path: Path, count: int) -> LocalStore:
    """A local store: ``count`` packages in unstable with reports (JUnit XML too), two in
    testing, one in broken."""
    store = LocalStore(tmp_path / "source")
    junit = tmp_path / "junit.xml"
    junit.write_text('<testsuite tests="1"><testcase name="t"/></testsuite>')
    for number in range(count):
        path = write_package(tmp_path / "pkgs", f"adm-mirror{number}", "1.0")
        asyncio.run(store.publish(read_artifact(path), "unstable"))
    for package in asyncio.run(store.packages("unstable")):
        store.ledger.save_report(test_report(package, commit=None), junit)  # type: ignore[arg-type]
        store.ledger.claim_owner(package.name, OwnerChange.now("claim", "example.org/adm"))
    first, second = asyncio.run(store.packages("unstable"))[:2]
    asyncio.run(store.copy(first, "testing"))
    asyncio.run(store.copy(second, "broken"))
    return store


def session_for(folder: Path, store: LocalStore) -> Session:
    folder.mkdir(exist_ok=True)
    settings = load_settings(folder, environ={"DSPROD_STORE": str(store.root)})
    return Session(folder, settings, silent)


def test_a_mirror_copies_every_channel_once_with_its_reports(tmp_path: Path) -> None:
    source = source_store(tmp_path, 3)
    session = session_for(tmp_path / "work", source)
    target = mirror_target(session, str(tmp_path / "copy"))
    levels = ("unstable", "testing", "stable", "broken")
    first = asyncio.run(mirror(session, target, levels))
    assert len(first.copied) == 5 and first.present == [] and first.reports == 3
    assert first.owners == ["adm-mirror0", "adm-mirror1", "adm-mirror2"]
    copy = LocalStore(tmp_path / "copy")
    for level in levels:
        assert asyncio.run(copy.packages(level)) == asyncio.run(source.packages(level))
    for package in asyncio.run(source.packages("unstable")):
        assert copy.ledger.load_junit(package.sha256) == source.ledger.load_junit(package.sha256)
    again = asyncio.run(mirror(session, target, levels))
    assert (again.copied, len(again.present), again.reports, again.owners) == ([], 5, 0, [])
    assert copy.ledger.owners() == source.ledger.owners()  # the claim, as the source made it


def test_a_mirror_refuses_damaged_bytes_and_other_bytes_under_a_held_name(tmp_path: Path) -> None:
    source = source_store(tmp_path, 2)
    session = session_for(tmp_path / "work", source)
    target = mirror_target(session, str(tmp_path / "copy"))
    [held] = asyncio.run(source.packages("testing"))
    (source.channel_dir("testing") / "noarch" / held.filename).write_bytes(b"damaged")
    with pytest.raises(StoreRefused, match="sha256 differs"):
        asyncio.run(mirror(session, target, ["testing"]))
    other = write_package(tmp_path / "other", "adm-mirror0", "1.0", license="BSD-3-Clause")
    asyncio.run(LocalStore(tmp_path / "copy").publish(read_artifact(other), "unstable"))
    with pytest.raises(StoreRefused, match="holds other bytes"):
        asyncio.run(mirror(session, target, ["unstable"]))


@pytest.mark.e2e
def test_mirror_into_s3_killed_midway_completes_and_promotes_there(
    seaweedfs: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    source = source_store(tmp_path, 8)
    admin = tmp_path / "admin"
    admin.mkdir()
    (admin / "channels.yaml").write_text(f"store: {{kind: local, path: {source.root}}}\n")
    prefix = f"adm-mirror-{uuid.uuid4().hex[:12]}"
    target_yaml = tmp_path / "s3" / "channels.yaml"
    target_yaml.parent.mkdir()
    target_yaml.write_text(
        f"store: {{kind: s3, bucket: {BUCKET}, prefix: {prefix},"
        f" endpoint_url: '{seaweedfs.endpoint_url}', region: us-east-1}}\n"
        "channels: {broken: adm-yanked}\n"
    )
    # killed (SIGKILL) while copying its second file (the first is in)
    command = [sys.executable, "-m", "dsprod", "mirror", "--to", str(target_yaml)]
    child = subprocess.Popen(
        [*command, "--project", str(admin)], stderr=subprocess.PIPE, text=True, env=os.environ
    )
    assert child.stderr is not None
    started = 0
    for line in child.stderr:
        started += "mirroring" in line
        if started == 2:
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait()
    assert child.returncode == -signal.SIGKILL
    code, result, stderr = dsprod(admin, "mirror", "--to", str(target_yaml))
    assert code == 0, stderr
    assert result["present"] and result["copied"], result  # what the killed run had not copied
    assert len(result["copied"]) + len(result["present"]) == 10  # 8 unstable, testing, broken
    assert len(result["owners"]) == 8  # claimed once every channel is in
    code, again, stderr = dsprod(admin, "mirror", "--to", str(target_yaml))
    assert (code, again["copied"], len(again["present"])) == (0, [], 10), stderr

    s3 = open_store(load_settings(target_yaml.parent, target_yaml, environ={}).store)
    for level, there in (
        ("unstable", "unstable"),
        ("testing", "testing"),
        ("broken", "adm-yanked"),
    ):
        mirrored = {(p.filename, p.sha256) for p in asyncio.run(s3.packages(there))}
        assert mirrored == {(p.filename, p.sha256) for p in asyncio.run(source.packages(level))}
    # promotions in the target rest on the mirrored reports
    code, promoted, stderr = dsprod(target_yaml.parent, "promote", "adm-mirror7==1.0")
    assert code == 0, stderr
    assert promoted["promotions"] == [
        {"from": "unstable", "to": "testing", "copied": True, "forced": False}
    ]
    [package] = [p for p in asyncio.run(s3.packages("testing")) if p.name == "adm-mirror7"]
    assert sha256_of(asyncio.run(s3.fetch(package))) == package.sha256
