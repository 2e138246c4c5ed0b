"""The pipeline's stages over a real project, with the Store and the Builder faked at their seams.

The project is a real git repository of examples/python-hello and the package
the fake builder hands back is a real ``.conda`` (built once per module with
rattler-build), so loading the project, versions from git, verification and
promotion policy all run for real; only building and storing are stood in for.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from dsprod.artifact import read_artifact, sha256_of
from dsprod.builders import BUILDERS
from dsprod.config import load_settings
from dsprod.errors import InputError, StoreRefused, VerifyFailed
from dsprod.languages.python import PythonLanguage
from dsprod.pipeline import stages
from dsprod.pipeline.session import Session
from dsprod.project import ProjectInfo
from dsprod.recipe.model import BUILD_VARIABLES
from dsprod.store.base import StoredPackage
from dsprod.store.local import LocalStore
from tests.fakes import FakeBuilder, FakeStore
from tests.packages import build_python_project_package, test_report
from tests.projects import git, make_repo

DEPENDENCIES = "https://deps.invalid/channel"


@pytest.fixture(scope="module")
def hello(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """python-hello at a commit tagged 1.2 (shared: no test changes it)."""
    folder = tmp_path_factory.mktemp("shared")
    project = make_repo(folder / "hello", "python-hello", folder / "unused-store")
    git(project, "tag", "1.2")
    return project


@pytest.fixture(scope="module")
def hello_package(hello: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a build of ``hello`` at HEAD makes, as far as verification can tell."""
    variables = stages.build_variables(stages.load_project(hello))
    return build_python_project_package(tmp_path_factory.mktemp("built"), "hello-ds", variables)


@pytest.fixture
def store(tmp_path: Path) -> FakeStore:
    return FakeStore(tmp_path / "blobs")


@pytest.fixture(autouse=True)
def channels_not_consulted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dependency channel is fake too: the frontend cannot look at it, so it is skipped.

    (What it adds is tested with a real channel in test_build_requirements.py and the corpus.)
    """

    async def as_read(self: object, info: ProjectInfo, *_: object) -> ProjectInfo:
        return info

    monkeypatch.setattr(PythonLanguage, "resolve_build_requirements", as_read)


def use_builder(monkeypatch: pytest.MonkeyPatch, builder: FakeBuilder) -> None:
    """The stages ask the builder registry for the default builder: it is the fake now."""
    monkeypatch.setitem(BUILDERS, "rattler-build", lambda: builder)


def session_for(project: Path, store: FakeStore) -> Session:
    settings = replace(load_settings(project), dependency_channels=(DEPENDENCIES,))
    session = Session(project, settings, report=lambda _line: None)
    session.store = store
    return session


def listed(store: FakeStore, channel: str) -> list[StoredPackage]:
    return asyncio.run(store.packages(channel))


def test_a_build_is_published_to_unstable_and_the_same_commit_is_never_built_twice(
    hello: Path, hello_package: Path, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = FakeBuilder([hello_package])
    use_builder(monkeypatch, builder)
    session = session_for(hello, store)

    first = asyncio.run(stages.build(session))
    assert (first.published, first.reused) == (True, False)
    [request] = builder.requests
    assert request.channels == ("memory://fake/unstable", DEPENDENCIES)  # unstable first
    assert request.variables[BUILD_VARIABLES["commit"]] == git(hello, "rev-parse", "HEAD")
    assert request.recipe_path.is_file()  # the recipe generated from the project
    assert not request.output_dir.exists()  # the build folder is gone; the store kept the bytes
    assert listed(store, "unstable") == [first.package]
    assert first.package.sha256 == sha256_of(hello_package) == first.artifact.sha256
    assert (first.package.name, first.package.version) == ("hello-ds", "1.2")
    assert listed(store, "testing") == listed(store, "stable") == []

    again = asyncio.run(stages.build(session))
    assert (again.published, again.reused) == (False, True)
    assert len(builder.requests) == 1  # no second build
    assert again.package == first.package and again.artifact.sha256 == first.artifact.sha256
    assert listed(store, "unstable") == [first.package]


def test_the_rerun_of_a_commit_reuses_the_package_its_killed_publish_left_unindexed(
    hello: Path, hello_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real local store here: finding such a file is its part of the bargain.
    store = LocalStore(tmp_path / "store")
    asyncio.run(store.channel_url("unstable"))
    subdir = read_artifact(hello_package).subdir
    # A publish killed after linking its file into the channel, before the index swap:
    shutil.copyfile(hello_package, store.channel_dir("unstable") / subdir / hello_package.name)
    builder = FakeBuilder([hello_package])
    use_builder(monkeypatch, builder)
    session = Session(hello, load_settings(hello, environ={}), report=lambda _line: None)
    session.store = store

    rerun = asyncio.run(stages.build(session))

    assert (rerun.reused, builder.requests) == (True, [])  # never rebuilt as other bytes
    assert rerun.package.sha256 == sha256_of(hello_package)
    assert asyncio.run(store.packages("unstable")) == [rerun.package]


def test_a_dirty_tree_is_built_only_when_allowed(
    tmp_path: Path, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_repo(tmp_path / "hello", "python-hello", tmp_path / "unused-store")
    git(project, "tag", "1.2")
    (project / "README.md").write_text("an edit nobody committed\n")
    refused = FakeBuilder([])
    use_builder(monkeypatch, refused)
    with pytest.raises(InputError, match="uncommitted changes") as raised:
        asyncio.run(stages.build(session_for(project, store)))
    assert raised.value.exit_code == 2
    assert refused.requests == [] and listed(store, "unstable") == []

    variables = stages.build_variables(stages.load_project(project))
    dirty = build_python_project_package(tmp_path / "built", "hello-ds", variables)
    use_builder(monkeypatch, FakeBuilder([dirty]))
    built = asyncio.run(stages.build(session_for(project, store), allow_dirty=True))
    assert built.published and "_dirty" in built.package.build


def test_a_builder_that_makes_two_packages_is_refused(
    hello: Path,
    hello_package: Path,
    store: FakeStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    second = tmp_path / hello_package.name.replace("hello-ds", "hello-ds-docs")
    shutil.copyfile(hello_package, second)
    use_builder(monkeypatch, FakeBuilder([hello_package, second]))
    with pytest.raises(InputError, match="expected one package, the build made 2"):
        asyncio.run(stages.build(session_for(hello, store)))
    assert listed(store, "unstable") == []


def test_a_package_that_fails_verification_is_not_published(
    hello_package: Path, store: FakeStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another repository, also tagged 1.2: the package built from ``hello`` names another commit.
    project = make_repo(tmp_path / "hello", "python-hello", tmp_path / "unused-store")
    git(project, "tag", "1.2")
    builder = FakeBuilder([hello_package])
    use_builder(monkeypatch, builder)
    with pytest.raises(VerifyFailed) as raised:
        asyncio.run(stages.build(session_for(project, store)))
    assert raised.value.exit_code == 5
    message = str(raised.value)
    assert "not published" in message
    assert "build string is" in message and "extra.dsprod.commit is" in message
    assert "version is" not in message  # the same version: only the commit differs
    assert listed(store, "unstable") == []
    assert not builder.requests[0].output_dir.exists()


def test_find_package_by_spec_and_by_the_current_commit(
    hello: Path, hello_package: Path, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_builder(monkeypatch, FakeBuilder([hello_package]))
    session = session_for(hello, store)
    with pytest.raises(InputError, match=r"is not in channel 'unstable': run `dsprod build`"):
        asyncio.run(stages.find_package(session, None))
    built = asyncio.run(stages.build(session)).package

    assert asyncio.run(stages.find_package(session, "hello-ds==1.2")) == built
    assert asyncio.run(stages.find_package(session, None)) == built
    with pytest.raises(InputError, match=r"hello-ds==1.3 is not in channel 'unstable'"):
        asyncio.run(stages.find_package(session, "hello-ds==1.3"))
    with pytest.raises(InputError, match="expected NAME==VERSION"):
        asyncio.run(stages.find_package(session, "hello-ds"))
    with pytest.raises(InputError, match="not in channel 'testing'"):
        asyncio.run(stages.find_package(session, None, "testing"))


def test_promote_copies_the_tested_bytes_up_and_logs_each_step(
    hello: Path, hello_package: Path, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_builder(monkeypatch, FakeBuilder([hello_package]))
    session = session_for(hello, store)
    package = asyncio.run(stages.build(session)).package
    with pytest.raises(StoreRefused, match="no test report"):
        asyncio.run(stages.promote(session, package))
    assert store.ledger.read_log() == [] and listed(store, "testing") == []

    commit = stages.load_project(hello).info.version.commit
    report = store.ledger.save_report(test_report(package, commit=commit), None)
    steps = asyncio.run(stages.promote(session, package))
    assert [(s.source_level, s.target_level, s.copied, s.forced) for s in steps] == [
        ("unstable", "testing", True, False),
        ("testing", "stable", True, False),  # 1.2 is a final release
    ]
    assert [p.sha256 for p in listed(store, "stable")] == [package.sha256]
    log = store.ledger.read_log()
    assert [(e.source, e.target, e.package, e.sha256) for e in log] == [
        ("unstable", "testing", package.filename, package.sha256),
        ("testing", "stable", package.filename, package.sha256),
    ]
    assert all(e.test_report == report.report_path and e.who and e.time for e in log)
    assert [s.copied for s in asyncio.run(stages.promote(session, package))] == [False, False]
    assert len(store.ledger.read_log()) == 2  # nothing copied, nothing logged


def test_status_lists_each_channel_in_conda_version_order(hello: Path, store: FakeStore) -> None:
    session = session_for(hello, store)
    session.settings = replace(
        session.settings, channels={"unstable": "dev", "testing": "qa", "stable": "main"}
    )
    for version in ("1.10", "1.2.1", "1.9", "1.2.1rc1", "1.2"):
        store.add(stored("dev", "hello-ds", version), Path("unused"))
    store.add(stored("dev", "alpha", "2.0"), Path("unused"))
    store.add(stored("main", "hello-ds", "1.9"), Path("unused"))

    status = asyncio.run(stages.status(session))
    assert [(p.name, p.version) for p in status["unstable"]] == [
        ("alpha", "2.0"),
        ("hello-ds", "1.2"),
        ("hello-ds", "1.2.1rc1"),
        ("hello-ds", "1.2.1"),
        ("hello-ds", "1.9"),
        ("hello-ds", "1.10"),
    ]
    assert status["testing"] == []
    assert [(p.channel, p.version) for p in status["stable"]] == [("main", "1.9")]


def stored(channel: str, name: str, version: str) -> StoredPackage:
    return StoredPackage(
        channel=channel,
        subdir="noarch",
        filename=f"{name}-{version}-g0.conda",
        name=name,
        version=version,
        build="g0",
        sha256=f"{name}-{version}".ljust(64, "0"),
    )
