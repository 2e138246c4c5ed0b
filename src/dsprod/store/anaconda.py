"""A store on anaconda.org or Anaconda Server: maturity channels are one owner's labels.

Every API call goes through the ``anaconda-client`` library (``binstar_client``), as
``anaconda upload --label`` and ``anaconda copy`` make them, so dsprod speaks the API
exactly as the official client does:

- publish: the client's upload sequence with the channel's label: the package (created if
  missing), its release (created if missing), then ``upload`` (stage, POST the file to the
  post URL the stage answered, commit). A file is ``OWNER/NAME/VERSION/SUBDIR/FILENAME``;
  if the owner already holds it with these bytes, publishing only adds the label;
- promote: ``copy`` from one label to the other (the file keeps its source label, so the
  unstable label keeps its history), after downloading the bytes and checking their sha256
  against the file record: the server's copy is a label change dsprod cannot check after;
- yank: ``remove_channel`` takes the label off the file (the broken label was added first;
  the bytes are never deleted);
- listing: the label's files (``show_channel``), with the sha256 of each file record.

Writing a label takes the token in the environment variable channels.yaml names for that
channel, else in its keyring entry (``WriteTokens``), handed to the client only: never
printed, never in a URL (the client sends it in a header). Reading is anonymous unless
that variable is set (reads never ask the keyring).

Solvers read a label as a static conda channel, ``<channel_url>/<owner>/label/<label>``:
anaconda.org serves those at https://conda.anaconda.org, Anaconda Server (repository) at
``https://HOST/conda`` next to its ``https://HOST/api``; both are derived from ``url``
unless ``channel_url`` says otherwise. A label no file carries is an empty channel.

The ledger (test reports, the promotion log, owners) cannot live on anaconda.org: it lives
in the folder ``store.ledger`` names (relative to channels.yaml), as for quetz.

``anaconda-client`` is an optional dependency (``pip install 'dsprod[anaconda]'``): it pins
``click`` exactly and pulls in about forty packages, which users of other stores need not
carry. It is imported when an anaconda store first talks to its server.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import requests

from dsprod.artifact import Artifact, sha256_of
from dsprod.errors import InputError, StoreRefused
from dsprod.store.base import StoredPackage, WriteTokens
from dsprod.store.local import FileLedger

_URL = re.compile(r"https?://[^\s/@?#]+(/[^\s?#]*)?")
"""An http(s) URL with no credentials, query or fragment (tokens never go in URLs)."""
_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""An anaconda.org user or organization name."""
ANACONDA_ORG_API = "https://api.anaconda.org"


@dataclass(frozen=True)
class AnacondaSettings:
    """The ``store:`` section of channels.yaml for ``kind: anaconda`` (never a token)."""

    url: str
    """The API's base URL, no trailing slash (https://api.anaconda.org, https://HOST/api)."""
    owner: str
    """The user or organization whose labels are the channels."""
    channel_url: str
    """Where conda clients read the owner's labels: ``<channel_url>/<owner>/label/<label>``."""
    ledger: Path
    """The folder holding test reports, the promotion log and owners (the server cannot)."""
    kind: str = "anaconda"


def default_channel_url(api_url: str) -> str | None:
    """The conda channel base next to an API URL, or None if there is no known rule.

    anaconda.org's API is the ``api.`` host and its channels the ``conda.`` host;
    Anaconda Server (repository) serves ``/api`` and ``/conda`` on one host.
    """
    parts = urlsplit(api_url)
    if parts.netloc.startswith("api.") and parts.path in ("", "/"):
        return f"{parts.scheme}://conda.{parts.netloc.removeprefix('api.')}"
    if parts.path.rstrip("/").endswith("/api"):
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/').removesuffix('/api')}/conda"
    return None


class AnacondaStore:
    """An owner's labels on anaconda.org or Anaconda Server; the ledger in a shared folder."""

    kind = "anaconda"
    settings_keys = frozenset({"url", "owner", "channel_url", "ledger"})

    def __init__(self, settings: AnacondaSettings, tokens: WriteTokens) -> None:
        self.settings = settings
        self.owner = settings.owner
        self.tokens = tokens
        self.ledger = FileLedger(settings.ledger)
        self._clients: dict[str | None, Any] = {}

    @classmethod
    def parse_settings(
        cls, section: Mapping[str, Any], where: str, base: Path, location: str | None
    ) -> AnacondaSettings:
        """Validate the section; ``location`` ($DSPROD_STORE) may give the API's URL."""
        url = location or section.get("url", ANACONDA_ORG_API)
        _check_url(url, where, "url", "the API's http(s) URL")
        owner = section.get("owner")
        if not isinstance(owner, str) or not _OWNER.fullmatch(owner):
            raise InputError(
                f"{where}: 'store.owner' must be the anaconda.org user or organization whose"
                f" labels are the channels (letters, digits, '-', '_', '.'), got {owner!r}"
            )
        channel_url = section.get("channel_url") or default_channel_url(url)
        if channel_url is None:
            raise InputError(
                f"{where}: 'store.channel_url' is needed: no conda channel URL is known for the"
                f" API at {url} (Anaconda Server: https://HOST/conda when url is https://HOST/api)"
            )
        _check_url(channel_url, where, "channel_url", "the http(s) URL conda clients read from")
        ledger = section.get("ledger")
        if not isinstance(ledger, str) or not ledger:
            raise InputError(
                f"{where}: 'store.ledger' must be a folder for test reports and the promotion log"
                f" (anaconda.org cannot hold them), got {type(ledger).__name__} {ledger!r}"
            )
        return AnacondaSettings(
            url=url.rstrip("/"),
            owner=owner,
            channel_url=channel_url.rstrip("/"),
            ledger=(base / ledger).resolve(),
        )

    @classmethod
    def open(cls, settings: AnacondaSettings, tokens: WriteTokens) -> AnacondaStore:
        return cls(settings, tokens)

    def describe(self) -> str:
        return (
            f"anaconda store at {self.settings.url}, owner {self.owner}"
            f" (ledger {self.settings.ledger})"
        )

    async def channel_url(self, channel: str) -> str:
        """The label as a static conda channel (a label no file carries is an empty channel)."""
        return f"{self.settings.channel_url}/{self.owner}/label/{channel}"

    async def publish(self, artifact: Artifact, channel: str) -> bool:
        """Upload the file with the channel's label, or add the label to these very bytes."""
        basename = f"{artifact.subdir}/{artifact.filename}"
        with self._errors(channel, f"publishing {basename}"):
            record = self._record(channel, artifact.name, artifact.version, basename)
            if record is None:
                if self._upload(channel, artifact):
                    return True
                record = self._record(channel, artifact.name, artifact.version, basename)
            assert record is not None  # the upload was refused as a duplicate: it is there
            self._same_bytes(record, artifact.sha256, basename)
            if channel in record.get("labels", ()):
                return False
            self._client(channel).add_channel(
                channel, self.owner, artifact.name, artifact.version, basename
            )
            return True

    async def copy(self, package: StoredPackage, target: str) -> bool:
        """Check the bytes against the file record, then the client's copy between labels."""
        basename = f"{package.subdir}/{package.filename}"
        with self._errors(target, f"copying {basename} from label '{package.channel}'"):
            record = self._record(package.channel, package.name, package.version, basename)
            if record is None or package.channel not in record.get("labels", ()):
                raise StoreRefused(f"{package.filename} is not in channel '{package.channel}'")
            with tempfile.TemporaryDirectory(prefix="dsprod-anaconda-") as folder:
                path = Path(folder) / package.filename
                self._download(package, path)
                if not (sha256_of(path) == record.get("sha256") == package.sha256):
                    raise StoreRefused(
                        f"{self._full_name(package)}: sha256 differs from the file record of"
                        f" channel '{package.channel}'; the channel is damaged, not copying"
                    )
            if target in record.get("labels", ()):
                return False
            self._client(target).copy(
                self.owner,
                package.name,
                package.version,
                basename,
                from_label=package.channel,
                to_label=target,
            )
            return True

    async def remove(self, package: StoredPackage) -> bool:
        """Take the channel's label off the file (its bytes and other labels stay)."""
        basename = f"{package.subdir}/{package.filename}"
        with self._errors(package.channel, f"removing the label from {basename}"):
            record = self._record(package.channel, package.name, package.version, basename)
            if record is None or package.channel not in record.get("labels", ()):
                return False
            self._same_bytes(record, package.sha256, basename)
            self._client(package.channel).remove_channel(
                package.channel, self.owner, package.name, package.version, basename
            )
            return True

    async def packages(self, channel: str) -> list[StoredPackage]:
        """The files carrying the label (none if no file carries it)."""
        binstar = _binstar()
        with self._errors(channel, f"listing label '{channel}'"):
            try:
                files = self._client(channel, write=False).show_channel(channel, self.owner)
            except binstar.errors.NotFound:
                return []
        found = [self._listed(channel, record) for record in files.get("files", [])]
        return sorted(found, key=lambda p: (p.subdir, p.filename))

    async def fetch(self, package: StoredPackage) -> Path:
        """Download the file into a new temporary folder (the caller checks its sha256)."""
        destination = Path(tempfile.mkdtemp(prefix="dsprod-anaconda-")) / package.filename
        with self._errors(package.channel, f"downloading {self._full_name(package)}"):
            self._download(package, destination)
        return destination

    # -- internals ------------------------------------------------------------------

    def _client(self, channel: str, *, write: bool = True) -> Any:
        """The client holding ``channel``'s token (required to write; optional to read)."""
        token = self.tokens.token(channel) if write else self._read_token(channel)
        if token not in self._clients:
            self._clients[token] = _binstar().Binstar(token=token, domain=self.settings.url)
        return self._clients[token]

    def _read_token(self, channel: str) -> str | None:
        """The channel's token if its variable is set, else None (anonymous).

        Only the variable: a read never asks the keyring, which could prompt a
        person to unlock it for what any anonymous reader may see.
        """
        try:
            variable = self.tokens.variable(channel)
        except StoreRefused:
            return None
        return os.environ.get(variable, "").strip() or None

    def _record(self, channel: str, name: str, version: str, basename: str) -> Any:
        """The owner's file record (labels, sha256 ...), or None if there is no such file."""
        binstar = _binstar()
        try:
            return self._client(channel, write=False).distribution(
                self.owner, name, version, basename
            )
        except binstar.errors.NotFound:
            return None

    def _upload(self, channel: str, artifact: Artifact) -> bool:
        """The client's upload sequence; False if another writer uploaded the file first."""
        binstar = _binstar()
        from binstar_client.inspect_package.conda import inspect_conda_package
        from binstar_client.utils.config import PackageType

        client = self._client(channel)
        package_attrs, release_attrs, file_attrs = inspect_conda_package(str(artifact.path))
        with contextlib.suppress(binstar.errors.Conflict):  # or another writer just made it
            try:
                client.package(self.owner, artifact.name)
            except binstar.errors.NotFound:
                client.add_package(
                    self.owner,
                    artifact.name,
                    package_attrs.get("summary"),
                    package_attrs.get("license"),
                    public=True,
                    license_url=package_attrs.get("license_url"),
                    license_family=package_attrs.get("license_family"),
                    attrs=package_attrs,
                    package_type=PackageType.CONDA,
                )
        with contextlib.suppress(binstar.errors.Conflict):
            try:
                client.release(self.owner, artifact.name, artifact.version)
            except binstar.errors.NotFound:
                client.add_release(
                    self.owner, artifact.name, artifact.version, [], None, release_attrs
                )
        try:
            # the client draws a progress bar on stderr; only the command line prints
            with artifact.path.open("rb") as stream, contextlib.redirect_stderr(io.StringIO()):
                client.upload(
                    self.owner,
                    artifact.name,
                    artifact.version,
                    file_attrs["basename"],
                    stream,
                    PackageType.CONDA,
                    "",
                    sha256=artifact.sha256,
                    dependencies=file_attrs.get("dependencies"),
                    attrs=file_attrs["attrs"],
                    channels=[channel],
                )
        except binstar.errors.Conflict:
            return False
        return True

    def _download(self, package: StoredPackage, destination: Path) -> None:
        basename = f"{package.subdir}/{package.filename}"
        answer = self._client(package.channel, write=False).download(
            self.owner, package.name, package.version, basename
        )
        if answer is None:
            raise StoreRefused(f"{self._full_name(package)}: the server sent no bytes")
        with answer, destination.open("wb") as out:
            for block in answer.iter_content(1 << 20):
                out.write(block)

    def _same_bytes(self, record: Mapping[str, Any], sha256: str, basename: str) -> None:
        if record.get("sha256") != sha256:
            raise StoreRefused(
                f"{self.settings.url}: {self.owner}/{basename}: a package of this name with other"
                " bytes is already on the server; refusing to overwrite it"
                " (bump the version or build number)"
            )

    def _listed(self, channel: str, record: Mapping[str, Any]) -> StoredPackage:
        """A label's file record as a package; ``full_name`` is OWNER/NAME/VERSION/BASENAME."""
        try:
            _owner, name, version, subdir, filename = record["full_name"].split("/")
            return StoredPackage(
                channel=channel,
                subdir=subdir,
                filename=filename,
                name=name,
                version=version,
                build=record["attrs"]["build"],
                sha256=record["sha256"],
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise StoreRefused(
                f"{self.settings.url}: label '{channel}' of {self.owner} lists a file record"
                f" dsprod cannot read: {str(record.get('full_name', record))[:200]}"
            ) from None

    def _full_name(self, package: StoredPackage) -> str:
        return f"{self.owner}/{package.name}/{package.version}/{package.subdir}/{package.filename}"

    @contextlib.contextmanager
    def _errors(self, channel: str, what: str) -> Iterator[None]:
        """The server's or the network's refusal as one line naming the channel (never a token)."""
        binstar = _binstar()
        try:
            yield
        except binstar.errors.Unauthorized:
            self._refuse_token(channel, "is not a token this server accepts (401)")
        except binstar.errors.BinstarError as error:
            code = error.args[1] if len(error.args) > 1 else None
            if code == 403:
                self._refuse_token(channel, "may not write this label (403)")
            raise StoreRefused(
                f"anaconda store at {self.settings.url}: {what}: {code or ''} {error.message}"
            ) from None
        except requests.RequestException as error:
            raise StoreRefused(
                f"anaconda store at {self.settings.url}: {what}: {type(error).__name__}"
                f" ({_reason(error)})"
            ) from None

    def _refuse_token(self, channel: str, problem: str) -> NoReturn:
        raise StoreRefused(
            f"anaconda store at {self.settings.url}: channel '{channel}': the token in"
            f" {self.tokens.source(channel)} {problem}"
        ) from None


def _binstar() -> Any:
    """The ``binstar_client`` module, imported on first use (it takes about half a second)."""
    try:
        import binstar_client
        import binstar_client.errors
    except ImportError:
        raise StoreRefused(
            "a 'kind: anaconda' store needs the anaconda-client library:"
            " pip install 'dsprod[anaconda]' (or conda install anaconda-client)"
        ) from None
    return binstar_client


def _check_url(url: object, where: str, key: str, what: str) -> None:
    if not isinstance(url, str) or not _URL.fullmatch(url):
        shown = "" if isinstance(url, str) and "@" in url else f", got {url!r}"
        raise InputError(f"{where}: 'store.{key}' must be {what} without credentials{shown}")


def _reason(error: requests.RequestException) -> str:
    """The innermost cause of a connection error (``Connection refused``), one line."""
    cause: BaseException = error
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    return str(cause).splitlines()[0] if str(cause) else type(cause).__name__
