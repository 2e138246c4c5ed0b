"""One spelling per repository, so that a store can tell whether two builds came from the same one.

A store gives each package name an owner, the first repository that published
it (see ``store.ledger.Ownership``). The same repository is reached under many
spellings: ``https://user:token@GitHub.com/org/repo.git/``,
``git@github.com:org/repo``, ``ssh://git@github.com/org/repo``. They all name
``github.com/org/repo``: the host in lower case with its port, the path as
written (hosts differ on whether it is case-sensitive), without credentials,
scheme, a ``.git`` suffix, a trailing slash, a query or a fragment. Leaving the
scheme out makes an https clone in CI and an ssh clone on a laptop one owner.
A repository without a remote is its folder, as an absolute path.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from dsprod.errors import InputError

_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?(?P<host>[^/:]+):(?P<path>[^/].*)$")
"""git's ``[user@]host:path`` form (ssh), which has no ``://``."""


def normalise_repository(location: str) -> str:
    """The one spelling of the repository at ``location`` (a remote URL or a folder).

    Raises ``InputError`` for a URL that cannot name a repository.
    """
    text = location.strip()
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme.lower() == "file":
            return _tidy(posixpath.normpath(unquote(parts.path)))
        host = (parts.hostname or "").lower()
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:  # a port that is not a number
            raise InputError(f"'{location}': not a repository URL (bad port)") from None
        return _tidy(f"{host}{port}/{parts.path.lstrip('/')}")
    scp = _SCP_LIKE.match(text)
    if scp and not text.startswith(("/", ".", "~")):
        return _tidy(f"{scp['host'].lower()}/{scp['path']}")
    return _tidy(posixpath.normpath(text))


def _tidy(spelling: str) -> str:
    spelling = spelling.rstrip("/")
    return spelling.removesuffix(".git").rstrip("/") or "/"
