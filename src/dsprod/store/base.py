"""The interface every artefact store implements (local folder; later anaconda.org, quetz, S3).

A store holds named channels, one per maturity level, and a ``Ledger`` (the
test reports promotion rests on, and the promotion log). The pipeline talks
only to these interfaces, so a new store is one new module plus one line in
``store/__init__.py``. Channel operations are coroutines: most stores are
servers, and the one event loop a command runs serves them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from rattler.networking import Client

from dsprod.artifact import Artifact
from dsprod.errors import StoreRefused
from dsprod.store.ledger import Ledger


@dataclass(frozen=True)
class StoredPackage:
    """One package file as listed by a channel's index."""

    channel: str
    subdir: str
    filename: str
    name: str
    version: str
    build: str
    sha256: str

    @property
    def key(self) -> tuple[str, str]:
        """Identity of the file inside any channel: (subdir, filename)."""
        return (self.subdir, self.filename)

    @classmethod
    def listed(
        cls, channel: str, subdir: str, filename: str, record: Mapping[str, Any]
    ) -> StoredPackage:
        """The package a channel's ``repodata.json`` lists as ``filename`` with ``record``."""
        return cls(
            channel=channel,
            subdir=subdir,
            filename=filename,
            name=record["name"],
            version=record["version"],
            build=record["build"],
            sha256=record["sha256"],
        )


KEYRING_SERVICE = "dsprod"
"""The keyring service a channel's token is looked up under when channels.yaml names none."""


@dataclass(frozen=True)
class KeyringEntry:
    """Where in the system keyring a channel's write token is kept: names, never the token."""

    service: str
    username: str

    def __str__(self) -> str:
        return f"service '{self.service}', username '{self.username}'"


@dataclass(frozen=True)
class WriteTokens:
    """Where each channel's write token comes from: variable and keyring names, never tokens.

    channels.yaml names the variable per maturity channel (``token_env``), so a
    runner given only the unstable channel's token can publish but not promote.
    Stores that authenticate per channel (quetz) read the token when they write;
    the others ignore it (an S3 store's writers hold AWS credentials, a local
    store's may write its folder).

    Two sources, in order: the environment variable (CI runners set it from
    their secret store), then the system keyring (a person's desk, where a
    token in a shell profile would sit in plain text). The keyring entry is
    service ``dsprod`` and the variable's name as username unless channels.yaml
    names another (``keyring: {service, username}``), so ``keyring set dsprod
    DSPROD_UNSTABLE_TOKEN`` stores the token the variable would otherwise hold.
    """

    variables: Mapping[str, str] = field(default_factory=dict)
    """Channel name (as the store calls it) -> the environment variable holding its token."""
    keyring_entries: Mapping[str, KeyringEntry] = field(default_factory=dict)
    """Channel name -> its keyring entry, where channels.yaml names one (else the default)."""

    def variable(self, channel: str) -> str:
        """The variable holding the token that may write ``channel``."""
        variable = self.variables.get(channel)
        if variable is None:
            raise StoreRefused(f"channel '{channel}': no token variable is configured for it")
        return variable

    def keyring_entry(self, channel: str) -> KeyringEntry:
        """The keyring entry holding the token of ``channel`` when its variable is unset."""
        entry = self.keyring_entries.get(channel)
        return entry if entry is not None else KeyringEntry(KEYRING_SERVICE, self.variable(channel))

    def source(self, channel: str) -> str:
        """Where the token of ``channel`` is taken from, for messages: the variable's name if
        it is set (it wins), else the keyring entry."""
        variable = self.variable(channel)
        if os.environ.get(variable, "").strip():
            return variable
        return f"the keyring entry ({self.keyring_entry(channel)})"

    def token(self, channel: str) -> str:
        """The token that may write ``channel``: its variable if set, else its keyring entry.

        Neither holding one, or a keyring that cannot be read (no backend
        installed, a locked one), is a one-line ``StoreRefused`` naming the
        channel, the variable and the keyring entry; never the token.
        """
        variable = self.variable(channel)
        token = os.environ.get(variable, "").strip()
        if token:
            return token
        entry = self.keyring_entry(channel)
        wanted = (
            f"channel '{channel}': no write token (set the environment variable {variable},"
            f" or store it in the keyring as {entry})"
        )
        stored, problem = _from_keyring(entry)
        if stored:
            return stored
        raise StoreRefused(f"{wanted}; {problem}" if problem else wanted)


def _from_keyring(entry: KeyringEntry) -> tuple[str, str | None]:
    """The token the keyring holds for ``entry`` ("" if none), and why it could not be read.

    Imported here, not at the top: only a run without the variable pays for
    loading the keyring's backends. Any failure of a backend (none installed,
    locked, a session bus that is not there) is its class and first line, which
    name the backend's problem and never a stored secret.
    """
    try:
        import keyring

        stored = keyring.get_password(entry.service, entry.username)
    except Exception as error:  # backends raise their own types; each is one line to the user
        detail = str(error).strip().splitlines()
        reason = f"{type(error).__name__}: {detail[0]}" if detail else type(error).__name__
        return "", f"the keyring could not be read ({reason})"
    return (stored or "").strip(), None


class Store(Protocol):
    """What the pipeline needs from a place where channels live."""

    @property
    def ledger(self) -> Ledger:
        """Where this store keeps test reports and the promotion log."""
        ...

    def describe(self) -> str:
        """A one-line human description (kind and location)."""
        ...

    async def channel_url(self, channel: str) -> str:
        """A URL a solver can read the channel from (an empty channel is still a channel)."""
        ...

    async def publish(self, artifact: Artifact, channel: str) -> bool:
        """Add a package file to a channel; True if new, False if the same bytes were there.

        Raises StoreRefused when a file of that name with other bytes exists.
        """
        ...

    async def copy(self, package: StoredPackage, target: str) -> bool:
        """Copy a package byte for byte (sha256 checked) into another channel."""
        ...

    async def packages(self, channel: str) -> list[StoredPackage]:
        """Every package file the channel's index lists."""
        ...

    async def fetch(self, package: StoredPackage) -> Path:
        """A local path holding the package file's bytes."""
        ...


@runtime_checkable
class PrivateReads(Protocol):
    """A store whose channels readers reach only with credentials (an S3 store with ``read: s3``).

    Apart from the Store interface because most stores serve plain URLs: the
    session hands this client to every py-rattler solve and install, and the
    readers that cannot take one (rattler-build) go without the store's channels.
    """

    def read_client(self) -> Client | None:
        """The py-rattler client that reads ``channel_url``'s URLs; None if any client can."""
        ...


@runtime_checkable
class Reindexable(Protocol):
    """A store that writes its channels' index files itself, and can rebuild them from the files.

    Publishing keeps an index up to date record by record; rebuilding it from
    every package file is the explicit repair (``dsprod reindex``), for an index
    damaged or edited by other hands.
    """

    async def reindex(self, channel: str) -> list[str]:
        """Rebuild the channel's indexes from its package files; returns the subdirs indexed."""
        ...


@runtime_checkable
class Removable(Protocol):
    """A store that can take a package out of a channel (``dsprod yank``'s last step).

    Apart from the Store interface because every other operation only adds:
    a store kind that cannot remove yet is refused by ``dsprod yank`` with a
    one-line error, and everything else works on it as before.
    """

    async def remove(self, package: StoredPackage) -> bool:
        """Take ``package`` out of its channel's index and the channel; False if not there.

        The caller keeps its bytes elsewhere first (a yank copies them to the
        broken channel). Killed at any point, the channel stays valid (it lists
        the file with its bytes, or neither), and running it again completes it.
        Raises StoreRefused when the channel holds other bytes under that name.
        """
        ...


@runtime_checkable
class PathIndexed(Protocol):
    """A store that answers "which packages of this channel install these files" from an index.

    Promotion's clobber check asks it; a store without one has every other
    package's file list read instead, which costs the whole channel.
    """

    async def installing(
        self, channel: str, paths: frozenset[str]
    ) -> dict[StoredPackage, frozenset[str]]:
        """Which packages the channel lists now install any of ``paths``.

        Each with the ones it installs. Paths are spelled as
        ``path_index.installed_paths`` spells them.
        """
        ...


Field = Literal["name", "filename", "sha256"]
"""A ``StoredPackage`` field a ``Searchable`` store finds packages by."""


@runtime_checkable
class Searchable(Protocol):
    """A store that finds a channel's packages of one name, file name or sha256 without listing all.

    A command about one package (``promote``, a lookup by ``NAME==VERSION``)
    then costs the same in a channel of 20,000 packages as in one of 20; any
    other store is asked for the whole listing (``lookup.having``).
    """

    async def having(self, channel: str, field: Field, value: str) -> list[StoredPackage]:
        """Exactly ``[p for p in await self.packages(channel) if getattr(p, field) == value]``."""
        ...


class StoreSettings(Protocol):
    """A store kind's validated ``store:`` section."""

    @property
    def kind(self) -> str: ...


class StoreKind(Protocol):
    """A store implementation as the registry sees it: parse its settings, open a store."""

    kind: str
    settings_keys: frozenset[str]
    """The keys its ``store:`` section may hold besides ``kind``."""

    def parse_settings(
        self, section: Mapping[str, Any], where: str, base: Path, location: str | None
    ) -> StoreSettings:
        """Validate the section (one-line ``InputError`` naming ``where`` and the key)."""
        ...

    def open(self, settings: Any, tokens: WriteTokens) -> Store:
        """The store these settings describe, writing each channel with its token."""
        ...
