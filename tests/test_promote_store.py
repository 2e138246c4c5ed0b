"""Promotion over a real local store with real packages: policy, byte-for-byte copies, the log."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dsprod import promote as promotion
from dsprod.artifact import read_artifact, sha256_of
from dsprod.config import load_settings
from dsprod.errors import StoreRefused, VerifyFailed
from dsprod.store.local import LocalStore
from tests.packages import build_package, test_report


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def published(tmp_path: Path, store: LocalStore, version: str, pep440: str):
    path = build_package(tmp_path, "alpha", version, extra={"pep440_version": pep440})
    artifact = read_artifact(path)
    asyncio.run(store.publish(artifact, "unstable"))
    [package] = [p for p in packages(store, "unstable") if p.version == version]
    return package


def packages(store: LocalStore, channel: str):
    return asyncio.run(store.packages(channel))


def promote(store: LocalStore, settings, package, target=None, *, force=False):
    return asyncio.run(promotion.promote(store, settings, package, target, force=force))


def settings(tmp_path: Path):
    return load_settings(tmp_path, environ={"DSPROD_STORE": str(tmp_path / "store")})


def test_untested_packages_stay_in_unstable(tmp_path: Path, store: LocalStore) -> None:
    package = published(tmp_path, store, "1.0", "1.0")
    with pytest.raises(StoreRefused, match="no test report"):
        promote(store, settings(tmp_path), package)
    assert packages(store, "testing") == [] and store.ledger.read_log() == []


def test_a_tested_final_release_goes_through_testing_to_stable(
    tmp_path: Path, store: LocalStore
) -> None:
    package = published(tmp_path, store, "1.0", "1.0")
    store.ledger.save_report(test_report(package), None)
    steps = promote(store, settings(tmp_path), package)
    assert [(s.source_level, s.target_level, s.copied) for s in steps] == [
        ("unstable", "testing", True),
        ("testing", "stable", True),
    ]
    assert packages(store, "stable")[0].sha256 == package.sha256
    log = store.ledger.read_log()
    assert [(e.source, e.target, e.forced) for e in log] == [
        ("unstable", "testing", False),
        ("testing", "stable", False),
    ]
    assert log[0].test_report.endswith(f"{package.sha256}.json")
    # promoting again copies nothing and logs nothing
    assert [s.copied for s in promote(store, settings(tmp_path), package)] == [False, False]
    assert len(store.ledger.read_log()) == 2


def test_a_release_candidate_stops_at_testing(tmp_path: Path, store: LocalStore) -> None:
    package = published(tmp_path, store, "1.0rc1", "1.0rc1")
    store.ledger.save_report(test_report(package), None)
    assert [s.target_level for s in promote(store, settings(tmp_path), package)] == ["testing"]
    with pytest.raises(StoreRefused, match="not a final release"):
        promote(store, settings(tmp_path), package, "stable")
    assert packages(store, "stable") == []


def test_force_is_allowed_and_logged_with_the_rules_it_broke(
    tmp_path: Path, store: LocalStore
) -> None:
    package = published(tmp_path, store, "1.0rc1", "1.0rc1")
    store.ledger.save_report(test_report(package, passed=False, summary="1 failed"), None)
    steps = promote(store, settings(tmp_path), package, "stable", force=True)
    assert all(step.forced for step in steps)
    log = store.ledger.read_log()
    assert [e.forced for e in log] == [True, True]
    assert any("tests failed" in rule for rule in log[-1].overridden_rules)
    assert any("not a final release" in rule for rule in log[-1].overridden_rules)


FINAL = {"pep440_version": "1.0"}


def test_a_channel_requiring_a_known_licence_stops_the_package_below_it(
    tmp_path: Path, store: LocalStore
) -> None:
    (tmp_path / "channels.yaml").write_text("policy: {stable: {require_known_license: true}}\n")
    package = publish(
        tmp_path, store, "mystery", "1.0", license="LicenseRef-dsprod-unknown", extra=FINAL
    )
    store.ledger.save_report(test_report(package), None)
    with pytest.raises(VerifyFailed) as caught:
        promote(store, settings(tmp_path), package)
    assert caught.value.exit_code == 5
    assert str(caught.value) == (
        f"{package.filename} may not enter 'stable': its license 'LicenseRef-dsprod-unknown' is"
        " not a known licence, and channel 'stable' requires one"
        f" (policy.stable.require_known_license in {tmp_path / 'channels.yaml'});"
        " it stays in 'unstable', 'testing'"
    )
    assert caught.value.details["channels"] == ["unstable", "testing"]
    assert [p.filename for p in packages(store, "testing")] == [package.filename]
    assert packages(store, "stable") == []
    steps = promote(store, settings(tmp_path), package, force=True)
    assert [(s.target_level, s.copied, s.forced) for s in steps] == [
        ("testing", False, True),
        ("stable", True, True),
    ]
    assert any("require_known_license" in r for r in store.ledger.read_log()[-1].overridden_rules)


def test_unstable_policy_is_a_problem_for_verification_only_when_configured(
    tmp_path: Path,
) -> None:
    path = build_package(tmp_path, "odd", "1.0", license="LicenseRef-dsprod-unknown")
    artifact = read_artifact(path)
    assert promotion.channel_policy_problems(settings(tmp_path), "unstable", artifact) == []
    (tmp_path / "channels.yaml").write_text("policy: {unstable: {require_known_license: true}}\n")
    [problem] = promotion.channel_policy_problems(settings(tmp_path), "unstable", artifact)
    assert "channel 'unstable' requires one (policy.unstable.require_known_license" in problem


def test_a_known_licence_passes_the_licence_policy(tmp_path: Path, store: LocalStore) -> None:
    (tmp_path / "channels.yaml").write_text("policy: {stable: {require_known_license: true}}\n")
    package = publish(tmp_path, store, "plain", "1.0", license="LicenseRef-Acme", extra=FINAL)
    store.ledger.save_report(test_report(package), None)
    assert [s.target_level for s in promote(store, settings(tmp_path), package)] == [
        "testing",
        "stable",
    ]


def publish(tmp_path: Path, store: LocalStore, name: str, version: str, **options):
    """Build and publish one package to unstable; its index entry."""
    artifact = read_artifact(build_package(tmp_path, name, version, **options))
    asyncio.run(store.publish(artifact, "unstable"))
    [package] = [p for p in packages(store, "unstable") if p.filename == artifact.filename]
    return package


def test_a_report_copied_from_another_package_promotes_nothing(
    tmp_path: Path, store: LocalStore
) -> None:
    tested = publish(tmp_path, store, "alpha", "1.0", extra={"pep440_version": "1.0"})
    untested = publish(tmp_path, store, "beta", "1.0", extra={"pep440_version": "1.0"})
    kept = store.ledger.save_report(test_report(tested), None)
    copied = store.root / "reports" / f"{untested.sha256}.json"
    copied.write_bytes(Path(kept.report_path).read_bytes())

    with pytest.raises(StoreRefused, match="is not about this package") as caught:
        promote(store, settings(tmp_path), untested)
    assert f"sha256 '{tested.sha256}'" in str(caught.value)
    assert "name 'alpha' (the package's is 'beta')" in str(caught.value)
    assert packages(store, "testing") == [] and store.ledger.read_log() == []

    # a broken rule like the others: an administrator can force it, and the log says so
    promote(store, settings(tmp_path), untested, "testing", force=True)
    [entry] = store.ledger.read_log()
    assert entry.forced and "is not about this package" in entry.overridden_rules[0]
    assert entry.test_report_sha256 == sha256_of(copied)


def test_the_log_records_the_digest_of_the_report_it_rested_on(
    tmp_path: Path, store: LocalStore
) -> None:
    package = published(tmp_path, store, "1.0", "1.0")
    kept = store.ledger.save_report(test_report(package), None)
    promote(store, settings(tmp_path), package)
    digests = {entry.test_report_sha256 for entry in store.ledger.read_log()}
    assert digests == {sha256_of(Path(kept.report_path))} == {kept.report_sha256}


SHARED = "site-packages/hello_ds/__init__.py"


def publish_tested(
    tmp_path: Path, store: LocalStore, name: str, version: str, file: str, build="g0"
):
    package = publish(
        tmp_path, store, name, version, build=build, file=file, extra={"pep440_version": version}
    )
    store.ledger.save_report(test_report(package), None)
    return package


def test_a_package_clobbering_another_ones_files_is_refused(
    tmp_path: Path, store: LocalStore
) -> None:
    real = publish_tested(tmp_path, store, "hello-ds", "1.0", SHARED)
    promote(store, settings(tmp_path), real)
    # a platform package installs the same module under lib/pythonX.Y/site-packages
    impostor = publish_tested(tmp_path, store, "hello-other", "4.0", f"lib/python3.11/{SHARED}")

    with pytest.raises(StoreRefused) as caught:
        promote(store, settings(tmp_path), impostor)
    message = str(caught.value)
    assert f"its files clobber those of {real.filename} in 'testing': {SHARED}" in message
    assert f"in 'stable': {SHARED}" in message
    assert {p.name for p in packages(store, "stable")} == {"hello-ds"}

    # another build of the same name replaces it in an env, it does not clobber it
    newer = publish_tested(tmp_path, store, "hello-ds", "1.1", SHARED, build="g1")
    assert [s.target_level for s in promote(store, settings(tmp_path), newer)] == [
        "testing",
        "stable",
    ]

    forced = promote(store, settings(tmp_path), impostor, force=True)
    assert all(step.forced for step in forced)
    assert any("clobber" in rule for rule in store.ledger.read_log()[-1].overridden_rules)


def test_a_package_breaking_no_rule_is_not_forced_even_with_force(
    tmp_path: Path, store: LocalStore
) -> None:
    package = published(tmp_path, store, "1.0", "1.0")
    store.ledger.save_report(test_report(package), None)
    steps = promote(store, settings(tmp_path), package, force=True)
    assert [step.forced for step in steps] == [False, False]
    assert [entry.forced for entry in store.ledger.read_log()] == [False, False]


def test_a_promotion_killed_between_copy_and_log_is_logged_by_the_next_one(
    tmp_path: Path, store: LocalStore
) -> None:
    package = published(tmp_path, store, "1.0", "1.0")
    store.ledger.save_report(test_report(package), None)
    # What promote does for one step, in a process killed before it could log:
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_COPY, str(store.root), package.filename],
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert killed.returncode == -signal.SIGKILL
    [copied] = packages(store, "testing")
    assert copied.sha256 == package.sha256 and store.ledger.read_log() == []

    steps = promote(store, settings(tmp_path), package)
    assert [(s.target_level, s.copied) for s in steps] == [("testing", False), ("stable", True)]
    log = store.ledger.read_log()
    assert [(e.source, e.target, e.who) for e in log] == [
        ("unstable", "testing", "killed@host"),  # the killed process's own entry
        ("testing", "stable", log[1].who),
    ]
    promote(store, settings(tmp_path), package)
    assert store.ledger.read_log() == log


KILLED_AFTER_COPY = """
import asyncio, os, signal, sys
from pathlib import Path
from dsprod.store.ledger import PromotionEntry
from dsprod.store.local import LocalStore

store = LocalStore(Path(sys.argv[1]))
[package] = [p for p in asyncio.run(store.packages("unstable")) if p.filename == sys.argv[2]]
entry = PromotionEntry(
    time="2026-01-01T00:00:00+00:00", who="killed@host", action="promote",
    package=package.filename, subdir=package.subdir, name=package.name,
    version=package.version, build=package.build, sha256=package.sha256,
    source="unstable", target="testing", test_report=None, forced=False, overridden_rules=(),
)
store.ledger.begin(entry, "testing")
asyncio.run(store.copy(package, "testing"))
os.kill(os.getpid(), signal.SIGKILL)
"""
