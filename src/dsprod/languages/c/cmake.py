"""Read a CMake project by configuring it and reading CMake's own answers.

CMake is the only thing that knows what a ``CMakeLists.txt`` means (variables,
options, generator expressions, subdirectories), so dsprod never reads the file
itself: it configures the project into a scratch folder with a File API query
(codemodel-v2, cache-v2, cmakeFiles-v1, toolchains-v1) and reads the replies,
then asks ``ctest --show-only=json-v1`` which tests exist and where they are
defined (backtraces). Options that gate the tests (BOOL cache entries such as
``BUILD_TESTING`` or ``<PROJECT>_BUILD_TESTS`` that are off) are switched on
and the project configured again, so the tests show; they are recorded for the
test runner. ``BUILD_SHARED_LIBS`` is on, as in the recipe's build.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from dsprod.errors import InputError
from dsprod.languages.c.paths import classify, relative_to_prefix, within
from dsprod.languages.c.plan import BuildPlan, Installed

QUERIES = ("codemodel-v2", "cache-v2", "cmakeFiles-v1", "toolchains-v1")
FAKE_PREFIX = "/dsprod-install-prefix"
"""The install prefix the reader configures with: destinations are read relative to it."""
BASE_OPTIONS = (
    "-DBUILD_SHARED_LIBS=ON",
    "-DCMAKE_BUILD_TYPE=Release",
    f"-DCMAKE_INSTALL_PREFIX={FAKE_PREFIX}",
    "-DCMAKE_INSTALL_LIBDIR=lib",
)
TEST_GATE = re.compile(r"(^|_)(BUILD_|ENABLE_|WITH_)?TEST(S|ING)?$")
"""A BOOL cache entry by this name switches tests on (``BUILD_TESTING``, ``FOO_BUILD_TESTS``)."""
FIND_MODULE = re.compile(r"^Find(?P<name>.+)\.cmake$")
CONFIG_FILE = re.compile(r"^(?P<name>.+?)(-config|Config)\.cmake$")
HELPER_MODULES = frozenset({"PackageHandleStandardArgs", "PackageMessage"})
"""Find*.cmake files that are CMake's helpers for writing Find modules, not packages."""


def read_cmake(root: Path, scratch: Path) -> BuildPlan:
    """Configure the project in ``root`` into ``scratch`` and read what CMake says about it."""
    build = scratch / "cmake-build"
    query = build / ".cmake" / "api" / "v1" / "query"
    query.mkdir(parents=True, exist_ok=True)
    for name in QUERIES:
        (query / name).touch()
    _configure(root, build, ())
    gates = _test_gates(_reply(build, "cache-v2")["entries"])
    if gates:  # configure again with the tests switched on, so that they show
        _configure(root, build, tuple(f"-D{name}=ON" for name in gates))
    replies = {name: _reply(build, name) for name in QUERIES}
    cache = {entry["name"]: entry["value"] for entry in replies["cache-v2"]["entries"]}
    test_options = tuple(
        f"-D{name}=ON"
        for name in sorted({*gates, *(["BUILD_TESTING"] if "BUILD_TESTING" in cache else [])})
    )
    codemodel = replies["codemodel-v2"]["configurations"][0]
    targets = [_reply_file(build, target["jsonFile"]) for target in codemodel["targets"]]
    tests, test_files = _ctest(build)
    tests_dirs = _tests_dirs(test_files, root)
    languages = tuple(sorted({item["language"] for item in replies["toolchains-v1"]["toolchains"]}))
    notes = []
    if gates:
        notes.append(f"{root / 'CMakeLists.txt'}: tests switched on with {', '.join(gates)}=ON")
    installed, install_notes = _installed(build, root, codemodel, targets)
    return BuildPlan(
        build_system="cmake",
        name=cache.get("CMAKE_PROJECT_NAME") or None,
        version=cache.get("CMAKE_PROJECT_VERSION") or None,
        summary=cache.get("CMAKE_PROJECT_DESCRIPTION", ""),
        homepage=cache.get("CMAKE_PROJECT_HOMEPAGE_URL") or None,
        languages=languages,
        test_languages=_test_languages(codemodel, targets, tests_dirs) or languages,
        installed=installed,
        tests=tests,
        tests_dirs=tests_dirs,
        test_options=test_options,
        dependencies=_dependencies(
            replies["cmakeFiles-v1"]["inputs"], replies["cache-v2"]["entries"], build, root
        ),
        notes=(*notes, *install_notes),
    )


def _configure(root: Path, build: Path, options: Sequence[str]) -> None:
    """Run ``cmake`` on ``root``; a project that does not configure is bad input."""
    try:
        done = subprocess.run(
            ["cmake", "-S", str(root), "-B", str(build), *BASE_OPTIONS, *options],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise InputError(f"{root / 'CMakeLists.txt'}: reading it needs cmake on PATH") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise InputError(
            f"{root / 'CMakeLists.txt'}: cmake could not configure the project on this host"
            " (dsprod reads it by configuring it; a REQUIRED find_package this host lacks"
            f" stops it too):\n{tail}"
        )


def _reply_file(build: Path, name: str) -> Any:
    return json.loads(
        (build / ".cmake" / "api" / "v1" / "reply" / name).read_text(encoding="utf-8")
    )


def _reply(build: Path, kind: str) -> Any:
    """The newest reply of ``kind`` (the index names it)."""
    indexes = sorted((build / ".cmake" / "api" / "v1" / "reply").glob("index-*.json"))
    index = json.loads(indexes[-1].read_text(encoding="utf-8"))
    return _reply_file(build, index["reply"][kind]["jsonFile"])


def _test_gates(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """BOOL options that switch tests on and are off now."""
    return sorted(
        entry["name"]
        for entry in entries
        if entry["type"] == "BOOL"
        and not entry["name"].startswith("CMAKE_")
        and TEST_GATE.search(entry["name"])
        and entry["value"].upper() in ("OFF", "FALSE", "NO", "0", "N", "")
    )


def _ctest(build: Path) -> tuple[tuple[str, ...], list[str]]:
    """The tests ctest knows, and the file each is defined in (its ``add_test`` backtrace)."""
    done = subprocess.run(
        ["ctest", "--show-only=json-v1"], cwd=build, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return (), []
    listing = json.loads(done.stdout)
    graph = listing.get("backtraceGraph", {"nodes": [], "files": []})
    files = []
    for test in listing.get("tests", []):
        node = test.get("backtrace")
        if node is not None:
            files.append(graph["files"][graph["nodes"][node]["file"]])
    return tuple(test["name"] for test in listing.get("tests", [])), files


def _tests_dirs(test_files: Iterable[str], root: Path) -> tuple[str, ...]:
    """The folders (relative to ``root``) whose CMakeLists.txt define tests."""
    folders = set()
    for file in test_files:
        path = Path(file)
        if within(path, root):
            folders.add(path.parent.relative_to(root).as_posix())
    return tuple(sorted(folders))


def _test_languages(
    codemodel: Mapping[str, Any], targets: Sequence[Mapping[str, Any]], tests_dirs: Sequence[str]
) -> tuple[str, ...]:
    """Languages of the targets defined in the tests folders (not the top-level folder)."""
    languages: set[str] = set()
    for target in targets:
        source = PurePosixPath(target["paths"]["source"])
        if any(source.is_relative_to(folder) for folder in tests_dirs if folder != "."):
            languages.update(group["language"] for group in target.get("compileGroups", []))
    return tuple(sorted(languages))


def _installed(
    build: Path, root: Path, codemodel: Mapping[str, Any], targets: Sequence[Mapping[str, Any]]
) -> tuple[tuple[Installed, ...], list[str]]:
    """Every file the install rules put under the prefix, from the directories' installers."""
    files: dict[str, Installed] = {}
    notes = []
    for directory in codemodel["directories"]:
        if not directory.get("hasInstallRule"):
            continue
        source = root / directory["source"]
        for installer in _reply_file(build, directory["jsonFile"]).get("installers", []):
            destination = relative_to_prefix(installer.get("destination", ""), FAKE_PREFIX)
            kind = installer["type"]
            if kind == "target":
                target = targets[installer["targetIndex"]]
                for item in _target_files(target, installer, destination):
                    files[item.path] = item
            elif kind in ("file", "export"):
                for path in installer.get("paths", []):
                    name = PurePosixPath(path if isinstance(path, str) else path["to"]).name
                    where = f"{destination}/{name}" if destination else name
                    files[where] = Installed(where, classify(where))
            elif kind == "directory":
                for item in _directory_files(source, installer, destination):
                    files[item.path] = item
            elif kind == "fileSet":
                for path in installer.get("paths", []):
                    name = path if isinstance(path, str) else path["to"]
                    base = next(
                        (
                            folder
                            for folder in installer.get("fileSetDirectories", [])
                            if PurePosixPath(name).is_relative_to(folder)
                        ),
                        None,
                    )
                    inner = PurePosixPath(name).relative_to(base) if base else PurePosixPath(name)
                    where = f"{destination}/{inner}"
                    files[where] = Installed(where, classify(where))
            else:
                notes.append(
                    f"{source / 'CMakeLists.txt'}: an install rule of type '{kind}' is left out"
                    " of the package's content tests"
                )
    return tuple(files[path] for path in sorted(files)), notes


def _target_files(
    target: Mapping[str, Any], installer: Mapping[str, Any], destination: str
) -> list[Installed]:
    """The files a target's install rule puts in ``destination`` (with the SONAME of a library)."""
    kind = {
        "SHARED_LIBRARY": "shared",
        "STATIC_LIBRARY": "static",
        "EXECUTABLE": "executable",
    }.get(target["type"], "other")
    paths = [PurePosixPath(path).name for path in installer.get("paths", [])]
    soname = None
    if kind == "shared" and installer.get("targetInstallNamelink") != "only" and paths:
        soname = paths[-1]  # CMake lists the real file, then the SONAME link
    return [
        Installed(f"{destination}/{name}" if destination else name, kind, soname) for name in paths
    ]


def _directory_files(
    source: Path, installer: Mapping[str, Any], destination: str
) -> list[Installed]:
    """The files an ``install(DIRECTORY)`` rule copies.

    CMake gives ``dir`` (the folder itself goes into the destination) or, for
    ``dir/``, ``{"from": "dir", "to": "."}`` (its contents do).
    """
    files = []
    for path in installer.get("paths", []):
        if isinstance(path, str):
            folder, into = source / path, PurePosixPath(destination) / PurePosixPath(path).name
        else:
            folder, into = source / path["from"], PurePosixPath(destination) / path["to"]
        for file in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if file.is_file():
                where = (into / file.relative_to(folder).as_posix()).as_posix()
                files.append(Installed(where, classify(where)))
    return files


CONFIG_SEARCH = "The directory containing a CMake configuration file for "
"""The help string CMake gives the ``<Name>_DIR`` cache entry of every config-mode search."""


def _dependencies(
    inputs: Iterable[Mapping[str, Any]],
    cache: Iterable[Mapping[str, Any]],
    build: Path,
    root: Path,
) -> tuple[str, ...]:
    """Packages the configure step looked for.

    The Find modules and package config files it read (cmakeFiles-v1), and every
    config-mode search, found or not (the ``<Name>_DIR`` cache entries), so that a
    package missing on this host is still reported.
    """
    names = set()
    for entry in cache:
        helps = [
            item["value"] for item in entry.get("properties", []) if item["name"] == "HELPSTRING"
        ]
        if entry["name"].endswith("_DIR") and helps and helps[0].startswith(CONFIG_SEARCH):
            config_dir = Path(entry["value"])
            if not (
                config_dir.is_absolute() and (within(config_dir, build) or within(config_dir, root))
            ):
                names.add(entry["name"].removesuffix("_DIR"))
    for item in inputs:
        path = Path(item["path"])
        if path.is_absolute() and within(path, build):
            continue  # generated by the configure step itself
        found = FIND_MODULE.match(path.name)
        if found and found["name"] not in HELPER_MODULES:
            names.add(found["name"])
            continue
        config = CONFIG_FILE.match(path.name)
        if config and item.get("isExternal") and not item.get("isCMake"):
            names.add(config["name"])
    return tuple(sorted(names))
