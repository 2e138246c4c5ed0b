"""The stages over one project: build -> publish -> test -> promote, and ``run`` of them all.

Each stage takes plain values and returns a plain outcome that the CLI prints
(as text or JSON); nothing here prints. Stage timings are kept in the outcomes
for ``--json`` and the benchmarks.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rattler import Version as CondaVersion

from dsprod.artifact import Artifact, read_artifact
from dsprod.build import BuildRequest, get_builder
from dsprod.build.base import Report
from dsprod.channels import resolve_channels
from dsprod.config import Settings
from dsprod.envtest import runner_for
from dsprod.envtest.env import create_env
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import export_tests
from dsprod.errors import InputError, StoreRefused, TestsFailed
from dsprod.git import toplevel
from dsprod.project import LoadedProject, load_project
from dsprod.project.model import ProjectInfo
from dsprod.promote import Promotion, promote
from dsprod.recipe.model import BUILD_ENV
from dsprod.store import Store, StoredPackage, open_store
from dsprod.verify import Expected, verify

WORK_DIR = ".dsprod"


@dataclass
class Session:
    """What every stage of one invocation shares."""

    project_root: Path
    settings: Settings
    report: Report
    store: Store = field(init=False)

    def __post_init__(self) -> None:
        self.store = open_store(self.settings.store)

    @property
    def work_dir(self) -> Path:
        """Scratch space inside the project, ignored by git (and so by rattler-build's copy)."""
        folder = self.project_root / WORK_DIR / "work"
        folder.mkdir(parents=True, exist_ok=True)
        ignore = self.project_root / WORK_DIR / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        return folder

    def channels(self) -> list[str]:
        """Where builds and test envs resolve from: unstable first, then dependencies."""
        base = self.settings.source.parent if self.settings.source else self.project_root
        unstable = self.store.channel_url(self.settings.channel("unstable"))
        return [unstable, *resolve_channels(self.settings.dependency_channels, base)]


@dataclass(frozen=True)
class BuildOutcome:
    artifact: Artifact
    package: StoredPackage
    published: bool
    """False when the package was already in the unstable channel."""
    reused: bool
    """True when this commit's build was in unstable already and nothing was built."""
    recipe_path: Path | None
    recipe_generated: bool
    log_path: Path | None
    timings: dict[str, float]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class TestOutcome:
    package: StoredPackage
    run: TestRun
    report: dict[str, Any]
    report_path: Path
    timings: dict[str, float]


@dataclass(frozen=True)
class RunOutcome:
    build: BuildOutcome
    test: TestOutcome
    promotions: list[Promotion]
    timings: dict[str, float]


def build(
    session: Session, *, allow_dirty: bool = False, builder: str = "rattler-build"
) -> BuildOutcome:
    """Build the project at HEAD, verify the package, publish it to unstable.

    A commit is built once: when unstable already holds this commit's build
    (same name, version and build string), it is reused as it is, so that a
    re-run of CI tests and promotes the very bytes it published before. The
    build string of a dirty tree carries a digest of its uncommitted changes,
    so the same holds for the same edits, and other edits are a new build.
    """
    timings: dict[str, float] = {}
    started = time.monotonic()
    project = load_project(session.project_root)
    info = project.info
    if info.version.dirty and not allow_dirty:
        raise InputError(
            f"{session.project_root}: the working tree has uncommitted changes, so its version"
            f" ({info.version.pep440}) names no commit; commit them, or pass --allow-dirty"
        )
    for warning in info.warnings:
        session.report(f"warning: {warning}")
    unstable = session.settings.channel("unstable")
    existing = _build_of_commit(session.store, unstable, info)
    if existing is not None:
        session.report(
            f"{existing.filename} was built from these sources before: reusing it from {unstable}"
        )
        return BuildOutcome(
            artifact=read_artifact(session.store.fetch(existing)),
            package=existing,
            published=False,
            reused=True,
            recipe_path=None,
            recipe_generated=False,
            log_path=None,
            timings={"prepare": time.monotonic() - started},
            warnings=info.warnings,
        )
    recipe_path, generated = project.recipe_path(session.work_dir / "recipe")
    session.report(
        f"{info.conda_name} {info.version.conda} ({info.version.build_string}) from"
        f" {'generated' if generated else 'maintained'} recipe {recipe_path}"
    )
    output_dir = Path(tempfile.mkdtemp(prefix="build-", dir=session.work_dir))
    log_path = session.work_dir / "logs" / f"{info.conda_name}-{info.version.build_string}.log"
    request = BuildRequest(
        recipe_path=recipe_path,
        output_dir=output_dir,
        channels=tuple(session.channels()),
        environment=build_environment(project),
        log_path=log_path,
    )
    timings["prepare"] = time.monotonic() - started
    started = time.monotonic()
    try:
        packages = get_builder(builder).build(request, session.report)
        timings["build"] = time.monotonic() - started
        if len(packages) != 1:
            raise InputError(f"{recipe_path}: expected one package, the build made {len(packages)}")
        artifact = read_artifact(packages[0])
        started = time.monotonic()
        verify(
            artifact, expected_for(project, forbidden=(str(output_dir), str(session.project_root)))
        )
        timings["verify"] = time.monotonic() - started
        started = time.monotonic()
        published = session.store.publish(artifact, unstable)
        timings["publish"] = time.monotonic() - started
        package = _stored(session.store, unstable, artifact)
    finally:
        shutil.rmtree(output_dir, ignore_errors=True)
    session.report(f"{'published' if published else 'already in'} {unstable}: {artifact.filename}")
    return BuildOutcome(
        artifact=artifact,
        package=package,
        published=published,
        reused=False,
        recipe_path=recipe_path,
        recipe_generated=generated,
        log_path=log_path,
        timings=timings,
        warnings=info.warnings,
    )


def build_environment(project: LoadedProject) -> dict[str, str]:
    """The values a recipe reads with ``env.get`` (see recipe.model.BUILD_ENV)."""
    version = project.info.version
    return {
        BUILD_ENV["conda_version"]: version.conda,
        BUILD_ENV["pep440_version"]: version.pep440,
        BUILD_ENV["build_string"]: version.build_string,
        BUILD_ENV["commit"]: version.commit,
        BUILD_ENV["repository"]: project.repository,
    }


def expected_for(project: LoadedProject, forbidden: tuple[str, ...]) -> Expected:
    """What verification demands of this project's package."""
    info = project.info
    return Expected(
        name=info.conda_name,
        version=info.version.conda,
        build=info.version.build_string,
        commit=info.version.commit,
        pep440=info.version.pep440 if info.language == "python" else None,
        forbidden_paths=forbidden,
    )


def find_package(session: Session, spec: str | None, level: str = "unstable") -> StoredPackage:
    """The package a command is about: ``NAME==VERSION`` (newest build), or this commit's build."""
    channel = session.settings.channel(level)
    if spec is None:
        info = load_project(session.project_root).info
        found = _build_of_commit(session.store, channel, info)
        if found is not None:
            return found
        raise InputError(
            f"{info.conda_name} {info.version.conda} ({info.version.build_string}) is not in"
            f" channel '{channel}': run `dsprod build` first"
        )
    name, separator, version = spec.partition("==")
    if not separator or not name or not version:
        raise InputError(f"'{spec}': expected NAME==VERSION")
    matches = [
        p
        for p in session.store.packages(channel)
        if p.name == name.strip() and p.version == version.strip()
    ]
    if not matches:
        raise InputError(f"{spec} is not in channel '{channel}'")
    if len(matches) > 1:
        builds = ", ".join(sorted(p.build for p in matches))
        raise InputError(f"{spec} has several builds in '{channel}' ({builds}); name one by file")
    return matches[0]


def test(session: Session, package: StoredPackage) -> TestOutcome:
    """Install exactly ``package`` into a fresh env and run the project's tests against it."""
    timings: dict[str, float] = {}
    artifact = read_artifact(session.store.fetch(package))
    commit = artifact.commit
    if not commit:
        raise InputError(
            f"{artifact.filename} records no git commit (extra.dsprod.commit):"
            " cannot find its tests"
        )
    runner = runner_for(artifact.language or "python")
    base = runner.base_requirements
    extra = [r for r in artifact.test_requirements if r.split()[0] not in base]
    requirements = [artifact.spec, *base, *extra]
    # The local checkout first (no network), then where the package says it came from.
    local = toplevel(session.project_root)
    repositories = [r for r in (str(local) if local else None, artifact.repository) if r]
    run_dir = Path(tempfile.mkdtemp(prefix=f"test-{artifact.name}-", dir=session.work_dir))
    try:
        tests = export_tests(
            repositories, commit, artifact.tests_dir or "tests", run_dir / "source"
        )
        started = time.monotonic()
        installed = create_env(run_dir / "env", session.channels(), requirements, session.report)
        timings["env"] = time.monotonic() - started
        session.report(
            f"running {tests.name}/ of commit {commit[:12]} against the installed package"
        )
        started = time.monotonic()
        run = runner.run(run_dir / "env", tests, run_dir / "junit.xml", artifact.test_args)
        timings["tests"] = time.monotonic() - started
        report_path = _save_report(session.store, artifact, run, installed)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    report = session.store.load_report(artifact.sha256) or {}
    return TestOutcome(package, run, report, report_path, timings)


def _save_report(store: Store, artifact: Artifact, run: TestRun, installed: list[str]) -> Path:
    """Keep the outcome in the store, where promotion looks for it."""
    report = {
        "package": artifact.filename,
        "name": artifact.name,
        "version": artifact.version,
        "build": artifact.build,
        "sha256": artifact.sha256,
        "commit": artifact.commit,
        "passed": run.passed,
        "summary": _summary(run),
        "tests": run.tests,
        "failures": run.failures,
        "errors": run.errors,
        "skipped": run.skipped,
        "duration_s": run.duration_s,
        "env": installed,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return store.save_report(artifact.sha256, report, run.junit_xml)


def promote_tested(session: Session, package: StoredPackage) -> list[Promotion]:
    """After a passing test: testing for every version, stable for a final one."""
    return promote(session.store, session.settings, package)


def run(session: Session, *, allow_dirty: bool = False) -> RunOutcome:
    """What CI calls: build, test, and promote as far as the policy allows."""
    built = build(session, allow_dirty=allow_dirty)
    tested = test(session, built.package)
    if not tested.run.passed:
        raise TestsFailed(
            f"{built.artifact.filename}: {_summary(tested.run)}; it stays in"
            f" '{session.settings.channel('unstable')}' (report: {tested.report_path})\n"
            f"{tested.run.output_tail}",
            details={"report": tested.report, "report_path": str(tested.report_path)},
        )
    started = time.monotonic()
    promotions = promote_tested(session, built.package)
    timings = {**built.timings, **tested.timings, "promote": time.monotonic() - started}
    return RunOutcome(built, tested, promotions, timings)


def status(session: Session) -> dict[str, list[StoredPackage]]:
    """Every package in each maturity channel, oldest version first (in conda's order)."""
    return {
        level: sorted(
            session.store.packages(name), key=lambda p: (p.name, CondaVersion(p.version), p.build)
        )
        for level, name in session.settings.channels.items()
    }


def _build_of_commit(store: Store, channel: str, info: ProjectInfo) -> StoredPackage | None:
    """The package built from the project's current commit, if the channel holds it."""
    wanted = (info.conda_name, info.version.conda, info.version.build_string)
    for package in store.packages(channel):
        if (package.name, package.version, package.build) == wanted:
            return package
    return None


def _stored(store: Store, channel: str, artifact: Artifact) -> StoredPackage:
    for package in store.packages(channel):
        if package.key == (artifact.subdir, artifact.filename):
            if package.sha256 != artifact.sha256:
                raise StoreRefused(f"{artifact.filename}: the channel index lists other bytes")
            return package
    raise StoreRefused(f"{artifact.filename} was published but is missing from '{channel}'s index")


def _summary(run: TestRun) -> str:
    if run.tests == 0:
        return f"no tests ran (test runner exit code {run.exit_code})"
    return (
        f"{run.tests - run.failures - run.errors - run.skipped} passed, {run.failures} failed,"
        f" {run.errors} errors, {run.skipped} skipped"
    )
