"""Repackage the host's R (Debian's ``r-base-core``) and testthat's stack for the bootstrap channel.

conda-forge is unreachable, so the only R that build and test environments can
get is the one installed on this host. ``r-base`` is the host's ``R_HOME``
(without its site library) plus the share/include/doc folders Debian keeps
elsewhere, all under ``$PREFIX/lib/R``; its launcher scripts are rewritten to
point there (rattler-build records ``$PREFIX`` in text files and relocates it
on install), and ``R_LIBS_SITE`` no longer reaches the host's libraries, so an
environment's R sees only the environment. The installed ``r-cran-*``
packages that testthat needs become one ``r-<name>`` package each, built in
dependency order so each build finds its dependencies already in
``output_dir``. It links the host's system libraries (BLAS, ICU, readline ...),
so the packages are only good for hosts like this one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from dsprod.bootstrap.recipe_build import build_recipe, package_output
from dsprod.errors import BuildFailed, DsprodError, InputError
from dsprod.languages.r.description import (
    R_BUILTIN_PACKAGES,
    conda_requirements,
    parse_dependencies,
    r_conda_name,
    r_version_to_pep440,
    read_description,
)
from dsprod.languages.r.licenses import r_license_to_spdx
from dsprod.recipe.v1 import dump_v1

R_BASE_LICENSE = "GPL-2.0-or-later"
"""R is ``GPL-2 | GPL-3`` (its COPYING), which SPDX writes as GPL-2.0-or-later."""

TESTTHAT_ROOTS = ("testthat",)
"""The R packages bootstrap always offers (``bootstrap --r`` adds more); their recursive
Depends/Imports come along."""

PREFIX_PLACEHOLDER = "@DSPROD_PREFIX@"
"""Written into launcher files; the build script replaces it with ``$PREFIX``."""

_R_HOME_IN_PREFIX = f"{PREFIX_PLACEHOLDER}/lib/R"

# R_HOME plus the three folders Debian moves out of it (R_SHARE_DIR ...).
_R_LOCATIONS = 'cat(R.home(), R.home("share"), R.home("include"), R.home("doc"), sep = "\\n")'

_R_BASE_SCRIPT = r"""set -euo pipefail
dest="$PREFIX/lib/R"
mkdir -p "$dest" "$PREFIX/bin"
# -h: Debian's etc/ is symlinks into /etc/R; the site library holds the
# r-cran-* packages, which become packages of their own.
tar -C "$DSPROD_R_HOME" -chf - --exclude=./site-library . | tar -xf - -C "$dest"
for part in share include doc; do
  source_dir="DSPROD_R_${part^^}_DIR"
  if [ ! -e "$dest/$part" ]; then
    mkdir -p "$dest/$part"
    tar -C "${!source_dir}" -chf - . | tar -xf - -C "$dest/$part"
  fi
done
# The compiled Rscript has the host's R_HOME built in; a wrapper sets RHOME.
# (Not into bin/exec: R takes every file there for a sub-architecture.)
mkdir -p "$dest/libexec"
mv "$dest/bin/Rscript" "$dest/libexec/Rscript"
cp -r "$RECIPE_DIR/overlay/." "$PREFIX/"
grep -rl --null -F "$DSPROD_PREFIX_PLACEHOLDER" "$RECIPE_DIR/overlay" \
  | sed -z "s|^$RECIPE_DIR/overlay/||" \
  | (cd "$PREFIX" && xargs -0 -r sed -i "s|$DSPROD_PREFIX_PLACEHOLDER|$PREFIX|g")
chmod 755 "$PREFIX/bin/R" "$PREFIX/bin/Rscript" "$dest/bin/R" "$dest/bin/Rscript"
"""

_R_PACKAGE_SCRIPT = r"""set -euo pipefail
mkdir -p "$PREFIX/lib/R/library"
cp -rL "$DSPROD_R_PACKAGE_DIR" "$PREFIX/lib/R/library/"
"""


@dataclass(frozen=True)
class RInstallation:
    """Where the host's R lives: R_HOME and the folders R_SHARE_DIR etc. point to."""

    home: Path
    share: Path
    include: Path
    doc: Path
    version: str
    """R's own version, e.g. ``4.2.2``."""

    @property
    def minor_series(self) -> str:
        """``4.2``: packages with compiled code are built for one R minor series."""
        return ".".join(self.version.split(".")[:2])


@dataclass(frozen=True)
class InstalledRPackage:
    """One add-on package installed on the host, as bootstrap repackages it."""

    name: str
    folder: Path
    description: dict[str, str]
    dependencies: tuple[str, ...]
    """Names of the add-on packages (not R's own) it Depends on or Imports."""

    @property
    def compiled(self) -> bool:
        """True when it ships shared libraries (or programs) built for this platform."""
        return (self.folder / "libs").is_dir() or (self.folder / "bin").is_dir()


class RUnusable(Exception):
    """The host has an R that cannot run (half-installed, broken); the message says why."""


_R_START_TIMEOUT_S = 120


_R_CONFIGURATION = ("ldpaths", "Renviron", "Makeconf")
"""Files in R_HOME/etc that R's launcher, R itself and ``R CMD INSTALL`` read."""


def _missing_configuration(etc: Path) -> list[str]:
    """R_HOME/etc files that are missing or dangling links (Debian links them into /etc/R,
    which a half-done installation has not written yet). R still starts without
    ``ldpaths``, after an error message; repackaging its folder would fail."""
    dangling = {path.name for path in etc.iterdir() if not path.exists()} if etc.is_dir() else set()
    missing = {name for name in _R_CONFIGURATION if not (etc / name).is_file()}
    return [str(etc / name) for name in sorted(dangling | missing)]


def find_r_installation(r_executable: str) -> RInstallation:
    """Ask the host's R where it lives (Debian splits R_HOME across /usr/lib and /usr/share).

    Raises ``RUnusable`` with R's own last words when it cannot start or
    answer, and naming the files when its configuration is missing (a
    half-installed R whose ``etc/ldpaths`` is missing).
    """
    try:
        result = subprocess.run(
            [r_executable, "--no-echo", "--vanilla", "-e", _R_LOCATIONS],
            capture_output=True,
            text=True,
            check=False,
            timeout=_R_START_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise RUnusable(f"{r_executable} did not answer in {_R_START_TIMEOUT_S} s") from None
    except OSError as error:
        raise RUnusable(f"{r_executable} cannot be run ({error.strerror})") from None
    locations = result.stdout.split()
    if result.returncode != 0 or len(locations) != 4:
        said = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        why = said[-1] if said else f"exit code {result.returncode}, no R_HOME reported"
        raise RUnusable(f"{r_executable} fails to start: {why}")
    home, share, include, doc = (Path(location) for location in locations)
    broken = _missing_configuration(home / "etc")
    if broken:
        raise RUnusable(
            f"{', '.join(broken)} missing (R is half-installed; finish its installation,"
            " e.g. dpkg --configure -a)"
        )
    try:
        base = read_description(home / "library" / "base" / "DESCRIPTION")
        version = r_version_to_pep440(base.get("Version", ""), where=f"{home}: base Version")
    except DsprodError as error:
        raise RUnusable(f"{r_executable}: {error}") from None
    return RInstallation(home, share, include, doc, version)


def relocated_r_launcher(script: str, installation: RInstallation) -> str:
    """Debian's ``bin/R`` with R_HOME & friends under ``$PREFIX/lib/R``.

    Debian's launcher also switches back to ``/usr/lib*/R`` whenever that
    exists (its lib64 detection block), which would run the host's R instead
    of the environment's; that block is removed. Any leftover mention of the
    host's folders means the launcher changed shape, and is an error rather
    than a package that silently runs the wrong R.
    """
    script = re.sub(
        r'^if test "\$\{R_HOME_DIR\}" = .*?^fi\n', "", script, count=1, flags=re.M | re.S
    )
    for variable, value in (
        ("R_HOME_DIR", _R_HOME_IN_PREFIX),
        ("R_SHARE_DIR", f"{_R_HOME_IN_PREFIX}/share"),
        ("R_INCLUDE_DIR", f"{_R_HOME_IN_PREFIX}/include"),
        ("R_DOC_DIR", f"{_R_HOME_IN_PREFIX}/doc"),
    ):
        script, found = re.subn(rf"^{variable}=.*$", f'{variable}="{value}"', script, flags=re.M)
        if found != 1:
            raise BuildFailed(f"{installation.home}/bin/R: expected one {variable}= line")
    leftovers = [
        str(folder)
        for folder in (
            installation.home,
            installation.share,
            installation.include,
            installation.doc,
        )
        if str(folder) in script
    ]
    if leftovers:
        raise BuildFailed(f"{installation.home}/bin/R still names {', '.join(leftovers)}")
    return script


def environment_only_renviron(text: str) -> str:
    """An Renviron whose ``R_LIBS_SITE`` stays in the environment (``%S`` = R_HOME/site-library).

    Debian's adds ``/usr/local/lib/R/site-library`` and ``/usr/lib/R/library``,
    through which a clean environment would see the host's packages.
    """
    return re.sub(
        r"^R_LIBS_SITE=.*$",
        "R_LIBS_SITE=${R_LIBS_SITE:-'%S'}  # dsprod: only this environment",
        text,
        flags=re.M,
    )


def _wrapper(executable: str, *, set_rhome: bool) -> str:
    rhome = f'RHOME="{_R_HOME_IN_PREFIX}"\nexport RHOME\n' if set_rhome else ""
    return f'#!/bin/sh\n{rhome}exec "{executable}" "$@"\n'


def write_r_base_overlay(overlay: Path, installation: RInstallation) -> None:
    """The files of ``r-base`` that differ from the host's, laid out as in ``$PREFIX``."""
    etc = installation.home / "etc"
    files = {
        "lib/R/bin/R": relocated_r_launcher(
            (installation.home / "bin" / "R").read_text(), installation
        ),
        "lib/R/bin/Rscript": _wrapper(f"{_R_HOME_IN_PREFIX}/libexec/Rscript", set_rhome=True),
        "lib/R/etc/Renviron": environment_only_renviron((etc / "Renviron").read_text()),
        "lib/R/etc/Renviron.site": environment_only_renviron((etc / "Renviron.site").read_text()),
        "bin/R": _wrapper(f"{_R_HOME_IN_PREFIX}/bin/R", set_rhome=False),
        "bin/Rscript": _wrapper(f"{_R_HOME_IN_PREFIX}/bin/Rscript", set_rhome=False),
    }
    for relative, text in files.items():
        target = overlay / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def r_base_recipe(installation: RInstallation) -> str:
    """The v1 recipe that repackages the host's R as ``r-base``."""
    series = installation.minor_series
    major, minor = (int(part) for part in series.split("."))
    return dump_v1(
        package_output(
            "r-base",
            installation.version,
            script=_R_BASE_SCRIPT,
            script_env={
                "DSPROD_R_HOME": str(installation.home),
                "DSPROD_R_SHARE_DIR": str(installation.share),
                "DSPROD_R_INCLUDE_DIR": str(installation.include),
                "DSPROD_R_DOC_DIR": str(installation.doc),
                "DSPROD_PREFIX_PLACEHOLDER": PREFIX_PLACEHOLDER,
            },
            requirements={
                # Packages built against this R load its ABI: pin them to the minor series.
                "run_exports": {"weak": [f"r-base >={series},<{major}.{minor + 1}"]},
            },
            summary=f"R {installation.version} repackaged from {installation.home} by dsprod",
            license=R_BASE_LICENSE,
        )
    )


def r_package_recipe(
    package: InstalledRPackage, installation: RInstallation
) -> tuple[str, str | None]:
    """The v1 recipe for one installed add-on package, and a warning if its licence has no SPDX."""
    description = package.description
    version = r_version_to_pep440(
        description.get("Version", ""), where=f"{package.folder}: Version"
    )
    where = f"{package.folder}/DESCRIPTION"
    add_ons = parse_dependencies(description.get("Depends", ""), where=f"{where}: Depends")
    add_ons += parse_dependencies(description.get("Imports", ""), where=f"{where}: Imports")
    # ``R (>= x)`` becomes r-base; the pin below replaces it.
    requirements = [spec for spec in conda_requirements(add_ons) if spec.split()[0] != "r-base"]
    if package.compiled:
        r_base = f"r-base {installation.minor_series}.*"
    else:
        r_base = f"r-base >={_built_series(description) or installation.minor_series}"
    license_text = description.get("License", "")
    spdx = r_license_to_spdx(license_text).spdx
    recipe = package_output(
        r_conda_name(package.name),
        version,
        script=_R_PACKAGE_SCRIPT,
        script_env={"DSPROD_R_PACKAGE_DIR": str(package.folder)},
        build_options={} if package.compiled else {"noarch": "generic"},
        requirements={"run": [r_base, *requirements]},
        summary=" ".join(description.get("Title", package.name).split()),
        license=spdx,
    )
    warning = (
        None
        if spdx
        else f"{r_conda_name(package.name)}: License {license_text!r} has no SPDX mapping"
    )
    return dump_v1(recipe), warning


def _built_series(description: dict[str, str]) -> str | None:
    """``4.1`` from ``Built: R 4.1.1; ...``: the oldest R a pure package was installed with."""
    match = re.match(r"R (\d+)\.(\d+)", description.get("Built", ""))
    return f"{match[1]}.{match[2]}" if match else None


def installed_closure(
    roots: Iterable[str], site_libraries: Iterable[Path], installation: RInstallation
) -> list[InstalledRPackage]:
    """``roots`` and their recursive Depends/Imports, in dependency order (dependencies first).

    Packages in R's own library (``R_HOME/library``) ship with ``r-base`` and
    end the recursion; anything else must be installed in ``site_libraries``.
    """
    libraries = list(site_libraries)
    shipped = {path.name for path in (installation.home / "library").iterdir()}
    found: dict[str, InstalledRPackage] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in found or name in shipped or name in R_BUILTIN_PACKAGES:
            continue
        folder = next(
            (lib / name for lib in libraries if (lib / name / "DESCRIPTION").is_file()), None
        )
        if folder is None:
            searched = ", ".join(str(lib) for lib in libraries)
            raise BuildFailed(
                f"R package {name} is not installed in {searched}"
                f" (apt install r-cran-{name.lower()})"
            )
        description = read_description(folder / "DESCRIPTION")
        dependencies = parse_dependencies(
            description.get("Depends", ""), where=f"{folder}: Depends"
        )
        dependencies += parse_dependencies(
            description.get("Imports", ""), where=f"{folder}: Imports"
        )
        add_ons = tuple(
            dependency.name
            for dependency in dependencies
            if dependency.name != "R"
            and dependency.name not in shipped
            and dependency.name not in R_BUILTIN_PACKAGES
        )
        found[name] = InstalledRPackage(name, folder, description, add_ons)
        pending.extend(add_ons)
    try:
        order = TopologicalSorter({name: package.dependencies for name, package in found.items()})
        return [found[name] for name in order.static_order()]
    except CycleError as error:
        raise BuildFailed(f"R packages depend on each other in a cycle: {error.args[1]}") from error


def host_r() -> tuple[RInstallation | None, str]:
    """The host's R, or None and why not (the channel then has no R).

    An R that is installed but cannot run is treated as no R, with its reason:
    the rest of the channel (Python, compilers) is still worth building.
    """
    r_executable = shutil.which("R")
    if r_executable is None:
        return None, "R not found on PATH"
    try:
        return find_r_installation(r_executable), ""
    except RUnusable as error:
        return None, f"R is unusable: {error}"


def site_libraries(installation: RInstallation) -> list[Path]:
    """Where the host keeps add-on packages (Debian's ``r-cran-*`` and locally installed ones)."""
    return [installation.home / "site-library", Path("/usr/local/lib/R/site-library")]


def _offered_closure(
    installation: RInstallation, report: Callable[[str], None], requested: Sequence[str] = ()
) -> list[InstalledRPackage]:
    """``TESTTHAT_ROOTS`` and ``requested`` that are installed, with their dependencies.

    A root that is not installed is reported and left out: R without
    testthat still gives a channel that can build R packages (only their
    tests need testthat), and a package requested earlier (``bootstrap --r``)
    and since removed from the host must not stop a rebuild.
    """
    libraries = site_libraries(installation)
    roots = list(dict.fromkeys([*TESTTHAT_ROOTS, *requested]))
    installed = [
        root
        for root in roots
        if any((library / root / "DESCRIPTION").is_file() for library in libraries)
    ]
    for root in [root for root in roots if root not in installed]:
        report(f"R package {root} is not installed (apt install r-cran-{root.lower()}): left out")
    return installed_closure(installed, libraries, installation)


def requested_r_packages(names: Sequence[str]) -> list[str]:
    """``bootstrap --r`` names as the host spells them (``r6`` -> ``R6``), each installed.

    Raises ``InputError`` naming the first package this host does not have,
    or why there is no R to take it from.
    """
    if not names:
        return []
    installation, why = host_r()
    if installation is None:
        raise InputError(f"bootstrap --r {names[0]}: {why}; R packages come from the host's R")
    libraries = site_libraries(installation)
    installed = {
        folder.name.lower(): folder.name
        for library in libraries
        if library.is_dir()
        for folder in library.iterdir()
        if (folder / "DESCRIPTION").is_file()
    }
    found = []
    for name in names:
        spelled = installed.get(name.strip().lower())
        if spelled is None:
            raise InputError(
                f"bootstrap --r {name}: R package {name!r} is not installed on this host"
                f" (in {', '.join(str(lib) for lib in libraries)}); install it first,"
                f" e.g. apt-get install r-cran-{name.strip().lower()}"
            )
        found.append(spelled)
    return list(dict.fromkeys(found))


def r_inputs() -> dict[str, object] | None:
    """What the R part of the channel is made from (part of its cache key); None without R."""
    installation, _why = host_r()
    if installation is None:
        return None
    closure = _offered_closure(installation, lambda _message: None)
    return {
        "home": str(installation.home),
        "version": installation.version,
        "packages": {package.name: package.description.get("Version", "") for package in closure},
    }


def build_r_packages(
    output_dir: Path,
    *,
    channels: list[str],
    report: Callable[[str], None],
    requested: Sequence[str] = (),
) -> list[Path]:
    """Build ``r-base``, testthat's packages and ``requested`` ones from the host's R.

    Returns the package files, ``r-base`` first and every package after its
    dependencies. Without a usable R on the host there is nothing to
    repackage: the channel simply has no R.
    """
    installation, why = host_r()
    if installation is None:
        report(f"{why}: no r-base in the channel (R packages cannot be built or tested)")
        return []
    closure = _offered_closure(installation, report, requested)
    packages: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="dsprod-r-recipes-") as recipes:
        recipe_dir = Path(recipes) / "r-base"
        write_r_base_overlay(recipe_dir / "overlay", installation)
        started = time.monotonic()
        packages += build_recipe(r_base_recipe(installation), recipe_dir, output_dir, channels)
        report(
            f"r-base {installation.version}: repackaged from {installation.home} "
            f"({time.monotonic() - started:.1f} s)"
        )
        started = time.monotonic()
        packages += _build_closure(
            closure, installation, Path(recipes), output_dir, channels, report
        )
        roots = ", ".join(dict.fromkeys([*TESTTHAT_ROOTS, *requested]))
        report(
            f"{len(closure)} R packages ({roots} and dependencies): "
            f"repackaged ({time.monotonic() - started:.1f} s)"
        )
    return packages


def add_r_packages(
    output_dir: Path,
    names: Sequence[str],
    *,
    channels: list[str],
    in_channel: Callable[[str], bool],
    report: Callable[[str], None],
) -> list[Path]:
    """Build the installed R packages ``names`` and those of their dependencies that
    ``in_channel`` (given a conda name) says the channel lacks, dependencies first."""
    installation, why = host_r()
    if installation is None:
        raise InputError(f"bootstrap --r: {why}")
    closure = [
        package
        for package in installed_closure(names, site_libraries(installation), installation)
        if not in_channel(r_conda_name(package.name))
    ]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dsprod-r-recipes-") as recipes:
        packages = _build_closure(
            closure, installation, Path(recipes), output_dir, channels, report
        )
    report(
        f"{len(closure)} R packages ({', '.join(names)} and dependencies new to the channel):"
        f" repackaged ({time.monotonic() - started:.1f} s)"
    )
    return packages


def _build_closure(
    closure: Sequence[InstalledRPackage],
    installation: RInstallation,
    recipes: Path,
    output_dir: Path,
    channels: list[str],
    report: Callable[[str], None],
) -> list[Path]:
    """One package per installed R package, in the given (dependency) order."""
    packages: list[Path] = []
    for package in closure:
        recipe, warning = r_package_recipe(package, installation)
        if warning:
            report(warning)
        packages += build_recipe(recipe, recipes / package.name, output_dir, channels)
    return packages
