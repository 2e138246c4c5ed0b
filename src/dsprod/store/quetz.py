"""A store on a quetz server (mamba-org's conda server): maturity channels are quetz channels.

Writing goes through quetz's upload API (``POST /api/channels/<channel>/upload/<file>``
with the file's sha256, which the server checks), authenticated by the API key
of the channel written: the token in the environment variable channels.yaml
names for that channel, or else in the keyring (``WriteTokens``). Reading is anonymous, from quetz's
static channel URLs (``<url>/get/<channel>``), so solvers, test envs and
rattler-build read them as any conda channel: the channels must be public.

quetz re-indexes a channel in a background task after it answers an upload, so
a publish waits until the channel's ``repodata.json`` lists the new file before
it returns: what a publish returns, every reader can solve.

Freshness. quetz serves a channel's index with ``Cache-Control: max-age=<ttl>``
(the channel's ``ttl``, 10 hours unless set), and rattler then trusts its cached
copy for that long: a test env would not see the package just published. dsprod
therefore refuses to hand a solver a channel whose ttl is not 0 (readers then
revalidate the index by its ETag on every solve, which costs one small request).

Byte identity. quetz answers 409 to a second upload of a package (it keeps the
first, never overwrites); dsprod checks the listed sha256 first, so identical
bytes are a no-op and other bytes are refused with the usual message.

Promotion. quetz has no copy call: ``copy`` downloads the file from the source
channel, checks its sha256 against the source channel's index, and uploads the
bytes into the target channel (the server checks the sha256 again on arrival).

Removal (``dsprod yank``'s last step, after the bytes were copied to broken).
quetz deletes one package file with ``DELETE /api/channels/<channel>/packages/
<name>/versions/<subdir>/<file>`` (quetz 0.10.4, ``quetz/main.py``): it drops the
version from its database and its package store, then re-indexes the subdir in
a background task. quetz lets the same keys delete that may upload (the
channel's owner or maintainer role, or the package's), so the channel's write
token (``WriteTokens``) removes too. Before deleting, ``remove`` reads the
version's record (``GET`` on the same path; its ``info`` holds the sha256 quetz
computed on upload and lists in the index) and refuses other bytes than the
ones asked for; afterwards it waits until the index no longer lists the file,
as a publish waits until it does. A remove killed after its request is
completed by quetz's own re-index; running it again finds no version and
returns False.

The ledger (test reports, the promotion log, owners) cannot live in quetz: it
lives in a folder named by ``store.ledger`` (relative to channels.yaml), kept as
the local store keeps its own, which every writer must share (a network
filesystem, or one CI runner that promotes).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from dsprod.artifact import Artifact, sha256_of
from dsprod.errors import InputError, StoreRefused
from dsprod.store.base import StoredPackage, WriteTokens
from dsprod.store.local import FileLedger

NOARCH = "noarch"
INDEX_WAIT_S = 60.0
"""How long a publish (a remove) waits for quetz's background re-index to list (drop) a file."""
TIMEOUT_S = 60.0
"""Seconds any one request may take (connect and read)."""
_URL = re.compile(r"https?://[^\s/@?#]+(/[^\s?#]*)?")
"""An http(s) URL with no credentials, query or fragment (tokens never go in URLs)."""


@dataclass(frozen=True)
class QuetzSettings:
    """The ``store:`` section of channels.yaml for ``kind: quetz`` (never a token)."""

    url: str
    """The server's base URL, without a trailing slash (``http://127.0.0.1:8000``)."""
    ledger: Path
    """The folder holding test reports, the promotion log and owners (quetz cannot)."""
    kind: str = "quetz"


class QuetzStore:
    """Channels on a quetz server; the ledger in a shared folder."""

    kind = "quetz"
    settings_keys = frozenset({"url", "ledger"})

    def __init__(self, settings: QuetzSettings, tokens: WriteTokens) -> None:
        self.settings = settings
        self.url = settings.url
        self.tokens = tokens
        self.ledger = FileLedger(settings.ledger)
        self.http = requests.Session()

    @classmethod
    def parse_settings(
        cls, section: Mapping[str, Any], where: str, base: Path, location: str | None
    ) -> QuetzSettings:
        """Validate the section; ``location`` ($DSPROD_STORE) may give the server's URL."""
        url = location or section.get("url")
        if not isinstance(url, str) or not _URL.fullmatch(url):
            shown = "" if isinstance(url, str) and "@" in url else f", got {url!r}"
            raise InputError(
                f"{where}: 'store.url' must be the quetz server's http(s) URL without"
                f" credentials{shown}"
            )
        ledger = section.get("ledger")
        if not isinstance(ledger, str) or not ledger:
            raise InputError(
                f"{where}: 'store.ledger' must be a folder for test reports and the promotion log"
                f" (quetz cannot hold them), got {type(ledger).__name__} {ledger!r}"
            )
        return QuetzSettings(url=url.rstrip("/"), ledger=(base / ledger).resolve())

    @classmethod
    def open(cls, settings: QuetzSettings, tokens: WriteTokens) -> QuetzStore:
        return cls(settings, tokens)

    def describe(self) -> str:
        return f"quetz store at {self.url} (ledger {self.settings.ledger})"

    async def channel_url(self, channel: str) -> str:
        """The channel's static URL, for a channel whose index solvers must not cache."""
        ttl = self._channel(channel).get("ttl")
        if ttl != 0:
            raise StoreRefused(
                f"quetz store at {self.url}: channel '{channel}' has ttl {ttl}: quetz lets"
                f" solvers cache its index for {ttl} s, so they would not see new packages;"
                ' a quetz administrator sets it to 0 (PATCH /api/channels/<name> {"ttl": 0})'
            )
        return f"{self.url}/get/{channel}"

    async def publish(self, artifact: Artifact, channel: str) -> bool:
        return self._upload(channel, artifact.subdir, artifact.filename, artifact.path)

    async def copy(self, package: StoredPackage, target: str) -> bool:
        """Download from the source channel, check the sha256 its index lists, upload."""
        listed = self._records(package.channel, package.subdir).get(package.filename)
        if listed is None:
            raise StoreRefused(f"{package.filename} is not in channel '{package.channel}'s index")
        with tempfile.TemporaryDirectory(prefix="dsprod-quetz-") as folder:
            path = Path(folder) / package.filename
            self._download(package, path)
            if sha256_of(path) != listed["sha256"] or listed["sha256"] != package.sha256:
                raise StoreRefused(
                    f"{self._file_url(package.channel, package.subdir, package.filename)}: sha256"
                    f" differs from the index of channel '{package.channel}'; the channel is"
                    " damaged, not copying"
                )
            return self._upload(target, package.subdir, package.filename, path)

    async def packages(self, channel: str) -> list[StoredPackage]:
        self._channel(channel)  # one that does not exist is an error, not an empty list
        found: list[StoredPackage] = []
        for subdir in self._subdirs(channel):
            records = self._records(channel, subdir)
            found.extend(
                StoredPackage.listed(channel, subdir, filename, record)
                for filename, record in sorted(records.items())
            )
        return found

    async def fetch(self, package: StoredPackage) -> Path:
        """Download the file into a new temporary folder (the caller checks its sha256)."""
        destination = Path(tempfile.mkdtemp(prefix="dsprod-quetz-")) / package.filename
        self._download(package, destination)
        return destination

    async def remove(self, package: StoredPackage) -> bool:
        """Delete the package version from its channel, then wait until the index drops it.

        False if quetz holds no such version (after waiting for a removal whose
        re-index is still running); refused if quetz's record of it has other bytes.
        """
        channel, subdir, filename = package.channel, package.subdir, package.filename
        version_url = (
            f"{self.url}/api/channels/{quote(channel)}/packages/{quote(package.name)}"
            f"/versions/{quote(subdir)}/{quote(filename)}"
        )
        with self._errors(f"reading {filename} in channel '{channel}'"):
            answer = self.http.get(version_url, timeout=TIMEOUT_S)
        if answer.status_code == 404:
            self._await_unlisted(channel, subdir, filename)
            return False
        if answer.status_code != 200:
            self._refuse(answer, f"reading {filename} in channel '{channel}'")
        try:
            recorded = answer.json()["info"]["sha256"]
        except (ValueError, KeyError, TypeError):
            raise StoreRefused(f"{version_url}: not a quetz package version") from None
        if recorded != package.sha256:
            raise StoreRefused(
                f"{self._file_url(channel, subdir, filename)}: other bytes than the"
                f" {package.sha256[:12]}... asked to be removed from channel '{channel}';"
                " not removing it"
            )
        token = self.tokens.token(channel)
        with self._errors(f"removing {filename} from channel '{channel}'"):
            answer = self.http.delete(version_url, headers={"X-API-Key": token}, timeout=TIMEOUT_S)
        if answer.status_code in (401, 403):
            self._refuse_token(channel, answer)
        removed = answer.status_code == 200
        if not removed and answer.status_code != 404:  # 404: another remover was first
            self._refuse(answer, f"removing {filename} from channel '{channel}'")
        self._await_unlisted(channel, subdir, filename)
        return removed

    # -- internals ------------------------------------------------------------------

    def _upload(self, channel: str, subdir: str, filename: str, path: Path) -> bool:
        """Upload a file unless the channel lists it; True if new, False if the same bytes were."""
        sha256 = sha256_of(path)
        if self._already_there(channel, subdir, filename, sha256):
            return False
        token = self.tokens.token(channel)
        with self._errors(f"uploading {filename} to channel '{channel}'"), path.open("rb") as data:
            answer = self.http.post(
                f"{self.url}/api/channels/{quote(channel)}/upload/{quote(filename)}",
                params={"sha256": sha256},
                data=data,
                headers={"X-API-Key": token},
                timeout=TIMEOUT_S,
            )
        if answer.status_code in (401, 403):
            self._refuse_token(channel, answer)
        created = answer.status_code == 201
        if not created and answer.status_code != 409:  # 409: another writer uploaded it first
            self._refuse(answer, f"uploading {filename} to channel '{channel}'")
        self._await_index(channel, subdir, filename, sha256)
        return created

    def _already_there(self, channel: str, subdir: str, filename: str, sha256: str) -> bool:
        """True if the channel lists these very bytes, False if none; refused if it lists others."""
        listed = self._records(channel, subdir).get(filename)
        if listed is None:
            return False
        if listed["sha256"] != sha256:
            raise StoreRefused(
                f"{self._file_url(channel, subdir, filename)}: a package of this name with other"
                f" bytes is already in channel '{channel}'; refusing to overwrite it"
                " (bump the version or build number)"
            )
        return True

    def _await_index(self, channel: str, subdir: str, filename: str, sha256: str) -> None:
        """Wait until quetz's background re-index lists the file (then readers see it)."""
        self._await(
            lambda: self._already_there(channel, subdir, filename, sha256),
            f"channel '{channel}' accepted {filename} but its index did not list it within",
        )

    def _await_unlisted(self, channel: str, subdir: str, filename: str) -> None:
        """Wait until quetz's background re-index no longer lists the removed file."""
        self._await(
            lambda: filename not in self._records(channel, subdir),
            f"channel '{channel}' removed {filename} but its index still listed it after",
        )

    def _await(self, done: Callable[[], bool], late: str) -> None:
        """Poll ``done`` (quetz re-indexes in the background) for up to ``INDEX_WAIT_S``."""
        deadline = time.monotonic() + INDEX_WAIT_S
        delay = 0.02
        while not done():
            if time.monotonic() > deadline:
                raise StoreRefused(f"quetz store at {self.url}: {late} {INDEX_WAIT_S:.0f} s")
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _refuse_token(self, channel: str, answer: requests.Response) -> None:
        """A rejected token, said with the channel and the variable (never the token)."""
        source = self.tokens.source(channel)
        if answer.status_code == 403:
            self._channel(channel)  # a channel that does not exist is said so
        problem = (
            "is not a key this server knows"
            if answer.status_code == 401
            else ("may not write this channel")
        )
        raise StoreRefused(
            f"quetz store at {self.url}: channel '{channel}': the token in {source} {problem}"
            f" ({answer.status_code} {_detail(answer)})"
        )

    def _channel(self, channel: str) -> dict[str, Any]:
        """The channel's settings as quetz's API gives them; refused if there is no such channel.

        quetz channels are made by an administrator (it takes a server role, not a channel's
        API key), so dsprod never creates one.
        """
        url = f"{self.url}/api/channels/{quote(channel)}"
        with self._errors(f"reading channel '{channel}'"):
            answer = self.http.get(url, timeout=TIMEOUT_S)
        if answer.status_code == 404:
            raise StoreRefused(
                f"quetz store at {self.url}: no channel '{channel}' (a quetz administrator"
                " creates it, public with ttl 0, and gives each writer an API key with the"
                " owner or maintainer role on it)"
            )
        if answer.status_code != 200:
            self._refuse(answer, f"reading channel '{channel}'")
        try:
            found: dict[str, Any] = answer.json()
        except ValueError:
            raise StoreRefused(f"{url}: not a quetz channel") from None
        return found

    def _subdirs(self, channel: str) -> list[str]:
        """The channel's subdirs as quetz's ``channeldata.json`` lists them (noarch always)."""
        with self._errors(f"reading channel '{channel}'"):
            answer = self.http.get(f"{self.url}/get/{channel}/channeldata.json", timeout=TIMEOUT_S)
        subdirs = answer.json().get("subdirs", []) if answer.status_code == 200 else []
        return sorted({NOARCH, *(s for s in subdirs if isinstance(s, str))})

    def _records(self, channel: str, subdir: str) -> dict[str, Any]:
        """The subdir's index records by file name (none if quetz has no index for it yet)."""
        url = f"{self.url}/get/{channel}/{subdir}/repodata.json"
        with self._errors(f"reading {url}"):
            answer = self.http.get(url, timeout=TIMEOUT_S)
        if answer.status_code == 404:
            return {}
        if answer.status_code != 200:
            self._refuse(answer, f"reading {url}")
        try:
            repodata = answer.json()
        except ValueError:
            raise StoreRefused(f"{url}: not a channel index") from None
        return {**repodata.get("packages", {}), **repodata.get("packages.conda", {})}

    def _download(self, package: StoredPackage, destination: Path) -> None:
        url = self._file_url(package.channel, package.subdir, package.filename)
        with (
            self._errors(f"downloading {url}"),
            self.http.get(url, stream=True, timeout=TIMEOUT_S) as answer,
        ):
            if answer.status_code == 404:
                return  # no file: the caller reports the damaged channel
            if answer.status_code != 200:
                self._refuse(answer, f"downloading {url}")
            with destination.open("wb") as out:
                for block in answer.iter_content(1 << 20):
                    out.write(block)

    def _file_url(self, channel: str, subdir: str, filename: str) -> str:
        return f"{self.url}/get/{channel}/{subdir}/{filename}"

    def _refuse(self, answer: requests.Response, what: str) -> None:
        raise StoreRefused(
            f"quetz store at {self.url}: {what}: {answer.status_code} {_detail(answer)}"
        )

    @contextlib.contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """An unreachable server is one line naming it (requests' errors never hold headers)."""
        try:
            yield
        except requests.RequestException as error:
            raise StoreRefused(
                f"quetz store at {self.url}: {what}: {type(error).__name__} ({_reason(error)})"
            ) from None


def _detail(answer: requests.Response) -> str:
    """quetz's error detail (``{"detail": ...}``), else the HTTP reason."""
    with contextlib.suppress(ValueError, AttributeError):
        detail = answer.json().get("detail")
        if isinstance(detail, str):
            return detail
    return answer.reason or ""


def _reason(error: requests.RequestException) -> str:
    """The innermost cause of a connection error (``Connection refused``), one line."""
    cause: BaseException = error
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    return str(cause).splitlines()[0] if str(cause) else type(cause).__name__
