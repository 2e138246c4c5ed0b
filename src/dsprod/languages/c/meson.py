"""Read a Meson project with ``meson setup`` and ``meson introspect``.

Meson alone knows what a ``meson.build`` means, so the project is set up in a
scratch folder (shared libraries, release, ``--libdir=lib``) and introspected:
project info, compilers, targets (their ``-soname`` link argument gives a
shared library's SONAME), tests and the install plan. Before the setup, the
sources alone are introspected: ``--scan-dependencies`` lists the
``dependency()`` calls of every branch, and the build options show which
boolean or feature options gate the tests (``tests``, ``build_tests`` ...);
those that are off are switched on in the setup, and recorded for the test
runner. Setup writes the build folder's introspection into ``meson-info/``,
read as files: two meson processes in all, each a Python start-up.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dsprod.errors import InputError
from dsprod.languages.c.paths import classify, relative_to_prefix, within
from dsprod.languages.c.plan import BuildPlan, Installed

FAKE_PREFIX = "/dsprod-install-prefix"
BASE_OPTIONS = (
    f"--prefix={FAKE_PREFIX}",
    "--libdir=lib",
    "--buildtype=release",
    "-Ddefault_library=shared",
)
TEST_GATE = re.compile(r"^((build|enable|with)_)?test(s|ing)?$")
"""A project option by this name switches the tests on (``tests``, ``build_tests``)."""
LANGUAGES = {"c": "C", "cpp": "CXX", "fortran": "Fortran"}
"""Meson's language names -> the ones ``plan.LANGUAGE_COMPILERS`` knows."""
TARGET_KINDS = {"shared library": "shared", "static library": "static", "executable": "executable"}
INTROSPECTED = ("projectinfo", "targets", "tests", "compilers", "installed")
"""The introspection files ``meson setup`` writes into ``meson-info/`` that the reader uses."""
SONAME = re.compile(r"^-Wl,-soname,(?P<soname>.+)$")


def meson_command() -> list[str]:
    """How to run meson: the ``mesonbuild`` dsprod depends on, else ``meson`` on PATH."""
    if importlib.util.find_spec("mesonbuild") is not None:
        return [sys.executable, "-m", "mesonbuild.mesonmain"]
    return ["meson"]


def read_meson(root: Path, scratch: Path) -> BuildPlan:
    """Set the project in ``root`` up in ``scratch`` and read what meson says about it."""
    build = scratch / "meson-build"
    # The options can be read from the sources, so one setup has the tests on already.
    sources = _introspect(root / "meson.build", "--buildoptions", "--scan-dependencies")
    gates = _test_gates(sources["buildoptions"])
    _setup(root, build, gates)
    found = {name: _intro_file(build, name) for name in INTROSPECTED}
    info, targets, tests = found["projectinfo"], found["targets"], found["tests"]
    compilers = found["compilers"].get("host", {})
    languages = tuple(sorted(LANGUAGES.get(name, name) for name in compilers))
    by_id = {target["id"]: target for target in targets}
    test_targets = [
        by_id[ident] for test in tests for ident in test.get("depends", []) if ident in by_id
    ]
    tests_dirs = sorted(
        {
            Path(target["defined_in"]).parent.relative_to(root).as_posix()
            for target in test_targets
            if within(Path(target["defined_in"]), root)
        }
    )
    test_languages = sorted(
        {
            LANGUAGES.get(source["language"], source["language"])
            for target in test_targets
            for source in target.get("target_sources", [])
            if "language" in source
        }
    )
    name = info.get("descriptive_name") or None
    licenses = [item for item in info.get("license", []) if item and item != "unknown"]
    notes = [f"{root / 'meson.build'}: tests switched on with {' '.join(gates)}"] if gates else []
    return BuildPlan(
        build_system="meson",
        name=name,
        version=info.get("version") if info.get("version") not in (None, "", "undefined") else None,
        summary=_pkgconfig_description(found["installed"]),
        license=" AND ".join(licenses) or None,
        languages=languages,
        test_languages=tuple(test_languages) or languages,
        installed=_installed(targets, found["installed"]),
        tests=tuple(test["name"] for test in tests),
        tests_dirs=tuple(tests_dirs),
        test_options=tuple(gates),
        dependencies=tuple(
            sorted({item["name"] for item in sources["scan_dependencies"]} - {name})
        ),
        notes=tuple(notes),
    )


def _run(args: Sequence[str], where: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [*meson_command(), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise InputError(f"{where}: reading it needs meson (pip install meson)") from None


def _setup(root: Path, build: Path, options: Sequence[str]) -> None:
    """``meson setup`` the project; one that does not set up is bad input."""
    where = root / "meson.build"
    done = _run(["setup", *BASE_OPTIONS, *options, str(build), str(root)], where)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise InputError(f"{where}: meson could not set the project up:\n{tail}")


def _intro_file(build: Path, name: str) -> Any:
    """One of the introspection files setup wrote (``meson-info/intro-<name>.json``)."""
    return json.loads((build / "meson-info" / f"intro-{name}.json").read_text(encoding="utf-8"))


def _introspect(where: Path, *what: str) -> Any:
    """``meson introspect`` of a build folder (or a ``meson.build``), all ``what`` at once."""
    done = _run(["introspect", "--force-object-output", *what, str(where)], where)
    if done.returncode != 0:
        raise InputError(f"{where}: meson introspect failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def _test_gates(options: Iterable[Mapping[str, Any]]) -> list[str]:
    """``-Dname=true``/``enabled`` for each project option that gates the tests and is off."""
    gates = []
    for option in options:
        if option.get("section") != "user" or not TEST_GATE.match(option["name"]):
            continue
        if option["type"] == "boolean" and option["value"] is False:
            gates.append(f"-D{option['name']}=true")
        elif option["type"] == "feature" and option["value"] != "enabled":
            gates.append(f"-D{option['name']}=enabled")
    return sorted(gates)


def _installed(
    targets: Iterable[Mapping[str, Any]], installed: Mapping[str, str]
) -> tuple[Installed, ...]:
    """The install plan relative to the prefix, targets' files typed by the target."""
    files: dict[str, Installed] = {}
    for destination in installed.values():
        where = relative_to_prefix(destination, FAKE_PREFIX)
        files[where] = Installed(where, classify(where))
    for target in targets:
        kind = TARGET_KINDS.get(target["type"])
        if kind is None or not target.get("installed"):
            continue
        soname = next(
            (
                match["soname"]
                for source in target.get("target_sources", [])
                for argument in source.get("parameters", [])
                if "linker" in source
                if (match := SONAME.match(argument))
            ),
            None,
        )
        for destination in target.get("install_filename", []):
            where = relative_to_prefix(destination, FAKE_PREFIX)
            files[where] = Installed(where, kind, soname)
    return tuple(files[path] for path in sorted(files))


def _pkgconfig_description(installed: Mapping[str, str]) -> str:
    """The ``Description`` of the pkg-config file meson generated at setup, if it installs one."""
    for source in installed:
        path = Path(source)
        if path.suffix == ".pc" and path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("Description:"):
                    return line.partition(":")[2].strip()
    return ""
