"""Finding packages in a channel (by build, by ``NAME==VERSION``, by file name) and reading them."""

from __future__ import annotations

from dsprod.artifact import PACKAGE_SUFFIXES, Artifact, read_artifact, sha256_of
from dsprod.errors import InputError, StoreRefused
from dsprod.store.base import Field, Searchable, Store, StoredPackage


async def build_in(
    store: Store, channel: str, name: str, version: str, build: str
) -> StoredPackage | None:
    """The package of exactly this name, version and build string, if the channel holds it."""
    for package in await having(store, channel, "name", name):
        if (package.name, package.version, package.build) == (name, version, build):
            return package
    return None


async def by_spec(store: Store, channel: str, spec: str) -> StoredPackage:
    """The one package ``spec`` names in ``channel``.

    ``spec`` is ``NAME==VERSION`` (which must have a single build there) or a
    package file name (``hello-ds-1.0-gabc.conda``), which names one build.
    """
    matches = await matching(store, channel, spec)
    if not matches:
        raise InputError(f"{spec.strip()} is not in channel '{channel}'")
    if len(matches) > 1:
        files = ", ".join(sorted(f"{p.subdir}/{p.filename}" for p in matches))
        raise InputError(
            f"{spec.strip()} has several builds in '{channel}' ({files}); name one by file"
        )
    return matches[0]


async def matching(store: Store, channel: str, spec: str) -> list[StoredPackage]:
    """Every package of ``channel`` that ``spec`` (as ``by_spec`` reads it) names."""
    spec = spec.strip()
    if spec.endswith(PACKAGE_SUFFIXES):
        return await having(store, channel, "filename", spec)
    name, separator, version = spec.partition("==")
    if not separator or not name.strip() or not version.strip():
        raise InputError(
            f"'{spec}': expected NAME==VERSION or a package file name (NAME-VERSION-BUILD.conda)"
        )
    return [
        p
        for p in await having(store, channel, "name", name.strip())
        if p.version == version.strip()
    ]


async def listed(store: Store, channel: str, artifact: Artifact) -> StoredPackage:
    """The channel's index entry for a package just published there (same bytes, or refused)."""
    for package in await having(store, channel, "filename", artifact.filename):
        if package.key == (artifact.subdir, artifact.filename):
            if package.sha256 != artifact.sha256:
                raise StoreRefused(f"{artifact.filename}: the channel index lists other bytes")
            return package
    raise StoreRefused(f"{artifact.filename} was published but is missing from '{channel}'s index")


async def having(store: Store, channel: str, field: Field, value: str) -> list[StoredPackage]:
    """The packages of ``channel`` whose ``field`` is ``value``, in the listing's order.

    A ``Searchable`` store finds them without listing the channel (a lookup
    costs the same at 20,000 packages as at 20); any other is listed whole.
    """
    if isinstance(store, Searchable):
        return await store.having(channel, field, value)
    return [p for p in await store.packages(channel) if getattr(p, field) == value]


async def fetch_artifact(store: Store, package: StoredPackage) -> Artifact:
    """Fetch a package's file and read it, after checking its bytes against the channel's index.

    The sha256 is checked before anything is read, so truncated, empty or
    foreign bytes are reported as a damaged channel (``StoreRefused``, exit 3)
    naming the file, instead of whatever the archive reader makes of them.
    """
    path = await store.fetch(package)
    damaged = f"channel '{package.channel}' is damaged"
    if not path.is_file():
        raise StoreRefused(f"{path}: listed in the index but missing; the {damaged}")
    if sha256_of(path) != package.sha256:
        raise StoreRefused(
            f"{path}: sha256 differs from the index (truncated, replaced or corrupted);"
            f" the {damaged}"
        )
    try:
        artifact = read_artifact(path)
    except InputError as error:
        raise StoreRefused(f"{error}; the {damaged}") from None
    found = (artifact.name, artifact.version, artifact.build, artifact.subdir)
    if found != (package.name, package.version, package.build, package.subdir):
        raise StoreRefused(
            f"{path}: holds {' '.join(found)}, not what the index lists; the {damaged}"
        )
    return artifact
