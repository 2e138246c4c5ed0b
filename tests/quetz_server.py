"""A real quetz server for the store tests, in its own virtual env, on 127.0.0.1.

quetz-server's dependencies clash with dsprod's (it needs ``fastapi<0.137`` and
``starlette<1``), so it runs from a virtual env of its own, made by pip from
PyPI the first time and kept in the user's cache folder under a name made from
the pinned requirements: a second run (and CI's second run) reuses it. The time
the first creation took is written beside it (``created-seconds``) and printed.

The server runs in dev mode on SQLite (its dummy login gives API keys without
GitHub), with ``alice`` as its administrator. Each test gets three fresh public
channels and one owner API key per channel (``QuetzServer.new_store``), so tests
share the server but never a channel.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from platformdirs import user_cache_dir

from dsprod.config import CHANNEL_LEVELS
from tests.store_servers import free_port, stop

REQUIREMENTS = ("quetz-server==0.10.4", "fastapi<0.137", "starlette<1")
"""quetz-server and the pins it needs today (newer fastapi/starlette break it)."""
ADMIN = "alice"
"""A user quetz's dev mode creates; the config makes it the server's administrator."""
CONFIG = """\
[sqlalchemy]
database_url = "sqlite:///./quetz.sqlite"

[session]
secret = "{secret}"
https_only = false

[logging]
level = "WARNING"

[users]
admins = ["dummy:{admin}"]
"""
LEVELS = CHANNEL_LEVELS
"""Every channel a store names, broken included (``dsprod status`` lists it, a yank writes it)."""


def quetz_venv() -> Path:
    """The cached virtual env holding quetz-server (made once per set of requirements)."""
    key = hashlib.sha256("\n".join((sys.version, *REQUIREMENTS)).encode()).hexdigest()[:16]
    cache = Path(user_cache_dir("dsprod")) / "quetz-venvs"
    venv = cache / key
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"{key}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test sessions make it once
        if (venv / "created-seconds").is_file():
            made = (venv / "created-seconds").read_text().strip()
            print(f"quetz-server's virtual env: cached in {venv} (made in {made} s)")
            return venv
        shutil.rmtree(venv, ignore_errors=True)  # an attempt cut short: no marker written
        started = time.monotonic()
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *REQUIREMENTS],
                check=True,
            )
        except subprocess.CalledProcessError as error:
            pytest.fail(f"could not make quetz-server's virtual env in {venv}: {error}")
        seconds = time.monotonic() - started
        (venv / "created-seconds").write_text(f"{seconds:.1f}\n")  # the marker: written last
        print(f"quetz-server's virtual env made in {seconds:.1f} s: {venv}")
        return venv


@dataclass(frozen=True)
class QuetzStoreAccess:
    """Fresh channels on the server, one per level, and the owner key of each (the tokens)."""

    channels: dict[str, str]
    """Maturity level -> quetz channel name."""
    tokens: dict[str, str]
    """Maturity level -> an API key owning that channel only."""

    def environ(self, url: str, ledger: Path, levels: tuple[str, ...] = LEVELS) -> dict[str, str]:
        """What a dsprod process needs to use these channels, with the tokens of ``levels``."""
        return {
            "DSPROD_STORE_KIND": "quetz",
            "DSPROD_QUETZ_URL": url,
            "DSPROD_QUETZ_LEDGER": str(ledger),
            **{f"DSPROD_CHANNEL_{lv.upper()}": name for lv, name in self.channels.items()},
            **{f"DSPROD_{lv.upper()}_TOKEN": self.tokens[lv] for lv in levels},
        }


@dataclass(frozen=True)
class QuetzServer:
    """A running quetz server: its URL, its package folder and its process."""

    url: str
    deployment: Path
    pid: int

    def admin(self) -> requests.Session:
        """An HTTP session logged in as the administrator (dev mode's dummy login)."""
        session = requests.Session()
        answer = session.get(f"{self.url}/api/dummylogin/{ADMIN}", allow_redirects=False)
        assert answer.status_code in (200, 307), answer.text
        return session

    def new_store(self, prefix: str) -> QuetzStoreAccess:
        """New public channels named ``<prefix>-<random>-<level>``, an owner key each.

        Each with ttl 0, as dsprod asks: quetz's default lets solvers cache an index 10 h.
        """
        admin = self.admin()
        tag = uuid.uuid4().hex[:8]
        channels = {level: f"{prefix}-{tag}-{level}" for level in LEVELS}
        tokens = {}
        for level, name in channels.items():
            made = admin.post(
                f"{self.url}/api/channels", json={"name": name, "private": False, "ttl": 0}
            )
            assert made.status_code == 201, made.text
            key = admin.post(
                f"{self.url}/api/api-keys",
                json={"description": name, "roles": [{"role": "owner", "channel": name}]},
            )
            assert key.status_code == 201, key.text
            tokens[level] = key.json()["key"]
        return QuetzStoreAccess(channels, tokens)

    def package_file(self, channel: str, subdir: str, filename: str) -> Path:
        """Where quetz keeps a channel's file on disk (to damage it behind quetz's back)."""
        return self.deployment / "channels" / channel / subdir / filename


@contextmanager
def running_quetz(folder: Path) -> Iterator[QuetzServer]:
    """Create a dev deployment on SQLite and start quetz on a free loopback port; stop by pid."""
    quetz = quetz_venv() / "bin" / "quetz"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(CONFIG.format(secret=uuid.uuid4().hex, admin=ADMIN))
    deployment = folder / "deployment"
    log = (folder / "server.log").open("wb")
    started = time.monotonic()
    subprocess.run(
        [str(quetz), "create", str(deployment), "--copy-conf", "config.toml", "--dev"],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [
            str(quetz),
            "start",
            str(deployment),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-supervisor",
        ],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = QuetzServer(f"http://127.0.0.1:{port}", deployment, process.pid)
    try:
        deadline = time.monotonic() + 60
        while not _answers(server.url):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (folder / "server.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"quetz did not start (exit {process.poll()}):\n{tail}")
            time.sleep(0.1)
        print(f"quetz created and started in {time.monotonic() - started:.1f} s")
        yield server
    finally:
        stop(process, log)


def _answers(url: str) -> bool:
    try:
        requests.get(f"{url}/api/channels", timeout=1).close()
    except requests.RequestException:
        return False
    return True
