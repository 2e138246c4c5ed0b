"""Installed paths: what kind of file each is, wherever the build system named it."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

HEADER_SUFFIXES = frozenset({".h", ".hh", ".hpp", ".hxx", ".h++", ".inl", ".ipp", ".tpp"})


def within(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies inside it."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def relative_to_prefix(destination: str, prefix: str) -> str:
    """An install destination relative to the prefix (build systems give either spelling)."""
    path = PurePosixPath(destination)
    if path.is_absolute():
        path = path.relative_to(prefix) if path.is_relative_to(prefix) else path
    return "" if str(path) == "." else str(path)


def classify(path: str) -> str:
    """The kind of an installed file, by where it goes and its name (see ``plan.Installed``)."""
    pure = PurePosixPath(path)
    top = pure.parts[0] if pure.parts else ""
    name = pure.name
    if top == "include" and pure.suffix.lower() in HEADER_SUFFIXES:
        return "header"
    if name.endswith(".pc") and pure.parent.name == "pkgconfig":
        return "pkgconfig"
    if name.endswith(".cmake") and "cmake" in pure.parts[:-1]:
        return "cmake_config"
    if top == "lib" and len(pure.parts) == 2:
        if name.endswith(".a"):
            return "static"
        if ".so" in pure.suffixes:
            return "shared"
    if top == "bin" and len(pure.parts) == 2:
        return "executable"
    return "other"
