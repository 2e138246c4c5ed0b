"""The anaconda store's per-label tokens, through ``dsprod promote``, against the stand-in.

anaconda.org cannot be reached, so the real anaconda-client talks to the stand-in server
of ``tests/anaconda_standin.py`` (the store contract suite runs on it too). Its tokens
each write one label of one owner, so a runner holding only the unstable label's token is
refused the testing label, with one line naming the channel and the variable.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dsprod.artifact import Artifact, read_artifact
from dsprod.config import CHANNEL_LEVELS, load_settings
from dsprod.errors import StoreRefused
from dsprod.store import lookup, open_store
from tests.anaconda_standin import AnacondaStandin, running_standin
from tests.packages import test_report, write_package

pytestmark = pytest.mark.e2e
PROMOTE = (sys.executable, "-m", "dsprod", "promote", "ana-tokened==1.0", "--project")


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnacondaStandin]:
    with running_standin(tmp_path_factory.mktemp("anaconda")) as server:
        yield server


def test_the_unstable_token_publishes_but_cannot_promote_and_no_token_is_ever_shown(
    standin: AnacondaStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = standin.new_owner("ana-tokens", CHANNEL_LEVELS)
    fake = "ana-made-up-token-3e8c1f7a9d"
    environ = owner.environ(standin.url, tmp_path / "ledger", labels=("unstable",))
    for name in [n for n in os.environ if n.startswith("DSPROD_")]:
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(tmp_path)
    store = open_store(settings.store, settings.write_tokens())
    about = {"license": "MIT", "extra": {"dsprod": {"commit": "0" * 40}}}  # test_report's
    artifact = read_artifact(
        write_package(
            tmp_path / "built", "ana-tokened", "1.0", info_files={"info/about.json": about}
        )
    )

    assert asyncio.run(store.publish(artifact, "unstable")) is True
    package = asyncio.run(lookup.listed(store, "unstable", artifact))
    store.ledger.save_report(test_report(package), None)
    monkeypatch.setenv("DSPROD_TESTING_TOKEN", owner.tokens["unstable"])
    with pytest.raises(StoreRefused) as other_label:
        asyncio.run(store.copy(package, "testing"))
    printed = [str(other_label.value)]

    def promote(**tokens: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*PROMOTE, str(tmp_path)],
            env={**os.environ, **environ, "DSPROD_TESTING_TOKEN": "", **tokens},
            capture_output=True,
            text=True,
        )
        printed.extend((result.stdout, result.stderr))
        return result

    refused = {
        "no write token (set the environment variable DSPROD_TESTING_TOKEN, or store it in"
        " the keyring as service 'dsprod', username 'DSPROD_TESTING_TOKEN')": promote(),
        "the token in DSPROD_TESTING_TOKEN is not a token this server accepts (401)": promote(
            DSPROD_TESTING_TOKEN=fake
        ),
    }
    assert str(other_label.value).endswith(
        "channel 'testing': the token in DSPROD_TESTING_TOKEN may not write this label (403)"
    )
    for problem, result in refused.items():
        assert result.returncode == 3, result.stdout + result.stderr
        [line] = result.stderr.strip().splitlines()
        assert f"channel 'testing': {problem}" in line
    assert asyncio.run(store.packages("testing")) == []

    monkeypatch.setenv("DSPROD_TESTING_TOKEN", owner.tokens["testing"])
    assert asyncio.run(store.copy(package, "testing")) is True
    [promoted] = asyncio.run(store.packages("testing"))
    assert promoted.sha256 == artifact.sha256
    assert [p.filename for p in asyncio.run(store.packages("unstable"))] == [artifact.filename]
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    for token in (fake, *owner.tokens.values()):
        assert not any(token in text for text in printed)
        assert not any(token.encode() in data for data in written)


def test_writers_racing_for_one_file_name_leave_the_first_bytes_and_refuse_the_others(
    standin: AnacondaStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six writers at once, three with one build of a file name and three with other bytes:
    one upload wins (the server answers 409 to a later stage or commit), the writers with
    its bytes see a no-op, the others a refusal; the label lists the winner only."""
    owner = standin.new_owner("ana-race", CHANNEL_LEVELS)
    for name, value in owner.environ(standin.url, tmp_path / "ledger").items():
        monkeypatch.setenv(name, value)
    builds = [
        read_artifact(
            write_package(tmp_path / str(n), "ana-raced", "1.0", timestamp=1_700_000_000_000 + n)
        )
        for n in range(2)
    ]
    start = threading.Barrier(6)

    def publish(artifact: Artifact) -> bool | str:
        settings = load_settings(tmp_path)
        store = open_store(settings.store, settings.write_tokens())
        start.wait()
        try:
            return asyncio.run(store.publish(artifact, "unstable"))
        except StoreRefused as refused:
            return str(refused)

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(publish, [builds[n % 2] for n in range(6)]))

    settings = load_settings(tmp_path)
    [listed] = asyncio.run(open_store(settings.store).packages("unstable"))
    won = 0 if listed.sha256 == builds[0].sha256 else 1
    assert outcomes.count(True) == 1 and outcomes[won::2].count(False) == 2
    assert all("refusing to overwrite" in str(lost) for lost in outcomes[1 - won :: 2])
