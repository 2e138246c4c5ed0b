"""A stand-in for anaconda.org's API, for the anaconda store tests: NOT anaconda.org.

anaconda.org cannot be reached from here and no open server speaks its API, so this
small server follows the API exactly as the real ``anaconda-client`` 1.16 calls it
(read from its source: ``binstar_client/__init__.py`` and ``mixins/``): package and
release get/create, ``stage`` (answers a post URL and form fields), the multipart POST
of the file to that URL (its Content-MD5 checked as S3 does), ``commit``, the file
record (``dist``, with labels and sha256), ``remove_dist``, ``copy`` between labels,
a label's files, adding and removing a label, ``download``. It also serves each label
as a static conda channel, as conda.anaconda.org does
(``/conda/OWNER/label/LABEL/SUBDIR/repodata.json`` computed from the files carrying
the label), laid out like Anaconda Server: the API under ``/api``, channels under
``/conda``.

Tokens: ``new_owner`` makes one token per label, each allowed to write that label of
that owner only (anaconda.org scopes tokens per owner; this stand-in is stricter, so
dsprod's per-channel tokens are proven): no or an unknown token answers 401, a token
writing another label 403. A second file of the same name answers 409.

It runs in a thread of the test process on 127.0.0.1, on a free port.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import json
import re
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CLIENT_ONLY_ATTRS = ("operatingsystem", "machine", "target-triplet", "has_prefix")
"""What the client adds to a file's ``attrs`` besides the package's own index.json."""


@dataclass
class File:
    """One uploaded distribution: OWNER/NAME/VERSION/BASENAME (BASENAME is SUBDIR/FILENAME)."""

    owner: str
    name: str
    version: str
    basename: str
    attrs: dict[str, Any]
    labels: list[str]
    sha256: str
    md5: str = ""
    size: int = 0
    received: bool = False
    """Its bytes came to the post URL (kept apart until the commit)."""

    def record(self) -> dict[str, Any]:
        full_name = f"{self.owner}/{self.name}/{self.version}/{self.basename}"
        return {
            "basename": self.basename,
            "version": self.version,
            "labels": list(self.labels),
            "sha256": self.sha256,
            "md5": self.md5,
            "size": self.size,
            "attrs": self.attrs,
            "full_name": full_name,
            "distribution_type": "conda",
        }

    def repodata(self) -> dict[str, Any]:
        record = {k: v for k, v in self.attrs.items() if k not in CLIENT_ONLY_ATTRS}
        return {**record, "name": self.name, "version": self.version, "sha256": self.sha256,
                "md5": self.md5, "size": self.size}  # fmt: skip


@dataclass
class State:
    """Everything the server knows; one lock, as the requests come from many threads."""

    folder: Path
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    """token -> (owner, the one label it may write)."""
    packages: set[tuple[str, str]] = field(default_factory=set)
    releases: set[tuple[str, str, str]] = field(default_factory=set)
    files: dict[tuple[str, str, str, str], File] = field(default_factory=dict)
    staged: dict[str, File] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def path(self, file: File) -> Path:
        return self.folder / file.owner / file.name / file.version / file.basename


class Refused(Exception):
    """An HTTP error answer: status and the ``error`` the client shows."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the tests print
        pass

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def do_DELETE(self) -> None:
        self._answer("DELETE")

    def _answer(self, method: str) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            with state.lock:
                # percent-decoded, as any web server does: the client quotes the basename in
                # stage and commit (a version with '+' arrives as %2B) but not elsewhere
                path = urllib.parse.unquote(self.path.split("?")[0])
                status, answer = self._route(state, method, path, body)
        except Refused as refused:
            status, answer = refused.status, {"error": str(refused)}
        if isinstance(answer, Path):
            data, kind = answer.read_bytes(), "application/octet-stream"
        else:
            data, kind = json.dumps(answer).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(data)

    def _route(self, state: State, method: str, path: str, body: bytes) -> tuple[int, Any]:
        payload = json.loads(body) if body and path.startswith("/api/") else {}
        if match := re.fullmatch(r"/conda/([^/]+)/label/([^/]+)/([^/]+)/([^/]+)", path):
            return 200, _conda(state, *match.groups())
        if match := re.fullmatch(r"/upload/([0-9a-f]+)", path):
            return _receive(state, match[1], self.headers["Content-Type"], body)
        route = re.fullmatch(r"/api/([a-z]+)/(.*)", path)
        if route is None:
            raise Refused(404, f"no such endpoint: {path}")
        call, rest = route.groups()
        if call == "channels" and (match := re.fullmatch(r"([^/]+)/([^/]+)", rest)):
            return self._label(state, method, *match.groups(), payload)
        if call == "copy" and rest.startswith("package/"):
            owner, name, version, basename = _split(rest.removeprefix("package/"), 4)
            file = _file(state, owner, name, version, basename)
            if payload["from_channel"] not in file.labels:
                raise Refused(404, f"{basename} has no label {payload['from_channel']}")
            if (payload.get("to_owner") or owner) != owner:
                raise Refused(400, "the stand-in copies between labels of one owner only")
            self._may_write(state, owner, payload["to_channel"])
            if payload["to_channel"] not in file.labels:
                file.labels.append(payload["to_channel"])
            return 200, [file.record()]  # the files copied, as ``anaconda copy`` lists them
        owner, name, *more = _split(rest, {"package": 2, "release": 3}.get(call, 4))
        key = (owner, name)
        if call == "package":
            if method == "POST":
                self._may_write(state, owner, None)
                state.packages.add(key)
            elif key not in state.packages:
                raise Refused(404, f"package {owner}/{name} not found")
            files = [f.record() for f in state.files.values() if (f.owner, f.name) == key]
            return 200, {"name": name, "package_types": ["conda"], "files": files}
        if call == "release":
            if key not in state.packages:
                raise Refused(404, f"package {owner}/{name} not found")
            if method == "POST":
                self._may_write(state, owner, None)
                state.releases.add((*key, more[0]))
            elif (*key, more[0]) not in state.releases:
                raise Refused(404, f"release {owner}/{name}/{more[0]} not found")
            return 200, {"version": more[0]}
        version, basename = more
        if call == "stage":
            if (owner, name, version) not in state.releases:
                raise Refused(404, f"release {owner}/{name}/{version} not found")
            for label in payload["channels"]:
                self._may_write(state, owner, label)
            if (owner, name, version, basename) in state.files:
                raise Refused(409, f"file {basename} already exists")
            dist_id = uuid.uuid4().hex
            state.staged[dist_id] = File(owner, name, version, basename, payload["attrs"],
                                         list(payload["channels"]), payload["sha256"])  # fmt: skip
            host = f"http://{self.headers['Host']}"
            return 200, {"post_url": f"{host}/upload/{dist_id}", "dist_id": dist_id,
                         "form_data": {"key": dist_id, "acl": "private"}}  # fmt: skip
        if call == "commit":
            staged = state.staged.pop(payload["dist_id"], None)
            if staged is None or not staged.received:
                raise Refused(400, "nothing uploaded for this dist_id")
            for label in staged.labels:
                self._may_write(state, owner, label)
            if (owner, name, version, basename) in state.files:
                raise Refused(409, f"file {basename} already exists")
            state.path(staged).parent.mkdir(parents=True, exist_ok=True)
            (state.folder / "staged" / payload["dist_id"]).replace(state.path(staged))
            state.files[(owner, name, version, basename)] = staged
            return 200, staged.record()
        file = _file(state, owner, name, version, basename)
        if call == "download":
            return 200, state.path(file)
        if call == "dist" and method == "DELETE":
            for label in file.labels:
                self._may_write(state, owner, label)
            del state.files[(owner, name, version, basename)]
        if call == "dist":
            return 200, file.record()
        raise Refused(404, f"no such endpoint: {path}")

    def _label(
        self, state: State, method: str, owner: str, label: str, payload: dict[str, Any]
    ) -> tuple[int, Any]:
        """A label's files (GET), or a label added to (POST) or removed from (DELETE) a file."""
        if method == "GET":
            files = [f.record() for f in state.files.values()
                     if f.owner == owner and label in f.labels]  # fmt: skip
            if not files:
                raise Refused(404, f"label {label} not found")
            return 200, {"is_locked": False, "files": files}
        self._may_write(state, owner, label)
        key = (owner, payload["package"], payload["version"], payload["basename"])
        file = _file(state, *key)
        if method == "POST" and label not in file.labels:
            file.labels.append(label)
        elif method == "DELETE" and label in file.labels:
            file.labels.remove(label)
        return 201, {}

    def _may_write(self, state: State, owner: str, label: str | None) -> None:
        """401 without a token this server knows; 403 if it may not write this label."""
        header = self.headers.get("Authorization", "")
        granted = state.tokens.get(header.removeprefix("token "))
        if not header.startswith("token ") or granted is None:
            raise Refused(401, "Unauthorized: authentication token missing or not valid")
        if granted[0] != owner or label not in (None, granted[1]):
            raise Refused(403, f"Forbidden: this token may not write {owner}'s label {label}")


def _split(rest: str, parts: int) -> list[str]:
    """OWNER/NAME[/VERSION[/BASENAME]]: BASENAME is SUBDIR/FILENAME, with its slash."""
    split = rest.split("/", parts - 1)
    if len(split) != parts:
        raise Refused(404, f"no such endpoint: {rest}")
    return split


def _file(state: State, owner: str, name: str, version: str, basename: str) -> File:
    file = state.files.get((owner, name, version, basename))
    if file is None:
        raise Refused(404, f"file {owner}/{name}/{version}/{basename} not found")
    return file


def _receive(state: State, dist_id: str, content_type: str, body: bytes) -> tuple[int, Any]:
    """The client's multipart POST of the file to the stage's post URL (S3 checks the MD5)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields = {
        part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
        for part in message.iter_parts()  # type: ignore[attr-defined]
    }
    staged = state.staged.get(dist_id)
    data = fields.get("file")
    if staged is None or fields.get("key", b"").decode() != dist_id or data is None:
        raise Refused(400, "no such upload")
    if base64.b64encode(hashlib.md5(data).digest()) != fields.get("Content-MD5", b"").strip():
        raise Refused(400, "InvalidDigest")
    if hashlib.sha256(data).hexdigest() != staged.sha256:
        raise Refused(400, "the file's sha256 is not the one staged")
    staged.md5, staged.size, staged.received = hashlib.md5(data).hexdigest(), len(data), True
    (state.folder / "staged").mkdir(parents=True, exist_ok=True)
    (state.folder / "staged" / dist_id).write_bytes(data)  # a second writer's never overwrites
    return 201, {}


def _conda(state: State, owner: str, label: str, subdir: str, filename: str) -> Any:
    """conda.anaconda.org's view of a label: repodata.json per subdir, and the files."""
    files = [f for f in state.files.values() if f.owner == owner and label in f.labels]
    if filename == "repodata.json":
        records: dict[str, dict[str, Any]] = {"packages": {}, "packages.conda": {}}
        for file in files:
            file_subdir, name = file.basename.split("/")
            if file_subdir == subdir:
                group = "packages.conda" if name.endswith(".conda") else "packages"
                records[group][name] = file.repodata()
        return {"info": {"subdir": subdir}, **records, "repodata_version": 1}
    for file in files:
        if file.basename == f"{subdir}/{filename}":
            return state.path(file)
    raise Refused(404, f"{owner}/label/{label}/{subdir}/{filename} not found")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = State(folder)


@dataclass(frozen=True)
class AnacondaOwner:
    """An owner of its own on the stand-in, with one write token per label."""

    owner: str
    tokens: dict[str, str]
    """Label -> a token that may write that label only."""

    def environ(
        self, url: str, ledger: Path, labels: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        """What a dsprod process needs to use this owner's labels, with the tokens of ``labels``."""
        return {
            "DSPROD_STORE_KIND": "anaconda",
            "DSPROD_ANACONDA_URL": f"{url}/api",
            "DSPROD_ANACONDA_OWNER": self.owner,
            "DSPROD_ANACONDA_LEDGER": str(ledger),
            **{
                f"DSPROD_{label.upper()}_TOKEN": self.tokens[label]
                for label in labels or self.tokens
            },
        }


@dataclass(frozen=True)
class AnacondaStandin:
    """The running stand-in: its API and conda URLs."""

    server: Server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def new_owner(self, prefix: str, labels: tuple[str, ...]) -> AnacondaOwner:
        owner = f"{prefix}-{uuid.uuid4().hex[:8]}"
        tokens = {label: f"{prefix}-token-{label}-{uuid.uuid4().hex}" for label in labels}
        with self.server.state.lock:
            self.server.state.tokens.update({t: (owner, lb) for lb, t in tokens.items()})
        return AnacondaOwner(owner, tokens)

    def package_file(self, owner: str, basename: str) -> Path:
        """Where the stand-in keeps a file's bytes (to damage them behind its back)."""
        state = self.server.state
        [file] = [f for k, f in state.files.items() if k[0] == owner and k[3] == basename]
        return state.path(file)


@contextmanager
def running_standin(folder: Path) -> Iterator[AnacondaStandin]:
    """Serve the stand-in from a thread on a free loopback port; shut it down after."""
    server = Server(folder)
    thread = threading.Thread(target=server.serve_forever, name="anaconda-standin", daemon=True)
    thread.start()
    try:
        yield AnacondaStandin(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
