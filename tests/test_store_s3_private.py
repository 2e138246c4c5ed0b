"""A private S3 bucket (``store.read: s3``): published, then solved and installed from ``s3://``.

On the session's SeaweedFS, whose anonymous identity may read only the public
test bucket: an anonymous GET of the private channel's index is refused (403),
so what installs here was read with credentials, through the py-rattler client
the store hands out. Each test has a prefix of its own and a fresh rattler cache.
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from dsprod.artifact import read_artifact
from dsprod.config import load_settings
from dsprod.envtest.env import create_env
from dsprod.errors import EnvironmentFailed
from dsprod.pipeline.session import Session
from dsprod.progress import silent
from dsprod.store import open_store
from dsprod.store.s3 import S3Store
from tests.packages import write_package
from tests.store_servers import CREDENTIALS, PRIVATE_BUCKET, S3Server

pytestmark = pytest.mark.e2e


def private_store(server: S3Server, folder: Path) -> tuple[S3Store, Path]:
    """An s3 store with ``read: s3`` under a new prefix of the private bucket, and its project."""
    prefix = f"cred-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "channels.yaml").write_text(
        f"store: {{kind: s3, bucket: {PRIVATE_BUCKET}, prefix: {prefix},"
        f" endpoint_url: '{server.endpoint_url}', region: us-east-1, read: s3}}\n"
        "dependency_channels: [bootstrap]\n"
    )
    store = open_store(load_settings(folder, environ={}).store)
    assert isinstance(store, S3Store)
    return store, folder


def anonymous_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_private_channel_solves_and_installs_from_s3_with_credentials_only(
    seaweedfs: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(tmp_path / "rattler-cache"))
    store, _ = private_store(seaweedfs, tmp_path / "project")
    package = write_package(tmp_path / "build", "cred-private", "1.0")
    assert asyncio.run(store.publish(read_artifact(package), "unstable"))

    url = asyncio.run(store.channel_url("unstable"))
    assert url == f"s3://{PRIVATE_BUCKET}/{store.settings.prefix}/unstable"
    over_http = url.replace("s3://", f"{seaweedfs.endpoint_url}/")
    assert anonymous_status(f"{over_http}/noarch/repodata.json") == 403
    assert anonymous_status(f"{over_http}/noarch/{package.name}") == 403

    installed = asyncio.run(
        create_env(tmp_path / "env", [url], ["cred-private"], silent, client=store.read_client())
    )

    assert installed == ["cred-private 1.0 0"]
    data = tmp_path / "env" / "share" / "cred-private" / "data.txt"
    assert data.read_text() == "cred-private 1.0\n"
    # py-rattler's default client refuses the scheme: the store's client is what read it.
    with pytest.raises(EnvironmentFailed, match="s3://"):
        asyncio.run(create_env(tmp_path / "env-default", [url], ["cred-private"], silent))


def test_a_reader_with_a_wrong_secret_is_refused(
    seaweedfs: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credentials are checked by the server, not just present: a wrong secret fails, in
    one line that names the object without the presigned URL's signature."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(tmp_path / "rattler-cache"))
    store, _ = private_store(seaweedfs, tmp_path / "project")
    package = write_package(tmp_path / "build", "cred-private", "1.0")
    asyncio.run(store.publish(read_artifact(package), "unstable"))
    url = asyncio.run(store.channel_url("unstable"))

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789")
    client = store.read_client()
    with pytest.raises(EnvironmentFailed) as raised:
        asyncio.run(create_env(tmp_path / "env", [url], ["cred-private"], silent, client=client))
    text = str(raised.value)
    assert "403 Forbidden" in text
    assert f"/{PRIVATE_BUCKET}/{store.settings.prefix}/unstable/" in text
    assert "X-Amz-Signature" not in text and "?" not in text and "\n" not in text
    assert "not-the-secret" not in text


def test_the_session_reads_with_the_client_and_builds_without_s3_channels(
    seaweedfs: S3Server,
    bootstrap_channel: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    store, project = private_store(seaweedfs, tmp_path / "project")
    said: list[str] = []
    session = Session(project, load_settings(project, environ={}), said.append)

    channels = asyncio.run(session.channels())
    builds = asyncio.run(session.build_channels())
    asyncio.run(session.build_channels())

    assert channels[0] == f"s3://{PRIVATE_BUCKET}/{store.settings.prefix}/unstable"
    assert builds == channels[1:] and builds
    assert session.read_client is not None
    [warning] = said  # once per command, however many builds ask
    assert warning.startswith(f"warning: builds resolve without {channels[0]}: rattler-build")
