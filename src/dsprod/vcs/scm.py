"""Git tags -> a ``VersionInfo`` (PEP 440 with setuptools_scm semantics, conda spelling).

The PEP 440 version must be exactly what the project's own build backend computes
(setuptools_scm or hatch-vcs read the same tags), otherwise the wheel inside the
conda package and the package itself disagree. So setuptools_scm does the
versioning, configured as the project configures it (each language reader finds
its own options, see ``ScmOptions``); dsprod only adds what setuptools_scm leaves
open: which of several tags on one commit wins, and how the result is spelled for
conda (``dsprod.conda.version``). Only public API is used: ``vcs_versioning``'s,
the package that holds setuptools_scm's code since setuptools-scm 10.

A language whose versions are not PEP 440 (R's ``1.0-7``) uses ``describe``
instead: the raw facts (nearest version tags, distance, dirtiness), which it
turns into versions with its own scheme.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.version import InvalidVersion, Version
from vcs_versioning import Configuration, VcsEnvironment

from dsprod.conda.version import build_string, is_final, to_conda_version
from dsprod.errors import InputError
from dsprod.vcs import git

DSPROD_VERSION_SCHEME = "no-guess-dev"
"""Used when the project configures no VCS versioning: two commits after ``1.2`` give
``1.2.post1.dev2``, which sorts below any pre-release of the next version."""
DEFAULT_LOCAL_SCHEME = "node-and-date"
"""setuptools_scm's default local scheme; dsprod uses it too."""


@dataclass(frozen=True)
class VersionInfo:
    """A project's version at one commit, in both PEP 440 and conda spelling."""

    pep440: str
    """Public PEP 440 version, what the build backend must compute (no local part)."""
    native: str
    """The version in the project's own syntax, what its build writes into its metadata.

    The PEP 440 version for Python; R's ``1.0-7`` for an R package's DESCRIPTION.
    """
    conda: str
    """A conda version that sorts among others exactly as ``pep440`` does in PEP 440."""
    build_string: str
    """Conda build string; carries the git hash (and the local part, if any)."""
    commit: str
    """Full git commit hash that was versioned."""
    distance: int
    """Commits since the tag that gave the version (0 on a tagged commit)."""
    dirty: bool
    """The working tree had uncommitted changes to tracked files."""
    is_final: bool
    """Neither a pre- nor a dev-release (post-releases are final)."""
    tag: str | None
    """The git tag the version came from, if any."""


@dataclass(frozen=True)
class ScmOptions:
    """How the project asks setuptools_scm to turn tags into versions.

    ``None`` means dsprod's default; ``source`` says where the values came from so
    an error about them can point the user at the right file and table.
    """

    version_scheme: str | None = None
    local_scheme: str | None = None
    tag_regex: str | None = None
    source: str = "dsprod defaults"


class NoVersionTag(InputError):
    """The repository has no version tag reachable from HEAD.

    A distinct class because some callers have a fallback (an R package's
    DESCRIPTION version) while for others it is a plain input error.
    """


def tag_regex_problem(regex: str) -> str | None:
    """What setuptools_scm would reject about a tag regex, or None."""
    try:
        compiled = re.compile(regex)
    except re.error as err:
        return str(err)
    if compiled.groups == 0 or (compiled.groups > 1 and "version" not in compiled.groupindex):
        return "it needs one group, or a group named 'version', around the version"
    return None


def git_version(root: Path, options: ScmOptions = ScmOptions()) -> VersionInfo:
    """Version the commit checked out at ``root`` (a repository or a folder inside one).

    setuptools_scm computes the version; dsprod first makes sure it starts from the
    highest version among the tags on the nearest tagged commit, because git
    describe picks any one of them (QA tags ``1.2.1`` where ``1.2.1rc1`` already is).
    """
    commit = git.head(root)
    config = _configuration(root, options)
    described_tag = _nearest_tag(config, root)
    best_tag, best_version = _highest_tag_on_same_commit(config, root, described_tag)
    try:
        # git.head found the repository, so discovery does too, and git always gives a version.
        workdir = config.discover_workdir()
        assert workdir is not None
        scm_version = workdir.get_scm_version()
        assert scm_version is not None
        formatted = replace(scm_version, tag=best_version).format()
    except (ValueError, LookupError) as err:
        raise InputError(f"{root}: versioning with {options.source} failed: {err}") from err
    try:
        version = Version(formatted)
    except InvalidVersion as err:
        raise InputError(
            f"{root}: the schemes from {options.source} gave {formatted!r}, not PEP 440"
        ) from err
    public = version.public
    return VersionInfo(
        pep440=public,
        native=public,
        conda=to_conda_version(public),
        build_string=build_string(
            commit, version.local, git.changes_digest(root) if scm_version.dirty else None
        ),
        commit=commit,
        distance=scm_version.distance,
        dirty=scm_version.dirty,
        is_final=is_final(public),
        tag=best_tag,
    )


@dataclass(frozen=True)
class Described:
    """Where HEAD stands relative to its nearest version tag, as ``git describe`` finds it.

    For a language with its own version syntax (R's ``1.0-7``): which tags are
    versions, which of several wins, and what the version is, are its business.
    """

    commit: str
    """Full hash of HEAD."""
    tags: tuple[str, ...]
    """Every version tag on the nearest tagged commit (HEAD or an ancestor); empty if none."""
    distance: int
    """Commits from that tagged commit to HEAD (0 when ``tags`` is empty)."""
    dirty: bool
    """The working tree had uncommitted changes to tracked files."""
    changes: str | None
    """A digest of those changes (``git.changes_digest``) when dirty, else None."""
    skipped: str | None
    """A nearer tag that is no version tag (the caller may warn about it), or None."""


def describe(root: Path, is_version_tag: Callable[[str], bool]) -> Described:
    """HEAD of the repository holding ``root`` against the tags ``is_version_tag`` accepts.

    ``git describe`` chooses the nearest of the accepted tags (each given as an
    exact ``--match``: a tag name holds no glob character), exactly as it does
    for setuptools_scm; every accepted tag on that commit is returned.
    """
    commit = git.head(root)
    dirty = git.is_dirty(root)
    changes = git.changes_digest(root) if dirty else None
    reachable = git.git(root, "tag", "--merged", "HEAD").stdout.split()
    accepted = [tag for tag in reachable if is_version_tag(tag)]
    nearest_any = _describe(root, ["*"])
    if not accepted:
        skipped = nearest_any[0] if nearest_any else None
        return Described(commit, (), 0, dirty, changes, skipped)
    nearest = _describe(root, accepted)
    assert nearest is not None  # every accepted tag is reachable from HEAD
    tag, distance = nearest
    on_commit = git.git(root, "tag", "--points-at", f"{tag}^{{commit}}").stdout.split()
    tags = tuple(sorted({tag, *(other for other in on_commit if is_version_tag(other))}))
    skipped = None
    if nearest_any is not None and nearest_any[1] < distance:
        skipped = nearest_any[0]
    return Described(commit, tags, distance, dirty, changes, skipped)


def _describe(root: Path, patterns: list[str]) -> tuple[str, int] | None:
    """The nearest tag matching one of ``patterns`` and its distance from HEAD, or None."""
    matches = [argument for pattern in patterns for argument in ("--match", pattern)]
    completed = git.git(root, "describe", "--tags", "--long", "--abbrev=40", *matches, "HEAD")
    if completed.returncode != 0:
        return None
    described = re.fullmatch(r"(?P<tag>.+)-(?P<distance>\d+)-g[0-9a-f]+", completed.stdout.strip())
    assert described is not None  # --long always gives <tag>-<distance>-g<hash>
    return described["tag"], int(described["distance"])


def _configuration(root: Path, options: ScmOptions) -> Configuration:
    """A setuptools_scm configuration for ``root``, searching upward for the repository."""
    # strict=False: the same permissive `git describe --match` glob as the
    # project's build, without setuptools_scm's warning about a future default.
    tag: dict[str, object] = {"strict": False}
    if options.tag_regex is not None:
        problem = tag_regex_problem(options.tag_regex)
        if problem:
            raise InputError(
                f"{options.source}: tag_regex {options.tag_regex!r} is unusable: {problem}"
            )
        tag["regex"] = options.tag_regex
    return VcsEnvironment.from_env().build_config_from_data(
        # vcs-versioning takes ``root`` relative to the folder of a (pyproject) file,
        # which need not exist; a folder here would be taken for that file.
        relative_to=root.resolve() / "pyproject.toml",
        data={
            "root": ".",
            "search_parent_directories": True,
            "version_scheme": options.version_scheme or DSPROD_VERSION_SCHEME,
            "local_scheme": options.local_scheme or DEFAULT_LOCAL_SCHEME,
            "tag": tag,
        },
    )


def _nearest_tag(config: Configuration, root: Path) -> str:
    """The tag git describe picks, as setuptools_scm's own describe would."""
    completed = git.git(
        root,
        "describe",
        "--tags",
        "--long",
        "--abbrev=40",
        "--match",
        config.tag.describe_match_glob(),
    )
    if completed.returncode != 0:
        raise NoVersionTag(
            f"{root}: no version tag on HEAD or its ancestors; tag a commit, e.g. `git tag 0.1.0`"
        )
    described = completed.stdout.strip()
    tag = re.sub(r"-\d+-g[0-9a-f]+$", "", described)
    if _tag_version(tag, config) is None:
        raise InputError(
            f"{root}: the nearest tag {tag!r} does not match the tag regex "
            f"{config.tag.regex.pattern!r}; fix the tag or the regex"
        )
    return tag


def _highest_tag_on_same_commit(
    config: Configuration, root: Path, described_tag: str
) -> tuple[str, Version]:
    """Among the version tags on the described tag's commit, the highest version wins."""
    listed = git.git(root, "tag", "--points-at", f"{described_tag}^{{commit}}")
    candidates: list[tuple[Version, str]] = []
    for tag in [described_tag, *listed.stdout.split()]:
        version = _tag_version(tag, config)
        if version is not None:
            candidates.append((version, tag))
    version, tag = max(candidates)
    return tag, version


def _tag_version(tag: str, config: Configuration) -> Version | None:
    """The version in ``tag`` as setuptools_scm reads it, or None for a tag that holds none.

    The tag regex's ``version`` group (or its only group) is the version; the rest
    of the match after it (a ``+local`` part) is kept when the two parse together.
    setuptools_scm warns about each tag that is no version; dsprod just skips them.
    """
    match = config.tag.regex.match(tag)
    if match is None:
        return None
    group: int | str = 1 if len(match.groups()) == 1 else "version"
    version = match.group(group)
    if not version:
        return None
    suffix = match.group(0)[match.end(group) :]
    for text in (version + suffix, version):
        try:
            return Version(text)
        except InvalidVersion:
            continue
    return None
