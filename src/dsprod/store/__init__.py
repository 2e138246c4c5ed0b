"""Artefact stores behind one interface; the registry below is the only list of kinds.

A new store kind is one module implementing ``base.Store`` (with its own
``Ledger``), a settings parser for its ``store:`` section, and one line here.
"""

from __future__ import annotations

from dsprod.store.anaconda import AnacondaStore
from dsprod.store.base import Store, StoredPackage, StoreKind, StoreSettings, WriteTokens
from dsprod.store.local import LocalStore
from dsprod.store.quetz import QuetzStore
from dsprod.store.s3 import S3Store

__all__ = ["STORE_KINDS", "Store", "StoreSettings", "StoredPackage", "WriteTokens", "open_store"]

STORE_KINDS: dict[str, StoreKind] = {
    LocalStore.kind: LocalStore,
    S3Store.kind: S3Store,
    QuetzStore.kind: QuetzStore,
    AnacondaStore.kind: AnacondaStore,
}
"""Every store kind, by the name channels.yaml gives in ``store.kind``."""


def open_store(settings: StoreSettings, tokens: WriteTokens | None = None) -> Store:
    """The store the validated settings describe (``config.load_settings`` checked the kind).

    ``tokens`` names each channel's write-token variable (``Settings.write_tokens``);
    without it a store that needs tokens can read but not write.
    """
    return STORE_KINDS[settings.kind].open(settings, tokens or WriteTokens())
