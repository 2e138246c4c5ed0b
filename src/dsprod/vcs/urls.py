"""URLs as dsprod records them: never with credentials, query strings or fragments.

Every URL dsprod writes somewhere lasting (a package's ``about.json``, the
recipe ``dsprod recipe`` writes for users to commit) is public. CI gives the
origin remote with a token in it (GitLab: ``https://oauth2:TOKEN@host/org/repo.git``,
GitHub: ``https://TOKEN@github.com/...``), and project metadata may carry one
by mistake; a query string or fragment can carry one too. So userinfo, query
and fragment are dropped from every URL, with one exception: an ssh user
(``ssh://git@host/...``, scp-like ``git@host:org/repo.git``) is no secret, ssh
keys are, and without it a later clone would log in as the wrong user.
Whoever clones later (``dsprod test`` on a CI runner) supplies credentials its
own way. Pure string work: nothing here touches git or the network.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_SCHEME_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# ``scheme://[userinfo@]host[:port]/path?query#fragment``; never fails, unlike urlsplit.
_URL_PARTS = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:(?P<userinfo>[^/?#]*)@)?"
    r"(?P<host>[^/?#@]*)(?P<path>[^?#]*)"
)
# git's scp-like syntax: ``[user@]host:path``, a colon before any slash.
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/]*)@)?(?P<host>[^@/:]+):(?P<path>(?!//).*)$")
_SSH_SCHEMES = frozenset({"ssh", "git+ssh", "ssh+git"})
_HOST = re.compile(r"^(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\])$")


def without_credentials(url: str) -> str:
    """``url`` with no password, query or fragment; a username only where ssh needs it.

    Local paths and scp-like addresses without a password are returned unchanged.
    """
    parts = _URL_PARTS.match(url)
    if parts:
        user = (parts["userinfo"] or "").partition(":")[0]
        keep_user = bool(user) and parts["scheme"].lower() in _SSH_SCHEMES
        login = f"{user}@" if keep_user else ""
        return f"{parts['scheme']}://{login}{parts['host']}{parts['path']}"
    scp = _SCP_LIKE.match(url)
    if scp and scp["user"] and ":" in scp["user"]:
        return f"{scp['host']}:{scp['path']}"
    return url


def absolute_url(text: str) -> str | None:
    """``text`` as a recordable absolute URL (``scheme://host/...``), or None if it is none.

    For the URLs a project's metadata declares (homepage, repository,
    documentation): rattler-build refuses a recipe whose URL fields hold
    anything else, so such text is left out (the readers warn) rather than
    failing the build.
    """
    text = text.strip()
    if not _SCHEME_URL.match(text) or any(_not_in_url(char) for char in text):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port  # a port that is not a number raises ValueError
    except ValueError:
        return None
    host = parts.netloc.rpartition("@")[2]
    if port is not None:
        host = host.rpartition(":")[0]
    if not _HOST.match(host):
        return None
    return without_credentials(text)


def _not_in_url(char: str) -> bool:
    """Whitespace and control characters, and the backslash URL parsers read as a slash."""
    return char.isspace() or not char.isprintable() or char == "\\"
