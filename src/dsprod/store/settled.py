"""Whether a local channel's subdir is exactly as the last writer of the store left it.

Why this module exists: a publish must index any package file a killed writer
(or other hands) left in the subdir unlisted, and must not splice a record into
an index someone else edited. Finding out by listing the directory and checking
every line of ``repodata.json`` costs time in proportion to the channel (at
20,000 packages, a directory read and a regex pass: about 30 ms of a publish).

Instead, each writer that leaves a subdir with every package file listed
records what the subdir and its index looked like then (``record``): the
directory's inode and change time, and ``repodata.json``'s inode, change time
and size. Any change to the directory since (a file linked in, renamed, removed;
an index replaced) changes its ``st_ctime_ns``; an index edited in place changes
its own. The next writer or reader compares (``unchanged``): equal, it may skip
the directory read and the line checks; different, missing or unreadable, it
does both, as if no record existed. A record is only a shortcut: deleting the
folder costs one directory read per subdir, never correctness.

A change made within the same tick of the file system's clock as the recorded
one would keep its change time. So a record is trusted only when the record
file's own change time is later than both recorded ones: then every change
after it was written has a later time too. (Linux 6.13 and later give
directories fine-grained change times once they are looked at; older kernels'
ticks are a few milliseconds, shorter than the fsync that precedes a record.)

Records live in the store's own ``.settled/`` folder, outside ``channels/``
(writing beside the index would change the directory being described). They
are written without fsync: one lost in a power cut leaves an older record,
which no longer matches, so the next writer reads the directory.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

SETTLED = ".settled"
"""Under the store root: ``<channel>/<subdir>.json``, one record per subdir."""
INDEX = "repodata.json"


def identity_of(live: Path) -> dict[str, list[int]] | None:
    """The subdir's directory and index identities, or None if either is missing."""
    try:
        folder = os.stat(live)
        index = os.stat(live / INDEX)
    except FileNotFoundError:
        return None
    return {
        "dir": [folder.st_ino, folder.st_ctime_ns],
        "index": [index.st_ino, index.st_ctime_ns, index.st_size],
    }


def _place(root: Path, live: Path) -> Path:
    """Where the record of ``live`` (``channels/<channel>/<subdir>``) is kept."""
    return root / SETTLED / live.parent.name / f"{live.name}.json"


def record(root: Path, live: Path, staging: Path) -> None:
    """Remember ``live`` as it is now: every genuine package file in it is listed (lock held).

    Prepared in ``staging`` (the writer's private folder, on the same file
    system) and renamed, so a reader never parses half of one; a torn or
    unreadable record only means "not known to be settled".
    """
    identity = identity_of(live)
    place = _place(root, live)
    if identity is None:
        place.unlink(missing_ok=True)
        return
    place.parent.mkdir(parents=True, exist_ok=True)
    temporary = staging / f"settled-{uuid.uuid4().hex}.json"
    temporary.write_text(json.dumps(identity))
    temporary.replace(place)


def unchanged(root: Path, live: Path) -> bool:
    """Whether ``live`` is as its last recorded writer left it (see the module docstring)."""
    return current(root, live) is not None


def current(root: Path, live: Path) -> dict[str, list[int]] | None:
    """``live``'s identity if it is as its last recorded writer left it, else None.

    Such an identity names the index's bytes: any later change to the subdir
    or its index gets a later change time (the record was written in a later
    tick), so an equal identity seen later means the same bytes. The path
    index keys its sync on it (``path_index``).
    """
    try:
        with _place(root, live).open("rb") as handle:
            written = os.fstat(handle.fileno()).st_ctime_ns
            recorded = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    now = identity_of(live)
    return now if trusted(recorded, written, now) else None


def trusted(recorded: Any, written: int, now: dict[str, list[int]] | None) -> bool:
    """Whether a record (as parsed) written at change time ``written`` vouches for ``now``.

    It must describe exactly what is there now, and have been written after
    both changes it records, in a later tick of the file system's clock.
    """
    try:
        folder_ctime, index_ctime = recorded["dir"][1], recorded["index"][1]
        later = written > folder_ctime and written > index_ctime
    except (TypeError, KeyError, IndexError):
        return False
    return later and now is not None and recorded == now
