"""Package names have owners: the first repository to publish a name in a store, till moved."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dsprod.artifact import read_artifact
from dsprod.config import load_settings
from dsprod.errors import InputError, StoreRefused
from dsprod.pipeline import Session
from dsprod.pipeline.stages import publish, transfer_owner
from dsprod.store.ledger import OwnerChange
from dsprod.store.local import LocalStore
from dsprod.vcs.remote import normalise_repository
from tests.packages import build_package

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest


@pytest.mark.parametrize(
    "spelling",
    [
        "https://github.com/org/hello-ds",
        "https://GitHub.com/org/hello-ds.git",
        "https://github.com/org/hello-ds/",
        "https://ci-bot:s3cret@github.com/org/hello-ds.git/",
        "ssh://git@github.com/org/hello-ds.git",
        "git@github.com:org/hello-ds.git",
        "  https://github.com/org/hello-ds?ref=main  ",
    ],
)
def test_spellings_of_one_repository_are_one_owner(spelling: str) -> None:
    assert normalise_repository(spelling) == "github.com/org/hello-ds"


def test_other_repositories_are_other_owners() -> None:
    assert normalise_repository("https://github.com/Org/hello-ds") == "github.com/Org/hello-ds"
    assert normalise_repository("https://git.example.org:8443/a/b") == "git.example.org:8443/a/b"
    assert normalise_repository("/srv/git/hello-ds.git/") == "/srv/git/hello-ds"
    assert normalise_repository("file:///srv/git/hello-ds") == "/srv/git/hello-ds"
    with pytest.raises(InputError, match="bad port"):
        normalise_repository("https://github.com:https/org/x")


@pytest.fixture
def session(tmp_path: Path) -> Session:
    settings = load_settings(tmp_path, environ={"DSPROD_STORE": str(tmp_path / "store")})
    return Session(tmp_path, settings, report=lambda message: None)


def test_the_first_repository_to_publish_a_name_owns_it(tmp_path: Path, session: Session) -> None:
    real = read_artifact(build_package(tmp_path, "hello-ds", "1.0", build="g0"))
    other = read_artifact(build_package(tmp_path, "hello-ds", "4.0", build="g1"))
    assert asyncio.run(publish(session, real, "unstable", "git@github.com:real/hello-ds.git"))

    with pytest.raises(StoreRefused) as caught:
        asyncio.run(publish(session, other, "unstable", "https://github.com/someone/else"))
    message = str(caught.value)
    assert "'hello-ds' is owned by github.com/real/hello-ds" in message
    assert "comes from github.com/someone/else" in message
    assert "dsprod owner hello-ds --set github.com/someone/else" in message
    store = LocalStore(session.settings.store.path)
    assert [p.version for p in asyncio.run(store.packages("unstable"))] == ["1.0"]

    # the owner publishes again, under another spelling of its remote
    newer = read_artifact(build_package(tmp_path, "hello-ds", "1.1", build="g2"))
    assert asyncio.run(publish(session, newer, "unstable", "https://github.com/real/hello-ds"))

    # an administrator transfers the name; the ledger keeps who did what
    transfer_owner(session, "hello-ds", "https://github.com/someone/else.git")
    assert asyncio.run(publish(session, other, "unstable", "https://github.com/someone/else"))
    [ownership] = store.ledger.owners()
    assert [(c.action, c.previous, c.owner) for c in ownership.history] == [
        ("claim", None, "github.com/real/hello-ds"),
        ("transfer", "github.com/real/hello-ds", "github.com/someone/else"),
    ]


def test_a_claim_never_takes_an_owned_name(tmp_path: Path) -> None:
    ledger = LocalStore(tmp_path / "store").ledger
    first = ledger.claim_owner("alpha", OwnerChange.now("claim", "github.com/a/alpha"))
    second = ledger.claim_owner("alpha", OwnerChange.now("claim", "github.com/b/alpha"))
    assert first == second and second.owner == "github.com/a/alpha"
    assert len(second.history) == 1


def test_a_damaged_owners_file_is_one_line(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.root.mkdir(parents=True)
    (store.root / "owners.json").write_bytes(b'{"alpha": {"owner": "x"}}')
    with pytest.raises(StoreRefused, match=r"owners\.json: 'alpha' is not an owner record"):
        store.ledger.owners()
    (store.root / "owners.json").write_bytes(b"\xff\xfe")
    with pytest.raises(StoreRefused, match=r"owners\.json: not valid JSON"):
        store.ledger.owners()
