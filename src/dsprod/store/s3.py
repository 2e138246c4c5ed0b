"""A store in S3-compatible object storage (AWS S3, SeaweedFS, MinIO, Ceph): one store, many hosts.

Layout under ``s3://<bucket>/<prefix>/``::

    <channel>/<subdir>/<package files> + repodata.json(.zst) (a static conda channel)
    .dsprod/pending/<channel>/<subdir>/<sha256>/<file>.json (publishes and copies under way)
    .dsprod/reports/<sha256>.json, .dsprod/reports/<sha256>.xml
    .dsprod/promotions/<token>.json                          (one object per log entry)
    .dsprod/intents/<token>.json                             (promotions under way)
    .dsprod/owners/<name>.json                               (one object per package name)

Channel names cannot start with a dot, so ``.dsprod/`` is never a channel.

There is no lock to hold across machines, so every write that could race is a
conditional write the server decides (RFC 7232 preconditions, which AWS S3,
SeaweedFS and moto honour on PutObject):

* A package file is created with ``If-None-Match: *``: of two writers of one
  name, one creates it; the other compares sha256 and either has nothing to do
  (same bytes) or is refused (other bytes). Nothing is ever overwritten.
* ``repodata.json`` is read with its ETag, the new record added, and written
  back with ``If-Match`` on that ETag; a 412 means another writer got there
  first, so the index is read again and the record added again. No record is
  lost however many writers run at once.
* ``repodata.json.zst`` (what py-rattler fetches first when it is there)
  follows ``repodata.json``. Each index write carries a revision in the
  object's metadata, one more than the index it replaced (or the clock in
  nanoseconds, if larger: an index rewritten by another tool has none); the
  writer then writes the compressed index with ``If-Match`` on the ``.zst``'s
  ETag unless the ``.zst`` already holds that revision or a later one. A 412
  means another writer wrote it: compare again. So an older index never
  replaces a newer one, and no write waits on another. A writer killed between
  the two writes leaves a ``.zst`` one edit behind (the channel as it was
  before a publish that had not returned), brought up to date by the next
  edit or publish, which completes the killed one.
* Each promotion log entry and each owner is its own object, created with
  ``If-None-Match: *`` (an owner transfer is an ``If-Match`` update): there is
  no shared file to append to, and so no lost append.

Crash safety. A writer announces a publish or copy with a *pending* object
holding the index record before it writes the package, and deletes it once the
index lists the record. A writer killed in between leaves the pending object;
the next publish into that subdir, or the next listing of the channel, adds the
record of every pending package whose bytes are there (sha256 checked), which
completes the killed publish. A pending object whose package never arrived is
dropped once it is older than ``LEASE_S`` (its writer is surely gone).

A yank's removal unlists the record (``If-Match``, like an addition) and then
deletes the object: an object the index does not list is never indexed again
(only pending ones are), so a kill in between leaves nothing a reader sees.

Readers. How solvers, test envs and builds read the channels is ``read``:

* ``read: http`` (the default): ``channel_url`` is the channel over HTTP(S)
  (``read_url``, else path-style under the endpoint, else the bucket's AWS
  URL): the bucket must let the readers GET the prefix (a public-read policy,
  or a gateway or CDN at ``read_url``).
* ``read: s3``: for a private bucket. ``channel_url`` is ``s3://BUCKET/PREFIX/CHANNEL``
  and ``read_client`` a py-rattler client whose S3 middleware presigns each GET
  for the endpoint and region (path-style addressing under an endpoint), with
  the reader's credentials from AWS's standard chain (``AWS_ACCESS_KEY_ID``
  and ``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, ``~/.aws``, instance roles).
  py-rattler 0.28 reads ``s3://`` only through such a client (its default
  Gateway refuses the scheme); py-rattler-build 0.73's Python API makes its
  own client without S3 middleware and cannot read ``s3://`` at all, so builds
  resolve without the store's channels (the session says so).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import random
import re
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import boto3
import botocore.config
import botocore.exceptions
from rattler import Subdir
from rattler.networking import AuthenticationMiddleware, Client, RetryMiddleware, S3Middleware
from rattler.networking.middleware import S3Config

from dsprod.artifact import Artifact
from dsprod.errors import InputError, StoreRefused
from dsprod.store.base import StoredPackage, WriteTokens
from dsprod.store.ledger import (
    Intent,
    OwnerChange,
    Ownership,
    PromotionEntry,
    TestReport,
    next_ownership,
)
from dsprod.store.repodata import compressed, record_of

NOARCH = "noarch"
META = ".dsprod"
"""Where the ledger and the pending records live under the prefix (never a channel name)."""
LEASE_S = 600.0
"""How old a pending record or an intent of another host must be before it counts as abandoned."""
ATTEMPTS = 200
"""Conditional index writes tried before giving up (each loses only to a writer that won)."""
DEFAULT_REGION = "us-east-1"
REVISION = "dsprod-revision"
"""Metadata of ``repodata.json`` and its ``.zst``: which edit of the index they hold."""

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
"""S3's bucket naming rules (lower case, digits, dots and hyphens, 3 to 63 characters)."""
_PREFIX = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._/-]*")
_SETTINGS = ("bucket", "prefix", "endpoint_url", "region", "profile", "read_url", "read")
READ_MODES = ("http", "s3")
"""How readers reach the channels: anonymous HTTP(S) GETs, or ``s3://`` with credentials."""


@dataclass(frozen=True)
class S3Settings:
    """The ``store:`` section of channels.yaml for ``kind: s3`` (never credentials)."""

    bucket: str
    prefix: str
    """Folder of the store inside the bucket, without slashes at the ends ("" for the root)."""
    endpoint_url: str | None
    """An S3-compatible server (``http://127.0.0.1:8333``); None for AWS itself."""
    region: str
    profile: str | None
    """A profile of ~/.aws/config to take credentials from (the name only, never a secret)."""
    read_url: str | None
    """Where readers GET the prefix, if not the endpoint itself (a CDN, a gateway)."""
    read: str = "http"
    """``http``: readers GET the channels anonymously; ``s3``: over ``s3://`` with credentials."""
    kind: str = "s3"


class S3Store:
    """Channels, their indexes and the ledger as objects under one bucket prefix.

    Credentials come from boto3's usual chain: ``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY`` (and ``AWS_SESSION_TOKEN``), ``AWS_PROFILE`` or
    the ``profile`` setting, instance roles. channels.yaml never holds them.
    """

    kind = "s3"
    settings_keys = frozenset(_SETTINGS)

    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        self.objects = Objects(settings)
        self.ledger = S3Ledger(self.objects)
        self._channels: set[str] = set()
        """Channels this process saw with their indexes (channels are never deleted)."""

    @classmethod
    def parse_settings(
        cls, section: Mapping[str, Any], where: str, base: Path, location: str | None
    ) -> S3Settings:
        """Validate the section; ``location`` ($DSPROD_STORE) may be ``s3://BUCKET/PREFIX``."""
        values = dict(section)
        if location:
            if not location.startswith("s3://"):
                raise InputError(
                    f"DSPROD_STORE: an s3 store's location is s3://BUCKET/PREFIX, got {location!r}"
                )
            named, _, prefix = location.removeprefix("s3://").partition("/")
            values.update(bucket=named, prefix=prefix)
        for key in _SETTINGS:
            value = values.get(key)
            if value is not None and not isinstance(value, str):
                raise InputError(
                    f"{where}: 'store.{key}' must be a string, got {type(value).__name__} {value!r}"
                )
        bucket: str = values.get("bucket") or ""
        if not bucket or not _BUCKET.fullmatch(bucket):
            raise InputError(
                f"{where}: 'store.bucket' must be an S3 bucket name (3-63 lower-case letters,"
                f" digits, '.' and '-'), got {bucket!r}"
            )
        prefix = (values.get("prefix") or "").strip("/")
        if prefix and (not _PREFIX.fullmatch(prefix) or ".." in prefix.split("/")):
            raise InputError(
                f"{where}: 'store.prefix' must be a folder in the bucket (letters, digits,"
                f" '.', '_', '-', '/'), got {values.get('prefix')!r}"
            )
        for key in ("endpoint_url", "read_url"):
            url = values.get(key)
            if url is not None and not re.fullmatch(r"https?://[^\s/@]+(/\S*)?", url):
                raise InputError(
                    f"{where}: 'store.{key}' must be an http(s) URL without credentials,"
                    f" got {url!r}"
                )
        read = values.get("read") or READ_MODES[0]
        if read not in READ_MODES:
            raise InputError(
                f"{where}: 'store.read' must be one of: {', '.join(READ_MODES)}"
                f" (http: a publicly readable prefix; s3: a private bucket), got {read!r}"
            )
        if read == "s3":
            for key, why in (
                ("read_url", "is where 'read: http' readers GET the channels"),
                ("profile", "is not seen by py-rattler's S3 reader: set AWS_PROFILE instead"),
            ):
                if values.get(key):
                    raise InputError(f"{where}: 'store.{key}' {why}; not with 'store.read: s3'")
        return S3Settings(
            bucket=bucket,
            prefix=prefix,
            endpoint_url=(values.get("endpoint_url") or "").rstrip("/") or None,
            region=values.get("region") or DEFAULT_REGION,
            profile=values.get("profile") or None,
            read_url=(values.get("read_url") or "").rstrip("/") or None,
            read=read,
        )

    @classmethod
    def open(cls, settings: S3Settings, tokens: WriteTokens) -> S3Store:
        """Writers authenticate with AWS credentials (bucket policies say who writes where)."""
        return cls(settings)

    def describe(self) -> str:
        where = f" at {self.settings.endpoint_url}" if self.settings.endpoint_url else ""
        return f"s3 store s3://{self.objects.root}{where}"

    async def channel_url(self, channel: str) -> str:
        self._ensure_channel(channel)
        return read_url(self.settings, channel)

    def read_client(self) -> Client | None:
        """With ``read: s3``, the py-rattler client that reads this store's ``s3://`` URLs.

        Retry and authentication as py-rattler's default client has them (other
        channels keep working), and an S3 middleware for this bucket: presigned
        GETs to the endpoint with path-style addressing (SeaweedFS, MinIO, moto
        need it), or to AWS's regional endpoint for ``store.region`` (as pixi's
        ``s3-options`` name it), which the SDK's own configuration would ignore.
        None with ``read: http``.
        """
        if self.settings.read != "s3":
            return None
        endpoint = self.settings.endpoint_url or f"https://s3.{self.settings.region}.amazonaws.com"
        style: Literal["path", "virtual-host"] = (
            "path" if self.settings.endpoint_url else "virtual-host"
        )
        config = S3Config(endpoint, self.settings.region, style)
        return Client(
            [
                RetryMiddleware(),
                AuthenticationMiddleware(),
                S3Middleware({self.settings.bucket: config}),
            ]
        )

    async def publish(self, artifact: Artifact, channel: str) -> bool:
        self._ensure_channel(channel)
        key = self._package_key(channel, artifact.subdir, artifact.filename)
        record = record_of(artifact.path)  # as rattler's indexer (and the local store) make it
        self._complete_pending(channel, artifact.subdir)
        with self._pending(channel, artifact.subdir, artifact.filename, record):
            created = self.objects.create(key, artifact.path.read_bytes(), artifact.sha256)
            if not created:
                self._same_bytes_or_refuse(key, artifact.sha256, channel)
            self._add_records(channel, artifact.subdir, {artifact.filename: record})
        return created

    async def copy(self, package: StoredPackage, target: str) -> bool:
        """Server-side copy, the source's and the copy's sha256 checked against the index."""
        source = self._package_key(package.channel, package.subdir, package.filename)
        if self.objects.sha256(source) != package.sha256:
            raise StoreRefused(
                f"s3://{self.objects.bucket}/{source}: sha256 differs from the index of channel"
                f" '{package.channel}'; the channel is damaged, not copying"
            )
        record = self._index(package.channel, package.subdir)[0].get(package.filename)
        if record is None:
            raise StoreRefused(f"{package.filename} is not in channel '{package.channel}'s index")
        self._ensure_channel(target)
        key = self._package_key(target, package.subdir, package.filename)
        self._complete_pending(target, package.subdir)
        with self._pending(target, package.subdir, package.filename, record):
            created = self.objects.copy(source, key)
            if created:
                if self.objects.sha256(key) != package.sha256:
                    raise StoreRefused(f"s3://{self.objects.bucket}/{key}: copy has other bytes")
            else:
                self._same_bytes_or_refuse(key, package.sha256, target)
            self._add_records(target, package.subdir, {package.filename: record})
        return created

    async def packages(self, channel: str) -> list[StoredPackage]:
        """Every package the channel's index lists, after completing publishes a crash cut short."""
        found: list[StoredPackage] = []
        for subdir in self.objects.folders(self._channel_key(channel)):
            self._complete_pending(channel, subdir)
            records, _ = self._index(channel, subdir)
            found.extend(
                StoredPackage.listed(channel, subdir, filename, record)
                for filename, record in sorted(records.items())
            )
        return found

    async def fetch(self, package: StoredPackage) -> Path:
        """Download the file into a new temporary folder (the caller checks its sha256)."""
        folder = Path(tempfile.mkdtemp(prefix="dsprod-s3-"))
        destination = folder / package.filename
        key = self._package_key(package.channel, package.subdir, package.filename)
        data = self.objects.get(key)
        if data is not None:  # else no file: the caller reports the damaged channel
            destination.write_bytes(data[0])
        return destination

    async def remove(self, package: StoredPackage) -> bool:
        """Unlist ``package`` (a conditional write of the index), then delete its object.

        The index goes first here: this store indexes again only files announced
        as pending, never an object the index does not list, so a kill in
        between leaves an unlisted object nobody serves (the yank's re-run finds
        the package gone and its bytes in broken), never an index that lists a
        missing file.
        """
        key = self._package_key(package.channel, package.subdir, package.filename)
        self._complete_pending(package.channel, package.subdir)
        stored = self.objects.sha256(key)
        if stored is not None and stored != package.sha256:
            raise StoreRefused(
                f"s3://{self.objects.bucket}/{key}: other bytes than the {package.sha256[:12]}..."
                f" asked to be removed from channel '{package.channel}'; not removing it"
            )
        unlisted = self._remove_record(package.channel, package.subdir, package.filename)
        if stored is not None:
            self.objects.delete(key)
        return unlisted or stored is not None

    # -- internals ------------------------------------------------------------------

    def _channel_key(self, channel: str) -> str:
        return self.objects.key(channel)

    def _package_key(self, channel: str, subdir: str, filename: str) -> str:
        return self.objects.key(channel, subdir, filename)

    def _index_key(self, channel: str, subdir: str) -> str:
        return self.objects.key(channel, subdir, "repodata.json")

    def _pending_folder(self, channel: str, subdir: str) -> str:
        return self.objects.key(META, "pending", channel, subdir)

    def _ensure_channel(self, channel: str) -> None:
        """Give a channel an index for noarch and this host's subdir, even when empty.

        Solvers read both; a channel without them is not a channel to them.
        """
        if channel in self._channels:
            return
        for subdir in (NOARCH, str(Subdir.current())):
            key = self._index_key(channel, subdir)
            if not self.objects.exists(key):
                self.objects.create(key, _dumps(_empty_repodata(subdir)), None)
        self._channels.add(channel)

    def _index(self, channel: str, subdir: str) -> tuple[dict[str, Any], str | None]:
        """The subdir's records by file name, and the index object's ETag (None: no index)."""
        key = self._index_key(channel, subdir)
        found = self.objects.get(key)
        if found is None:
            return {}, None
        repodata = _loads(found[0], f"s3://{self.objects.bucket}/{key}")
        if not isinstance(repodata, dict):
            raise StoreRefused(f"s3://{self.objects.bucket}/{key}: not a channel index")
        return {**repodata.get("packages", {}), **repodata.get("packages.conda", {})}, found[1]

    def _add_records(self, channel: str, subdir: str, records: Mapping[str, Any]) -> None:
        """Add records to ``repodata.json`` by conditional writes, retried until one wins."""
        where = f"s3://{self.objects.bucket}/{self._index_key(channel, subdir)}"

        def add(repodata: dict[str, Any]) -> bool:
            listed = {**repodata.get("packages", {}), **repodata.get("packages.conda", {})}
            missing = {}
            for filename, record in records.items():
                if filename not in listed:
                    missing[filename] = record
                elif listed[filename]["sha256"] != record["sha256"]:
                    raise StoreRefused(f"{where}: lists other bytes for {filename}")
            for filename, record in missing.items():
                section = "packages.conda" if filename.endswith(".conda") else "packages"
                repodata.setdefault(section, {})[filename] = record
            return bool(missing)

        self._edit_index(channel, subdir, add)

    def _remove_record(self, channel: str, subdir: str, filename: str) -> bool:
        """Unlist ``filename`` by conditional writes; False if the index did not list it."""

        def remove(repodata: dict[str, Any]) -> bool:
            return any(
                repodata.get(section, {}).pop(filename, None) is not None
                for section in ("packages", "packages.conda")
            )

        return self._edit_index(channel, subdir, remove)

    def _edit_index(
        self, channel: str, subdir: str, edit: Callable[[dict[str, Any]], bool]
    ) -> bool:
        """Apply ``edit`` to ``repodata.json`` and write it back only if the index is unchanged
        since read (``If-Match``), reading it again until a write wins; False: nothing to edit."""
        key = self._index_key(channel, subdir)
        where = f"s3://{self.objects.bucket}/{key}"
        for attempt in range(ATTEMPTS):
            found = self.objects.read(key)
            repodata = _loads(found.data, where) if found else _empty_repodata(subdir)
            revision = _revision(found.metadata) if found else 0
            if not edit(repodata):
                if found is not None:  # it may be the edit a killed writer's .zst lacks
                    self._follow_index(channel, subdir, found.data, revision)
                return False
            document = _dumps(repodata)
            revision = max(revision + 1, time.time_ns())
            etag = found.etag if found else None
            if self.objects.replace(key, document, etag, metadata=_revised(revision)):
                self._follow_index(channel, subdir, document, revision)
                return True
            # Full-jitter backoff: writers started together fall out of step. Measured with 8
            # writers x 25 packages on moto: 80 s with no more than 0.05 s, 37-41 s so.
            time.sleep(random.uniform(0, min(0.8, 0.04 * 2 ** min(attempt, 6))))
        raise StoreRefused(f"{where}: {ATTEMPTS} conditional writes lost to other writers")

    def _follow_index(self, channel: str, subdir: str, document: bytes, revision: int) -> None:
        """Write ``repodata.json.zst`` from the index at ``revision`` unless it holds that
        revision or a later one (see the module docstring): one HEAD and one PUT a publish."""
        follower = f"{self._index_key(channel, subdir)}.zst"
        data = None
        for _ in range(ATTEMPTS):
            head = self.objects.head(follower)
            if head is not None and _revision(head.get("Metadata", {})) >= revision:
                return
            data = data if data is not None else compressed(document)
            etag = head["ETag"] if head else None
            if self.objects.replace(follower, data, etag, metadata=_revised(revision)):
                return
        raise StoreRefused(
            f"s3://{self.objects.bucket}/{follower}: {ATTEMPTS} conditional writes lost"
        )

    @contextlib.contextmanager
    def _pending(
        self, channel: str, subdir: str, filename: str, record: Mapping[str, Any]
    ) -> Iterator[None]:
        """Announce a file and its record before writing them; forget it once indexed."""
        key = f"{self._pending_folder(channel, subdir)}/{record['sha256']}/{filename}.json"
        document = {"record": record, "started": time.time()}
        self.objects.put(key, _dumps(document))
        try:
            yield
        except StoreRefused:  # nothing of these bytes will be indexed: nothing to complete
            self.objects.delete(key)
            raise
        self.objects.delete(key)

    def _complete_pending(self, channel: str, subdir: str) -> None:
        """Index what killed writers uploaded; drop announcements whose bytes never came."""
        folder = self._pending_folder(channel, subdir)
        complete: dict[str, Any] = {}
        done: list[str] = []
        for key in self.objects.keys(folder):
            found = self.objects.get(key)
            if found is None:  # its writer finished meanwhile
                continue
            document = _loads(found[0], f"s3://{self.objects.bucket}/{key}")
            record = document["record"]
            filename = key.rsplit("/", 1)[1].removesuffix(".json")
            stored = self.objects.sha256(self._package_key(channel, subdir, filename))
            if stored == record["sha256"]:
                complete[filename] = record
                done.append(key)
            elif time.time() - float(document["started"]) > LEASE_S:
                done.append(key)  # its bytes never came (or are another writer's): abandoned
        if complete:
            self._add_records(channel, subdir, complete)
        for key in done:
            self.objects.delete(key)

    def _same_bytes_or_refuse(self, key: str, sha256: str, channel: str) -> None:
        if self.objects.sha256(key) != sha256:
            raise StoreRefused(
                f"s3://{self.objects.bucket}/{key}: a package of this name with other bytes is"
                f" already in channel '{channel}'; refusing to overwrite it"
                " (bump the version or build number)"
            )


def read_url(settings: S3Settings, channel: str) -> str:
    """Where solvers read a channel: ``s3://`` (``read: s3``), else over HTTP(S) from
    ``read_url``, the endpoint, or AWS's URL."""
    if settings.read == "s3":
        parts = (settings.bucket, settings.prefix, channel)
        return "s3://" + "/".join(part for part in parts if part)
    if settings.read_url:
        base = settings.read_url
    elif settings.endpoint_url:
        base = f"{settings.endpoint_url}/{settings.bucket}"  # path-style: any host works
    else:
        base = f"https://{settings.bucket}.s3.{settings.region}.amazonaws.com"
    return "/".join(part for part in (base, settings.prefix, channel) if part)


@dataclass(frozen=True)
class Stored:
    """An object as read: its bytes, its ETag, its user metadata (``x-amz-meta-*``)."""

    data: bytes
    etag: str
    metadata: Mapping[str, str]


class Objects:
    """The few object operations the store needs, each one a clear one-line error if it fails."""

    def __init__(self, settings: S3Settings) -> None:
        self.bucket = settings.bucket
        self.prefix = settings.prefix
        self.root = "/".join(part for part in (settings.bucket, settings.prefix) if part)
        config = botocore.config.Config(
            s3={"addressing_style": "path"} if settings.endpoint_url else {},
            retries={"mode": "standard", "max_attempts": 5},
            # Only checksums asked for: some S3-compatible servers refuse trailing checksums.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        with self._errors("opening the store"):
            session = boto3.Session(profile_name=settings.profile)
            self.client = session.client(
                "s3",
                endpoint_url=settings.endpoint_url,
                region_name=settings.region,
                config=config,
            )

    def key(self, *parts: str) -> str:
        return "/".join(part for part in (self.prefix, *parts) if part)

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and ETag, or None if there is none."""
        found = self.read(key)
        return None if found is None else (found.data, found.etag)

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def sha256(self, key: str) -> str | None:
        """The object's sha256 (hex) as the server computed it, else of its bytes; None: absent."""
        head = self.head(key)
        if head is None:
            return None
        checksum = head.get("ChecksumSHA256") or ""
        if checksum and "-" not in checksum:  # "-N": a multipart upload's checksum of checksums
            with contextlib.suppress(binascii.Error):
                return base64.b64decode(checksum).hex()
        found = self.get(key)
        return hashlib.sha256(found[0]).hexdigest() if found else None

    def create(self, key: str, data: bytes, sha256: str | None) -> bool:
        """Create the object unless one exists (``If-None-Match: *``); False if one did."""
        extra: dict[str, Any] = {}
        if sha256 is not None:  # the server checks the bytes it received, and keeps the digest
            extra["ChecksumSHA256"] = base64.b64encode(bytes.fromhex(sha256)).decode()
        with self._errors(f"writing {key}"):
            try:
                self.client.put_object(
                    Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*", **extra
                )
            except botocore.exceptions.ClientError as error:
                if _conflict(error):
                    return False
                raise
        return True

    def replace(
        self, key: str, data: bytes, etag: str | None, metadata: Mapping[str, str] | None = None
    ) -> bool:
        """Write the object (with ``metadata``) if it still has ``etag`` (None: if it still
        does not exist); False if it had another."""
        condition: dict[str, Any] = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        if metadata:
            condition["Metadata"] = dict(metadata)
        with self._errors(f"writing {key}"):
            try:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **condition)
            except botocore.exceptions.ClientError as error:
                if _conflict(error) or _code(error) in ("NoSuchKey", "404"):
                    return False
                raise
        return True

    def read(self, key: str) -> Stored | None:
        """The object's bytes, ETag and metadata, or None if there is none."""
        with self._errors(f"reading {key}"):
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=key)
            except botocore.exceptions.ClientError as error:
                if _code(error) in ("NoSuchKey", "404"):
                    return None
                raise
            return Stored(answer["Body"].read(), answer["ETag"], answer.get("Metadata", {}))

    def put(self, key: str, data: bytes) -> None:
        """Write an object nobody else writes under that key."""
        with self._errors(f"writing {key}"):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def copy(self, source: str, key: str) -> bool:
        """Server-side copy unless ``key`` exists; False if it did."""
        if self.exists(key):  # not every server honours If-None-Match on a copy
            return False
        with self._errors(f"copying {source} to {key}"):
            try:
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=key,
                    CopySource={"Bucket": self.bucket, "Key": source},
                    IfNoneMatch="*",
                )
            except botocore.exceptions.ClientError as error:
                if _conflict(error):
                    return False
                raise
        return True

    def delete(self, key: str) -> None:
        with self._errors(f"deleting {key}"):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def keys(self, folder: str) -> list[str]:
        """Every key under ``folder/``, in key order."""
        found: list[str] = []
        with self._errors(f"listing {folder}/"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"{folder}/"
            )
            for page in pages:
                found.extend(item["Key"] for item in page.get("Contents", ()))
        return sorted(found)

    def folders(self, folder: str) -> list[str]:
        """The names of the folders directly under ``folder/`` (a channel's subdirs)."""
        found: list[str] = []
        with self._errors(f"listing {folder}/"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"{folder}/", Delimiter="/"
            )
            for page in pages:
                found.extend(
                    item["Prefix"][len(folder) + 1 :].rstrip("/")
                    for item in page.get("CommonPrefixes", ())
                )
        return sorted(found)

    def head(self, key: str) -> dict[str, Any] | None:
        """The object's ETag, metadata and checksum as HEAD gives them; None if there is none."""
        with self._errors(f"reading {key}"):
            try:
                head: dict[str, Any] = self.client.head_object(
                    Bucket=self.bucket, Key=key, ChecksumMode="ENABLED"
                )
            except botocore.exceptions.ClientError as error:
                if _code(error) in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise
            return head

    @contextlib.contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Turn what boto3 raises into one line naming the store and the object."""
        where = f"s3 store s3://{self.root}"
        try:
            yield
        except botocore.exceptions.NoCredentialsError:
            raise StoreRefused(
                f"{where}: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,"
                " or AWS_PROFILE, or 'store.profile' in channels.yaml)"
            ) from None
        except botocore.exceptions.ProfileNotFound as error:
            raise InputError(f"{where}: {error}") from None
        except botocore.exceptions.ClientError as error:
            message = error.response.get("Error", {}).get("Message") or _code(error)
            raise StoreRefused(f"{where}: {what}: {_code(error)}: {message}") from None
        except botocore.exceptions.BotoCoreError as error:  # unreachable endpoint and the like
            raise StoreRefused(f"{where}: {what}: {error}") from None


class S3Ledger:
    """Reports, the promotion log, intents and owners, one object each (see the module docstring).

    An intent names its host and process. Another process counts it as
    interrupted once that process is gone (same host) or the intent is older
    than ``LEASE_S`` (another host). Finishing one writes its log entry under a
    key made from the intent's token, created only if absent, so an intent
    finished twice (by its process and by a recoverer) is logged once.
    """

    def __init__(self, objects: Objects) -> None:
        self.objects = objects
        self._held: set[str] = set()

    def save_report(self, report: TestReport, junit_xml: Path | None) -> TestReport:
        kept_xml = None
        if junit_xml is not None and junit_xml.is_file():
            xml_key = self.objects.key(META, "reports", f"{report.sha256}.xml")
            self.objects.put(xml_key, junit_xml.read_bytes())
            kept_xml = self._url(xml_key)
        key = self.objects.key(META, "reports", f"{report.sha256}.json")
        kept = report.kept_at(self._url(key), kept_xml)
        data = json.dumps(kept.to_json(), indent=2, sort_keys=True).encode()
        self.objects.put(key, data)
        return kept.with_digest(hashlib.sha256(data).hexdigest())

    def load_report(self, sha256: str) -> TestReport | None:
        key = self.objects.key(META, "reports", f"{sha256}.json")
        found = self.objects.get(key)
        if found is None:
            return None
        report = TestReport.from_json(_loads(found[0], self._url(key)), self._url(key))
        return report.with_digest(hashlib.sha256(found[0]).hexdigest())

    def load_junit(self, sha256: str) -> bytes | None:
        found = self.objects.get(self.objects.key(META, "reports", f"{sha256}.xml"))
        return found[0] if found else None

    def append_log(self, entry: PromotionEntry) -> None:
        self._log(_token(), entry)

    def read_log(self) -> list[PromotionEntry]:
        """Every entry, oldest first (keys start with the time they were made)."""
        entries = []
        for key in self.objects.keys(self.objects.key(META, "promotions")):
            found = self.objects.get(key)
            if found is not None:
                entries.append(PromotionEntry.from_json(_loads(found[0], self._url(key)), key))
        return entries

    def begin(self, entry: PromotionEntry, channel: str) -> Intent:
        token = _token()
        document = {
            "channel": channel,
            "entry": entry.to_json(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": time.time(),
        }
        self.objects.put(self._intent_key(token), _dumps(document))
        self._held.add(token)
        return Intent(entry=entry, channel=channel, token=token)

    def finish(self, intent: Intent, happened: bool) -> None:
        if happened:
            self._log(intent.token, intent.entry)
        self.objects.delete(self._intent_key(intent.token))
        self._held.discard(intent.token)

    def interrupted(self) -> list[Intent]:
        found = []
        for key in self.objects.keys(self.objects.key(META, "intents")):
            token = key.rsplit("/", 1)[1].removesuffix(".json")
            stored = self.objects.get(key) if token not in self._held else None
            if stored is None:
                continue
            try:
                document = json.loads(stored[0])
                entry = PromotionEntry.from_json(document["entry"], self._url(key))
                live = _alive(document["host"], int(document["pid"]))
                if live and time.time() - float(document["started"]) < LEASE_S:
                    continue
                found.append(Intent(entry, document["channel"], token))
            except (ValueError, TypeError, KeyError, StoreRefused):
                self.objects.delete(key)  # not an intent this ledger wrote
        return found

    def owners(self) -> list[Ownership]:
        found = []
        for key in self.objects.keys(self.objects.key(META, "owners")):
            stored = self.objects.get(key)
            if stored is not None:
                name = key.rsplit("/", 1)[1].removesuffix(".json")
                found.append(Ownership.from_json(name, _loads(stored[0], key), self._url(key)))
        return sorted(found, key=lambda ownership: ownership.name)

    def claim_owner(self, name: str, change: OwnerChange) -> Ownership:
        key = self._owner_key(name)
        ownership = next_ownership(name, None, change)
        if self.objects.create(key, _dumps(ownership.to_json()), None):
            return ownership
        stored = self.objects.get(key)
        if stored is None:  # cannot happen: owners are never deleted
            raise StoreRefused(f"{self._url(key)}: vanished while being read")
        return Ownership.from_json(name, _loads(stored[0], key), self._url(key))

    def transfer_owner(self, name: str, change: OwnerChange) -> Ownership:
        key = self._owner_key(name)
        for _ in range(ATTEMPTS):
            stored = self.objects.get(key)
            before = (
                Ownership.from_json(name, _loads(stored[0], key), self._url(key))
                if stored
                else None
            )
            ownership = next_ownership(name, before, change)
            etag = stored[1] if stored else None
            if self.objects.replace(key, _dumps(ownership.to_json()), etag):
                return ownership
            time.sleep(random.uniform(0, 0.05))
        raise StoreRefused(f"{self._url(key)}: {ATTEMPTS} conditional writes lost to other writers")

    def _log(self, token: str, entry: PromotionEntry) -> None:
        """Create the entry's object; one that exists already is this very entry, logged."""
        key = self.objects.key(META, "promotions", f"{token}.json")
        self.objects.create(key, _dumps(entry.to_json()), None)

    def _intent_key(self, token: str) -> str:
        return self.objects.key(META, "intents", f"{token}.json")

    def _owner_key(self, name: str) -> str:
        return self.objects.key(META, "owners", f"{name}.json")

    def _url(self, key: str) -> str:
        return f"s3://{self.objects.bucket}/{key}"


def _token() -> str:
    """A unique name that sorts by creation time (nanoseconds, then randomness)."""
    return f"{time.time_ns():020d}-{uuid.uuid4().hex}"


def _alive(host: str, pid: int) -> bool:
    """Whether the process may still run: on another host, assume so (the lease decides)."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _empty_repodata(subdir: str) -> dict[str, Any]:
    return {
        "info": {"subdir": subdir},
        "packages": {},
        "packages.conda": {},
        "removed": [],
        "repodata_version": 1,
    }


def _revision(metadata: Mapping[str, str]) -> int:
    """The index revision an object's metadata records (0: none, or not a number)."""
    value = metadata.get(REVISION, "")
    return int(value) if value.isdigit() else 0


def _revised(revision: int) -> dict[str, str]:
    return {REVISION: str(revision)}


def _dumps(document: Any) -> bytes:
    """Compact JSON: every publish reads and writes the whole index, which only machines read."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _loads(data: bytes, where: str) -> Any:
    """Parse a stored JSON object; bytes that are not JSON are a damaged store (one line)."""
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as error:
        raise StoreRefused(f"{where}: not valid JSON ({error}); the store is damaged") from None


def _code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _conflict(error: botocore.exceptions.ClientError) -> bool:
    """A precondition lost to another writer (412), or AWS's 409 for a concurrent conditional."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status in (409, 412) or _code(error) in (
        "PreconditionFailed",
        "ConditionalRequestConflict",
    )
