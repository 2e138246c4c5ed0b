"""How long work tells the user where it is: one callable that takes a line of progress.

Nothing below the CLI prints; stages, builders and stores call a ``Report``
and the CLI decides where the line goes (stderr, so that ``--json`` stays clean).
"""

from __future__ import annotations

from collections.abc import Callable

Report = Callable[[str], None]


def silent(_message: str) -> None:
    """A ``Report`` for work nobody watches (bootstrap's inner builds, tests)."""
