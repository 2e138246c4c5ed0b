"""The house rules of docs/architecture.md, checked on the source itself.

Data flows one way through dsprod's rooms; an import that runs back up, an
event loop started below the command line, a library function that edits the
process environment or prints: each is a bug this test names by file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

PACKAGE = Path(__import__("dsprod").__file__).resolve().parent

# Every top-level room, lowest first: a room may import only rooms before it (and itself).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__", "errors", "progress", "conda"),
    ("vcs",),
    ("project",),
    ("recipe",),
    ("artifact",),
    ("envtest",),
    ("languages",),
    ("builders",),
    ("verify",),
    ("store",),
    ("config",),
    ("promote",),
    ("bootstrap",),
    ("pipeline",),
    ("cli",),
    ("__main__",),
)
LEVEL = {room: level for level, rooms in enumerate(LAYERS) for room in rooms}
TOP_OF_A_COMMAND = {"cli"}
"""The only room that may start an event loop, change os.environ, or print."""


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        room = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        yield room, path, ast.parse(path.read_text(encoding="utf-8"))


def dsprod_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, imported room) for every import of another dsprod module."""
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "dsprod":  # `from dsprod import pipeline, __version__`
                names = [
                    f"dsprod.{alias.name}" if _is_room(alias.name) else "dsprod.__init__"
                    for alias in node.names
                ]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "dsprod" and len(parts) > 1:
                yield node.lineno, parts[1]


def _is_room(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def test_every_room_has_a_place_in_the_layers() -> None:
    rooms = {room for room, _, _ in modules()}
    assert rooms <= set(LEVEL), f"rooms missing from LAYERS: {sorted(rooms - set(LEVEL))}"


def test_no_import_runs_back_up() -> None:
    upward = [
        f"{path.relative_to(PACKAGE)}:{line} ({room}) imports dsprod.{target}"
        for room, path, tree in modules()
        for line, target in dsprod_imports(tree)
        if target != room and LEVEL[target] >= LEVEL[room]
    ]
    assert upward == []


def test_conda_vocabulary_imports_nothing_else_of_dsprod() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{line} imports dsprod.{target}"
        for room, path, tree in modules()
        if room == "conda"
        for line, target in dsprod_imports(tree)
        if target != "conda"
    ]
    assert found == []


def calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every call and every assignment target that is an attribute chain."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node.lineno, ast.unparse(node.func)
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript):
                    yield node.lineno, f"{ast.unparse(target.value)}[]="


FORBIDDEN_BELOW_THE_CLI = {
    "asyncio.run": "starts an event loop (only the command line runs one)",
    "print": "prints (progress goes through a Report)",
    "os.environ[]=": "changes the process environment",
    "os.environ.update": "changes the process environment",
    "os.environ.setdefault": "changes the process environment",
    "os.environ.pop": "changes the process environment",
    "os.environ.clear": "changes the process environment",
    "os.putenv": "changes the process environment",
}


def test_only_the_command_line_runs_loops_edits_the_environment_or_prints() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{line} {FORBIDDEN_BELOW_THE_CLI[name]}"
        for room, path, tree in modules()
        if room not in TOP_OF_A_COMMAND
        for line, name in calls(tree)
        if name in FORBIDDEN_BELOW_THE_CLI
    ]
    assert found == []
