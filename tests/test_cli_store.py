"""The real CLI over a real store of real packages, without building a project.

A folder with a channels.yaml naming the store is all ``dsprod test``,
``promote`` and ``owner`` need when told which package (or name) they are about.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rattler import Subdir

from dsprod.artifact import read_artifact
from dsprod.store.base import StoredPackage
from dsprod.store.local import LocalStore
from tests.packages import build_package, test_report
from tests.projects import dsprod
from tests.store_checks import assert_consistent


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The package files these tests publish, built once (building is the slow part)."""
    workdir = tmp_path_factory.mktemp("packages")
    return {
        f"{name}-{build}": build_package(
            workdir, name, "1.0", build=build, extra={"pep440_version": "1.0"}
        )
        for name, build in (("alpha", "g0"), ("alpha", "g1"), ("beta", "g0"))
    }


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


@pytest.fixture
def folder(tmp_path: Path, store: LocalStore) -> Path:
    """Where the CLI runs: only a channels.yaml naming the store."""
    folder = tmp_path / "admin"
    folder.mkdir()
    (folder / "channels.yaml").write_text(f"store: {{kind: local, path: {store.root}}}\n")
    return folder


def publish(store: LocalStore, package_file: Path) -> StoredPackage:
    artifact = read_artifact(package_file)
    asyncio.run(store.publish(artifact, "unstable"))
    [package] = [
        p for p in asyncio.run(store.packages("unstable")) if p.filename == artifact.filename
    ]
    return package


def run_cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DSPROD_")}
    return subprocess.run(
        [sys.executable, "-m", "dsprod", *args, "--project", str(folder)],
        capture_output=True,
        text=True,
        env=environment,
    )


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("command", "damage"), [("test", "truncated"), ("promote", "another package's bytes")]
)
def test_a_damaged_package_file_is_one_line_naming_it(
    built: dict[str, Path], store: LocalStore, folder: Path, command: str, damage: str
) -> None:
    package = publish(store, built["alpha-g0"])
    path = store.channel_dir("unstable") / package.subdir / package.filename
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:300])
    else:
        path.write_bytes(built["beta-g0"].read_bytes())
    line = one_line_error(run_cli(folder, command, "alpha==1.0"), 3)
    assert str(path) in line and "channel 'unstable' is damaged" in line


@pytest.mark.parametrize("index", [b'{"packages": {', b"\xff\xfe not json", b"[]"])
def test_a_damaged_channel_index_is_one_line_naming_it(
    built: dict[str, Path], store: LocalStore, folder: Path, index: bytes
) -> None:
    package = publish(store, built["alpha-g0"])
    repodata = store.channel_dir("unstable") / package.subdir / "repodata.json"
    repodata.write_bytes(index)
    line = one_line_error(run_cli(folder, "status"), 3)
    assert str(repodata) in line and "the store is damaged" in line


def test_reindex_repairs_a_damaged_index_from_the_package_files(
    built: dict[str, Path], store: LocalStore, folder: Path
) -> None:
    package = publish(store, built["alpha-g0"])
    repodata = store.channel_dir("unstable") / package.subdir / "repodata.json"
    repodata.write_bytes(repodata.read_bytes()[:-20])  # torn by other hands
    assert run_cli(folder, "status").returncode == 3
    result = run_cli(folder, "reindex", "--json")
    assert result.returncode == 0, result.stderr
    reindexed = json.loads(result.stdout)["reindexed"]
    assert reindexed["unstable"] == sorted(["noarch", str(Subdir.current())])
    assert reindexed["stable"] == reindexed["broken"] == []  # nothing was ever published there
    assert asyncio.run(store.packages("unstable")) == [package]
    assert_consistent(store)


def test_promote_takes_a_package_file_name(
    built: dict[str, Path], store: LocalStore, folder: Path
) -> None:
    first = publish(store, built["alpha-g0"])
    second = publish(store, built["alpha-g1"])
    store.ledger.save_report(test_report(second), None)
    line = one_line_error(run_cli(folder, "promote", "alpha==1.0"), 2)
    assert "name one by file" in line and first.filename in line and second.filename in line

    code, result, stderr = dsprod(folder, "promote", second.filename, "--to", "testing")
    assert code == 0, stderr
    assert result["filename"] == second.filename
    assert [p.filename for p in asyncio.run(store.packages("testing"))] == [second.filename]


def test_force_says_forced_only_when_a_rule_was_overridden(
    built: dict[str, Path], store: LocalStore, folder: Path
) -> None:
    good = publish(store, built["alpha-g0"])
    store.ledger.save_report(test_report(good), None)
    result = run_cli(folder, "promote", "alpha==1.0", "--force")
    assert result.returncode == 0, result.stderr
    assert "FORCED" not in result.stderr + result.stdout
    assert not any(entry.forced for entry in store.ledger.read_log())

    publish(store, built["beta-g0"])
    result = run_cli(folder, "promote", "beta==1.0", "--force")
    assert result.returncode == 0, result.stderr
    assert "FORCED promotion of beta-1.0-g0.conda" in result.stderr
    assert store.ledger.read_log()[-1].forced


def test_owners_are_listed_and_transferred_with_a_logged_history(
    store: LocalStore, folder: Path
) -> None:
    line = one_line_error(run_cli(folder, "owner", "hello-ds"), 2)
    assert "has no owner" in line

    code, result, stderr = dsprod(
        folder, "owner", "hello-ds", "--set", "https://ci:secret@GitHub.com/Real/hello-ds.git/"
    )
    assert code == 0, stderr
    assert result["owners"][0]["owner"] == "github.com/Real/hello-ds"  # no credentials kept
    code, result, stderr = dsprod(
        folder, "owner", "hello-ds", "--set", "git@gitlab.example.org:moved/hello-ds.git"
    )
    assert code == 0, stderr

    listing = run_cli(folder, "owner")
    assert listing.stdout.strip() == "hello-ds: gitlab.example.org/moved/hello-ds"
    code, result, stderr = dsprod(folder, "owner", "hello-ds")
    [ownership] = result["owners"]
    assert [(c["action"], c["previous"], c["owner"]) for c in ownership["history"]] == [
        ("transfer", None, "github.com/Real/hello-ds"),
        ("transfer", "github.com/Real/hello-ds", "gitlab.example.org/moved/hello-ds"),
    ]
    assert all(c["who"] and c["time"] for c in ownership["history"])
    assert [o.owner for o in store.ledger.owners()] == ["gitlab.example.org/moved/hello-ds"]
