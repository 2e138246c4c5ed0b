"""The stages over one project: recipe, build -> publish, test, promote, and ``run`` of them all.

Each stage takes plain values and returns a plain outcome that the CLI prints
(as text or JSON); nothing here prints. Stage timings are kept in the outcomes
for ``--json`` and the benchmarks. Stages that touch the store are coroutines;
the CLI runs one event loop per command.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from rattler import Version as CondaVersion

from dsprod import promote as promotion
from dsprod.artifact import Artifact, read_artifact
from dsprod.builders import BuildRequest, get_builder
from dsprod.conda.names import is_valid_conda_name
from dsprod.envtest.env import LeftOut, create_env, optional_that_fit
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import export_tests
from dsprod.errors import InputError, StoreRefused, TestsFailed
from dsprod.languages import detect, language_named
from dsprod.languages.base import CarriesItsTests, Language
from dsprod.languages.recipe import RECIPE
from dsprod.pipeline.session import Session
from dsprod.project import ProjectInfo
from dsprod.promote import Promotion
from dsprod.recipe import model, select
from dsprod.recipe.maintained import render_maintained
from dsprod.recipe.model import Recipe
from dsprod.recipe.v1 import render_v1, write_recipe
from dsprod.store import lookup
from dsprod.store.base import Reindexable, StoredPackage
from dsprod.store.ledger import OwnerChange, Ownership, TestReport, now
from dsprod.vcs.git import origin_url, require_toplevel, toplevel
from dsprod.vcs.remote import normalise_repository
from dsprod.verify import Expected, verify


@dataclass(frozen=True)
class LoadedProject:
    """A project's metadata at HEAD, the language that read it, and where its repository lives."""

    language: Language
    info: ProjectInfo
    repository: str | None
    """The ``origin`` remote's URL without credentials; None without an origin."""
    git_root: Path

    @property
    def publisher(self) -> str:
        """Who publishes its builds (names' owners): the origin, or the repository's folder."""
        return self.repository or str(self.git_root)

    def recipe(self, source_path: str) -> Recipe:
        """The generated recipe, building from ``source_path`` (relative to the recipe file)."""
        return self.language.recipe(self.info, source_path, self.repository)


@dataclass(frozen=True)
class RecipeOutcome:
    path: Path | None
    """Where the recipe was written (None with ``--stdout``)."""
    text: str | None
    """The recipe's text when it was printed rather than written."""
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class BuildOutcome:
    artifact: Artifact
    package: StoredPackage
    published: bool
    """False when the package was already in the unstable channel."""
    reused: bool
    """True when this commit's build was in unstable already and nothing was built."""
    recipe_path: Path | None
    log_path: Path | None
    timings: dict[str, float]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest test class, despite the name

    package: StoredPackage
    run: TestRun
    report: TestReport
    timings: dict[str, float]


@dataclass(frozen=True)
class RunOutcome:
    build: BuildOutcome
    test: TestOutcome
    promotions: list[Promotion]
    timings: dict[str, float]


def load_project(
    root: Path, recipe_name: str | None = None, build_system: str | None = None
) -> LoadedProject:
    """Detect the project's language, read its metadata and its version from git.

    ``recipe_name`` (``--recipe NAME``) makes ``recipes/NAME/recipe.yaml`` the
    project's metadata, whatever else the folder holds; ``build_system``
    (``--build-system``) is the user's choice among a C/C++ project's build systems.
    """
    root = root.resolve()
    git_root = require_toplevel(root)
    language = detect(root, build_system) if recipe_name is None else RECIPE.choosing(recipe_name)
    return LoadedProject(language, language.read(root), origin_url(git_root), git_root)


def as_maintained(project: LoadedProject, recipe_path: Path) -> LoadedProject:
    """``project`` as its maintained recipe says: the language the recipe records tests it.

    A maintained recipe is the project's metadata even where a language reads
    other files (a CMakeLists.txt beside ``recipes/``): it may ask for the
    recipe's own tests, or another runner, and the package records that choice.
    """
    recorded = render_maintained(recipe_path, build_variables(project)).extra.language
    if recorded is None or recorded == project.info.language:
        return project  # verification names a missing language
    language_named(recorded, str(recipe_path))  # one dsprod knows, or a clear error
    return replace(project, info=replace(project.info, language=recorded))


async def project_for_build(session: Session, project: LoadedProject) -> LoadedProject:
    """``project`` as its build sees it from the session's channels, its notes reported."""
    with session.scratch("resolve") as work_dir:
        info = await project.language.resolve_build_requirements(
            project.info, await session.build_channels(), work_dir, session.report
        )
    for note in info.notes:
        session.report(note)
    return replace(project, info=info)


async def recipe(session: Session, *, regenerate: bool, to_stdout: bool) -> RecipeOutcome:
    """Write (or print) the recipe ``dsprod build`` would generate, into ``recipes/<name>/``."""
    project = await project_for_build(
        session, load_project(session.project_root, session.recipe_name, session.build_system)
    )
    info = project.info
    path = select.maintained_recipe_path(info.root, info.conda_name)
    generated = project.recipe(select.source_path_from(path.parent, info.root))
    if to_stdout:
        return RecipeOutcome(None, render_v1(generated), info.warnings)
    write_recipe(generated, path, regenerate=regenerate)
    return RecipeOutcome(path, None, info.warnings)


async def build(session: Session, *, allow_dirty: bool = False) -> BuildOutcome:
    """Build the project at HEAD, verify the package, publish it to unstable.

    A commit is built once: when unstable already holds this commit's build
    (same name, version and build string), it is reused as it is, so that a
    re-run of CI tests and promotes the very bytes it published before. The
    build string of a dirty tree carries a digest of its uncommitted changes,
    so the same holds for the same edits, and other edits are a new build.
    """
    timings: dict[str, float] = {}
    started = time.monotonic()
    project = load_project(session.project_root, session.recipe_name, session.build_system)
    info = project.info
    if info.version.dirty and not allow_dirty:
        raise InputError(
            f"{session.project_root}: the working tree has uncommitted changes, so its version"
            f" ({info.version.pep440}) names no commit; commit them, or pass --allow-dirty"
        )
    unstable = session.settings.channel("unstable")
    existing = await _build_of_commit(session, unstable, info)
    maintained = select.maintained_recipe_path(info.root, info.conda_name).is_file()
    if existing is None and not maintained:  # a maintained recipe says its own requirements
        project = await project_for_build(session, project)
        info = project.info
    for warning in info.warnings:
        session.report(f"warning: {warning}")
    if existing is not None:
        session.report(
            f"{existing.filename} was built from these sources before: reusing it from {unstable}"
        )
        return BuildOutcome(
            artifact=await lookup.fetch_artifact(session.store, existing),
            package=existing,
            published=False,
            reused=True,
            recipe_path=None,
            log_path=None,
            timings={"prepare": time.monotonic() - started},
            warnings=info.warnings,
        )
    recipe_path, generated = select.recipe_to_build(
        info.root, info.conda_name, project.recipe, session.work_dir / "recipe"
    )
    if not generated:
        project = as_maintained(project, recipe_path)
        info = project.info
    # A package that carries its tests is tested once, from the store, by the test stage.
    carries_tests = isinstance(language_named(info.language, str(recipe_path)), CarriesItsTests)
    session.report(
        f"{info.conda_name} {info.version.conda} ({info.version.build_string}) from"
        f" {'generated' if generated else 'maintained'} recipe {recipe_path}"
    )
    log_path = session.work_dir / "logs" / f"{info.conda_name}-{info.version.build_string}.log"
    channels = tuple(await session.build_channels())
    with session.scratch("build") as output_dir:
        request = BuildRequest(
            recipe_path=recipe_path,
            output_dir=output_dir,
            channels=channels,
            variables=build_variables(project),
            log_path=log_path,
            run_recipe_tests=not carries_tests,
        )
        timings["prepare"] = time.monotonic() - started
        started = time.monotonic()
        packages = get_builder().build(request, session.report)
        timings["build"] = time.monotonic() - started
        if len(packages) != 1:
            raise InputError(f"{recipe_path}: expected one package, the build made {len(packages)}")
        artifact = read_artifact(packages[0])
        started = time.monotonic()
        verify(
            artifact,
            expected_for(
                project,
                forbidden=build_machine_paths(session.project_root, output_dir, channels),
            ),
            project.language.check_package(artifact, info),
            promotion.channel_policy_problems(session.settings, "unstable", artifact),
        )
        timings["verify"] = time.monotonic() - started
        started = time.monotonic()
        published = await publish(session, artifact, unstable, project.publisher)
        timings["publish"] = time.monotonic() - started
        package = await lookup.listed(session.store, unstable, artifact)
    session.report(f"{'published' if published else 'already in'} {unstable}: {artifact.filename}")
    return BuildOutcome(
        artifact=artifact,
        package=package,
        published=published,
        reused=False,
        recipe_path=recipe_path,
        log_path=log_path,
        timings=timings,
        warnings=info.warnings,
    )


async def publish(session: Session, artifact: Artifact, channel: str, repository: str) -> bool:
    """Publish ``artifact`` from ``repository`` to ``channel``, if the name is that repository's.

    The first repository to publish a package name owns the name in the store
    (as on conda-forge, where a feedstock owns its names); a build of the same
    name from any other repository is refused, so an unrelated project cannot
    slip its packages in beside the real ones. ``dsprod owner NAME --set``
    transfers a name, and the store's ledger keeps every change.
    """
    publisher = normalise_repository(repository)
    ownership = session.store.ledger.claim_owner(artifact.name, OwnerChange.now("claim", publisher))
    if ownership.owner != publisher:
        raise StoreRefused(
            f"{artifact.filename}: the package name '{artifact.name}' is owned by"
            f" {ownership.owner} in this store, and this build comes from {publisher};"
            f" not published (an administrator can transfer the name:"
            f" dsprod owner {artifact.name} --set {publisher})"
        )
    return await session.store.publish(artifact, channel)


def build_variables(project: LoadedProject) -> dict[str, str]:
    """The per-build values a recipe reads (see ``recipe.model.BUILD_VARIABLES``)."""
    return model.build_variables(project.info.version, project.repository)


def build_machine_paths(
    project_root: Path, output_dir: Path, channels: Sequence[str]
) -> tuple[str, ...]:
    """Paths that exist on this machine only, so no package may record them.

    The project and its repository, the build's folder, and every local
    channel (the store's, the bootstrap cache) as a folder and as its
    ``file://`` URL.
    """
    paths = [str(project_root), str(project_root.resolve()), str(output_dir)]
    repository = toplevel(project_root)
    if repository is not None:
        paths.append(str(repository))
    for channel in channels:
        if channel.startswith("file://"):
            paths += [channel.rstrip("/"), url2pathname(urlsplit(channel).path).rstrip("/")]
    return tuple(dict.fromkeys(paths))


def expected_for(project: LoadedProject, forbidden: tuple[str, ...]) -> Expected:
    """What verification demands of this project's package: every value it records, from git.

    The same values ``build_variables`` hands the recipe, so a generated recipe
    always matches and a maintained one that hard-codes another value is refused.
    """
    info = project.info
    return Expected(
        name=info.conda_name,
        version=info.version.conda,
        build=info.version.build_string,
        commit=info.version.commit,
        pep440_version=info.version.pep440,
        repository=project.repository,
        language=info.language,
        forbidden_paths=forbidden,
    )


async def find_package(
    session: Session, spec: str | None, level: str = "unstable"
) -> StoredPackage:
    """The package a command is about, in the ``level`` channel.

    ``spec`` is ``NAME==VERSION`` (which must have one build there), a package
    file name (``hello-ds-1.0-gabc.conda``), or None for this commit's build.
    """
    channel = session.settings.channel(level)
    if spec is not None:
        return await lookup.by_spec(session.store, channel, spec)
    info = load_project(session.project_root, session.recipe_name, session.build_system).info
    found = await _build_of_commit(session, channel, info)
    if found is None:
        raise InputError(
            f"{info.conda_name} {info.version.conda} ({info.version.build_string}) is not in"
            f" channel '{channel}': run `dsprod build` first"
        )
    return found


async def test(session: Session, package: StoredPackage) -> TestOutcome:
    """Install exactly ``package`` into a fresh env and run the project's tests against it."""
    timings: dict[str, float] = {}
    artifact = await lookup.fetch_artifact(session.store, package)
    extra = artifact.extra
    if not extra.commit:
        raise InputError(
            f"{artifact.filename} records no git commit (extra.dsprod.commit):"
            " cannot find its tests"
        )
    language = language_named(extra.language, artifact.filename)
    if isinstance(language, CarriesItsTests):
        return await _test_carried(session, package, artifact, language)
    base = language.test_base_requirements
    # The project's own pin on a base requirement (``pytest <8``) replaces the bare one.
    pinned = {r.split()[0] for r in extra.test_requirements}
    requirements = [
        artifact.spec,
        *(r for r in base if r not in pinned),
        *extra.test_requirements,
    ]
    named = {r.split()[0] for r in requirements}
    optional, left_out = await optional_that_fit(
        await session.channels(),
        requirements,
        [r for r in extra.optional_test_requirements if r.split()[0] not in named],
        client=session.read_client,
    )
    if left_out:
        session.report(
            "warning: optional test requirements left out (the tests skip what needs them): "
            + "; ".join(str(item) for item in left_out)
        )
    # The local checkout first (no network), then where the package says it came from.
    local = toplevel(session.project_root)
    repositories = [r for r in (str(local) if local else None, extra.repository) if r]
    tests_dirs = extra.tests_dirs or ("tests",)
    # Packages that record no project folder had their runner configuration beside the tests.
    project_dir = extra.project_dir or str(PurePosixPath(tests_dirs[0]).parent)
    with session.scratch_outside_project("test") as run_dir:
        tests = export_tests(
            repositories,
            extra.commit,
            project_dir,
            tests_dirs,
            run_dir / "source",
            config_files=language.test_config_files,
            folder_files=language.test_folder_files,
        )
        started = time.monotonic()
        installed = await create_env(
            run_dir / "env",
            await session.channels(),
            [*requirements, *optional],
            session.report,
            client=session.read_client,
        )
        timings["env"] = time.monotonic() - started
        session.report(
            f"running {', '.join(f'{folder}/' for folder in tests_dirs)} of commit"
            f" {extra.commit[:12]} against the installed package"
        )
        started = time.monotonic()
        run = language.run_tests(
            artifact, run_dir / "env", tests, run_dir / "junit.xml", extra.test_args
        )
        timings["tests"] = time.monotonic() - started
        for warning in run.warnings:
            session.report(f"warning: {warning}")
        report = session.store.ledger.save_report(
            _report(artifact, run, installed, left_out), run.junit_xml
        )
    return TestOutcome(package, run, report, timings)


async def _test_carried(
    session: Session, package: StoredPackage, artifact: Artifact, language: CarriesItsTests
) -> TestOutcome:
    """Run the tests ``artifact`` carries, each in an env its tool solves from the channels."""
    with session.scratch_outside_project("test") as run_dir:
        started = time.monotonic()
        run = language.run_package_tests(  # rattler-build solves these envs
            artifact, await session.build_channels(), run_dir / "junit.xml", session.report
        )
        timings = {"tests": time.monotonic() - started}
        for warning in run.warnings:
            session.report(f"warning: {warning}")
        report = session.store.ledger.save_report(_report(artifact, run, [], []), run.junit_xml)
    return TestOutcome(package, run, report, timings)


def require_passed(
    session: Session, outcome: TestOutcome, details: dict[str, Any] | None = None
) -> None:
    """Raise ``TestsFailed`` (exit 1) unless the tests passed.

    ``details`` go into ``--json`` output; by default the report and where it is kept.
    """
    if outcome.run.passed:
        return
    report = outcome.report
    raise TestsFailed(
        f"{outcome.package.filename}: {report.summary}; it stays in"
        f" '{session.settings.channel('unstable')}' (report: {report.report_path})\n"
        f"{outcome.run.output_tail}",
        details=details or {"report": report.to_json(), "report_path": report.report_path},
    )


def _report(
    artifact: Artifact, run: TestRun, installed: list[str], left_out: Sequence[LeftOut]
) -> TestReport:
    return TestReport(
        package=artifact.filename,
        name=artifact.name,
        version=artifact.version,
        build=artifact.build,
        sha256=artifact.sha256,
        commit=artifact.extra.commit,
        passed=run.passed,
        summary=run.summary,
        tests=run.tests,
        failures=run.failures,
        errors=run.errors,
        skipped=run.skipped,
        duration_s=run.duration_s,
        env=tuple(installed),
        time=now(),
        optional_left_out=tuple(str(item) for item in left_out),
    )


async def promote(
    session: Session, package: StoredPackage, target: str | None = None, *, force: bool = False
) -> list[Promotion]:
    """Copy a tested package up the maturity levels as far as the policy (or ``force``) allows."""
    return await promotion.promote(session.store, session.settings, package, target, force=force)


async def run(session: Session, *, allow_dirty: bool = False) -> RunOutcome:
    """What CI calls: build, test, and promote as far as the policy allows."""
    built = await build(session, allow_dirty=allow_dirty)
    tested = await test(session, built.package)
    require_passed(session, tested)
    started = time.monotonic()
    promotions = await promote(session, built.package)
    timings = {**built.timings, **tested.timings, "promote": time.monotonic() - started}
    return RunOutcome(built, tested, promotions, timings)


def owners(session: Session, name: str | None = None) -> list[Ownership]:
    """Who owns which package name in the store (only ``name``'s owner when given)."""
    owned = session.store.ledger.owners()
    return [ownership for ownership in owned if name is None or ownership.name == name]


def transfer_owner(session: Session, name: str, repository: str) -> Ownership:
    """Give the package name ``name`` to ``repository`` (a URL or folder); the ledger logs it.

    An administrator's decision: a project moved, or a name was claimed by the
    wrong repository. A folder is taken as an absolute path, as builds record it.
    """
    if not is_valid_conda_name(name):
        raise InputError(f"'{name}' is not a valid conda package name")
    if not repository.strip():
        raise InputError("--set needs a repository URL or folder")
    folder = Path(repository).expanduser()
    location = str(folder.resolve()) if folder.is_dir() else repository
    return session.store.ledger.transfer_owner(
        name, OwnerChange.now("transfer", normalise_repository(location))
    )


async def status(session: Session) -> dict[str, list[StoredPackage]]:
    """Every package in each maturity channel, oldest version first (in conda's order)."""
    return {
        level: sorted(
            await session.store.packages(name),
            key=lambda p: (p.name, CondaVersion(p.version), p.build),
        )
        for level, name in session.settings.channels.items()
    }


async def reindex(session: Session, levels: Sequence[str]) -> dict[str, list[str]]:
    """Rebuild the indexes of these levels' channels from their package files (the repair).

    Returns the subdirs indexed per level. A store whose server keeps the index
    (quetz, anaconda.org) has nothing dsprod could rebuild: an ``InputError``.
    """
    store = session.store
    if not isinstance(store, Reindexable):
        raise InputError(
            f"{store.describe()} keeps its channels' indexes itself; nothing to rebuild"
        )
    return {level: await store.reindex(session.settings.channel(level)) for level in levels}


async def _build_of_commit(
    session: Session, channel: str, info: ProjectInfo
) -> StoredPackage | None:
    """The package built from the project's current commit, if the channel holds it."""
    version = info.version
    return await lookup.build_in(
        session.store, channel, info.conda_name, version.conda, version.build_string
    )
