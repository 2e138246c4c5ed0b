"""Which pytest plugins a test env has, and the configured options that need one it lacks.

A project's ``addopts`` often names options of plugins its developers have
(``--cov=src/pkg`` of pytest-cov, ``-n auto`` of pytest-xdist) that only
serve coverage or speed; its test requirements rightly leave those plugins
out, and pytest would then stop at "unrecognized arguments". Such options are
dropped, each named in a warning; every option dsprod does not know stays.
"""

from __future__ import annotations

import configparser
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


class Takes(Enum):
    """What follows an option on the command line."""

    NOTHING = "nothing"
    VALUE = "value"
    OPTIONAL_VALUE = "optional value"  # argparse nargs="?": the next word unless it is an option


# fmt: off
_PLUGIN_OPTIONS: dict[str, tuple[tuple[str, Takes], ...]] = {
    "pytest-cov": (
        ("--cov", Takes.OPTIONAL_VALUE), ("--cov-report", Takes.VALUE),
        ("--cov-config", Takes.VALUE), ("--cov-fail-under", Takes.VALUE),
        ("--cov-context", Takes.VALUE), ("--cov-branch", Takes.NOTHING),
        ("--cov-append", Takes.NOTHING), ("--cov-reset", Takes.NOTHING),
        ("--cov-precision", Takes.VALUE), ("--no-cov", Takes.NOTHING),
        ("--no-cov-on-fail", Takes.NOTHING),
    ),
    "pytest-xdist": (
        ("-n", Takes.VALUE), ("--numprocesses", Takes.VALUE), ("--maxprocesses", Takes.VALUE),
        ("--max-worker-restart", Takes.VALUE), ("--dist", Takes.VALUE), ("--tx", Takes.VALUE),
        ("--px", Takes.VALUE), ("--rsyncdir", Takes.VALUE), ("--rsyncignore", Takes.VALUE),
        ("--looponfail", Takes.NOTHING),
    ),
    "pytest-timeout": (("--timeout", Takes.VALUE), ("--timeout-method", Takes.VALUE)),
    "pytest-rerunfailures": (
        ("--reruns", Takes.VALUE), ("--reruns-delay", Takes.VALUE), ("--only-rerun", Takes.VALUE),
    ),
    "pytest-randomly": (
        ("--randomly-seed", Takes.VALUE), ("--randomly-dont-reset-seed", Takes.NOTHING),
        ("--randomly-dont-reorganize", Takes.NOTHING),
    ),
    "pytest-html": (("--html", Takes.VALUE), ("--self-contained-html", Takes.NOTHING)),
    "pytest-asyncio": (("--asyncio-mode", Takes.VALUE),),
    "pytest-mypy": (("--mypy", Takes.NOTHING),),
    "pytest-flake8": (("--flake8", Takes.NOTHING),),
    "pytest-black": (("--black", Takes.NOTHING),),
    "pytest-ruff": (("--ruff", Takes.NOTHING), ("--ruff-format", Takes.NOTHING)),
    "pytest-doctestplus": (
        ("--doctest-plus", Takes.NOTHING), ("--doctest-rst", Takes.NOTHING),
    ),
    "hypothesis": (
        ("--hypothesis-profile", Takes.VALUE), ("--hypothesis-seed", Takes.VALUE),
        ("--hypothesis-show-statistics", Takes.NOTHING),
        ("--hypothesis-verbosity", Takes.VALUE),
    ),
    "pytest-benchmark": (
        ("--benchmark-skip", Takes.NOTHING), ("--benchmark-disable", Takes.NOTHING),
        ("--benchmark-only", Takes.NOTHING), ("--benchmark-autosave", Takes.NOTHING),
        ("--benchmark-min-rounds", Takes.VALUE), ("--benchmark-sort", Takes.VALUE),
        ("--benchmark-columns", Takes.VALUE),
    ),
}
# fmt: on
_OPTIONS = {
    option: (plugin, takes)
    for plugin, options in _PLUGIN_OPTIONS.items()
    for option, takes in options
}


@dataclass(frozen=True)
class InstalledPlugins:
    """What an env can load: distributions, pytest11 plugin names, importable top-level names."""

    distributions: frozenset[str]
    """Canonical distribution names (``pytest-cov``)."""
    plugin_names: frozenset[str]
    """Names of ``pytest11`` entry points (what ``-p NAME`` also accepts)."""
    modules: frozenset[str]
    """Top-level modules and packages importable from site-packages, and pytest's own plugins."""

    def can_load(self, plugin: str, folders: Iterable[Path] = ()) -> bool:
        """Whether ``-p plugin`` would load: an entry point name or an importable module.

        ``folders`` are more places on ``sys.path`` (the tests' rootdir).
        """
        top = plugin.split(".")[0]
        if plugin in self.plugin_names or top in self.modules:
            return True
        return any((f / top).is_dir() or (f / f"{top}.py").is_file() for f in folders)


def installed_plugins(prefix: Path) -> InstalledPlugins:
    """Read the env at ``prefix``: its site-packages' dist-info folders and entry points."""
    distributions: set[str] = set()
    plugin_names: set[str] = set()
    modules: set[str] = set()
    for site in [*prefix.glob("lib/python*/site-packages"), prefix / "Lib" / "site-packages"]:
        if not site.is_dir():
            continue
        for entry in site.iterdir():
            if entry.suffix == ".dist-info":
                distributions.add(canonicalize_name(entry.name.split("-")[0]))
                plugin_names.update(_pytest11_names(entry / "entry_points.txt"))
            elif entry.is_dir() and entry.name.isidentifier():
                modules.add(entry.name)
            elif entry.suffix in (".py", ".so", ".pyd"):
                modules.add(entry.name.split(".")[0])
        builtin = site / "_pytest"
        if builtin.is_dir():
            modules.update(path.stem for path in builtin.glob("*.py"))
            modules.update(path.name for path in builtin.iterdir() if path.is_dir())
    return InstalledPlugins(frozenset(distributions), frozenset(plugin_names), frozenset(modules))


def _pytest11_names(entry_points: Path) -> set[str]:
    if not entry_points.is_file():
        return set()
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # names are case-sensitive
    try:
        parser.read_string(entry_points.read_text(encoding="utf-8"))
    except (configparser.Error, UnicodeDecodeError):
        return set()  # a broken entry_points.txt is pip's concern, not a plugin here
    return set(parser["pytest11"]) if parser.has_section("pytest11") else set()


def unavailable_options(
    args: Sequence[str], installed: InstalledPlugins, folders: Iterable[Path] = ()
) -> tuple[list[str], list[str]]:
    """``args`` split into (kept, dropped); dropped options keep their values with them.

    Dropped are the options of known plugins the env lacks (``--cov=src``,
    ``-n 2``) and ``-p NAME`` loads of plugins it cannot import.
    """
    kept: list[str] = []
    dropped: list[str] = []
    words = list(args)
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("-p") and not word.startswith("--"):
            group = [word]
            if word == "-p" and index < len(words):
                group.append(words[index])
                index += 1
            name = word[2:] or group[-1]
            if name.startswith("no:") or installed.can_load(name, folders):
                kept += group
            else:
                dropped.append(" ".join(group))
            continue
        option, inline = _option_of(word)
        if option is None:
            kept.append(word)
            continue
        plugin, takes = _OPTIONS[option]
        group = [word]
        if inline is None and index < len(words):
            following = words[index]
            if takes is Takes.VALUE or (
                takes is Takes.OPTIONAL_VALUE and not following.startswith("-")
            ):
                group.append(following)
                index += 1
        if plugin in installed.distributions:
            kept += group
        else:
            dropped.append(" ".join(group))
    return kept, dropped


def _option_of(word: str) -> tuple[str | None, str | None]:
    """The known plugin option ``word`` starts, and its value when given in the same word."""
    if word.startswith("--"):
        name, equals, value = word.partition("=")
        return (name, value if equals else None) if name in _OPTIONS else (None, None)
    if word.startswith("-") and len(word) >= 2 and word[:2] in _OPTIONS:
        return word[:2], (word[2:] or None)
    return None, None


def missing_required_plugins(required: Sequence[str], installed: InstalledPlugins) -> list[str]:
    """``required_plugins`` entries whose distribution the env lacks (unparsable ones kept)."""
    missing = []
    for entry in required:
        try:
            name = canonicalize_name(Requirement(entry).name)
        except InvalidRequirement:
            continue
        if name not in installed.distributions:
            missing.append(entry)
    return missing
