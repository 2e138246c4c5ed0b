"""Artefact stores behind one interface; ``open_store`` picks the implementation."""

from __future__ import annotations

from dsprod.config import StoreSettings
from dsprod.errors import InputError
from dsprod.store.base import Store, StoredPackage
from dsprod.store.local import LocalStore

__all__ = ["Store", "StoredPackage", "open_store"]


def open_store(settings: StoreSettings) -> Store:
    """The store implementation configured in channels.yaml / the environment."""
    if settings.kind == "local":
        return LocalStore(settings.path)
    raise InputError(f"store kind '{settings.kind}' is not supported")
