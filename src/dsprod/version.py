"""Git -> PEP 440 (setuptools_scm semantics) -> conda version, build string, finality.

The PEP 440 version must be exactly what the project's own build backend computes
(setuptools_scm or hatch-vcs read the same tags), otherwise the wheel inside the
conda package and the package itself disagree. So setuptools_scm does the
versioning, configured like the project configures it; dsprod only adds what
setuptools_scm leaves open: which of several tags on one commit wins, and how the
result is spelled for conda.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version
from setuptools_scm.git import get_working_directory
from setuptools_scm.version import tag_to_version
from vcs_versioning import Configuration, TagConfiguration, VcsEnvironment

from dsprod.errors import InputError

DSPROD_VERSION_SCHEME = "no-guess-dev"
"""Used when the project configures no VCS versioning: two commits after ``1.2`` give
``1.2.post1.dev2``, which sorts below any pre-release of the next version."""
SETUPTOOLS_SCM_VERSION_SCHEME = "guess-next-dev"
"""What setuptools_scm and hatch-vcs use when the project names no scheme."""
DEFAULT_LOCAL_SCHEME = "node-and-date"
"""setuptools_scm's default local scheme; dsprod uses it too."""

_BUILD_STRING_FORBIDDEN = re.compile(r"[^A-Za-z0-9_.]")


@dataclass(frozen=True)
class VersionInfo:
    """A project's version at one commit, in both PEP 440 and conda spelling."""

    pep440: str
    """Public PEP 440 version, what the build backend must compute (no local part)."""
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


class NoVersionTag(InputError):
    """The repository has no version tag reachable from HEAD.

    A distinct class because some callers have a fallback (an R package's
    DESCRIPTION version) while for others it is a plain input error.
    """


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


def scm_options_from_pyproject(data: Mapping[str, Any], path: Path) -> ScmOptions:
    """Read the setuptools_scm or hatch-vcs settings of a parsed ``pyproject.toml``.

    A project that configures setuptools_scm (a ``[tool.setuptools_scm]`` table) or
    hatch-vcs (``source = "vcs"``) keeps its schemes, at the tool's defaults
    (``guess-next-dev``) where it names none. Merely listing setuptools-scm in
    ``build-system.requires`` is no configuration: such a project gets dsprod's
    ``no-guess-dev``, and the build backend is told that version through
    ``SETUPTOOLS_SCM_PRETEND_VERSION``, so the wheel agrees either way.
    """
    tool = _table(data.get("tool"), path, "tool")
    setuptools_scm = tool.get("setuptools_scm")
    if setuptools_scm is not None:
        table = _table(setuptools_scm, path, "tool.setuptools_scm")
        tag_table = _table(table.get("tag"), path, "tool.setuptools_scm.tag")
        # vcs-versioning's [tag] regex is the new spelling of the top-level tag_regex.
        regex_key = "tool.setuptools_scm." + ("tag.regex" if "regex" in tag_table else "tag_regex")
        return _project_options(
            table,
            path,
            key_prefix="tool.setuptools_scm",
            tag_regex=(regex_key, tag_table.get("regex", table.get("tag_regex"))),
        )
    hatch_version = _table(
        _table(tool.get("hatch"), path, "tool.hatch").get("version"), path, "tool.hatch.version"
    )
    if hatch_version.get("source") == "vcs":
        raw = _table(hatch_version.get("raw-options"), path, "tool.hatch.version.raw-options")
        # hatch-vcs lets a non-empty tag-pattern replace raw-options' tag_regex.
        if hatch_version.get("tag-pattern"):
            tag_regex = ("tool.hatch.version.tag-pattern", hatch_version["tag-pattern"])
        else:
            tag_regex = ("tool.hatch.version.raw-options.tag_regex", raw.get("tag_regex"))
        return _project_options(
            raw, path, key_prefix="tool.hatch.version.raw-options", tag_regex=tag_regex
        )
    return ScmOptions(source=f"dsprod defaults ({path} configures no VCS versioning)")


def _table(value: Any, path: Path, key: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{path}: [{key}] must be a table")
    return value


def _project_options(
    table: Mapping[str, Any],
    path: Path,
    *,
    key_prefix: str,
    tag_regex: tuple[str, Any],
) -> ScmOptions:
    version_scheme = _scheme(
        table, "version_scheme", SETUPTOOLS_SCM_VERSION_SCHEME, path, key_prefix
    )
    local_scheme = _scheme(table, "local_scheme", DEFAULT_LOCAL_SCHEME, path, key_prefix)
    regex_key, regex = tag_regex
    if regex is not None:
        if not isinstance(regex, str):
            raise InputError(f"{path}: {regex_key} must be a string")
        problem = _tag_regex_problem(regex)
        if problem:
            raise InputError(f"{path}: {regex_key} = {regex!r} is unusable: {problem}")
    return ScmOptions(
        version_scheme=version_scheme,
        local_scheme=local_scheme,
        tag_regex=regex or None,
        source=f"{path} [{key_prefix}]",
    )


def _scheme(table: Mapping[str, Any], key: str, default: str, path: Path, key_prefix: str) -> str:
    """Validate a scheme name now, so a typo is reported against pyproject.toml."""
    value = table.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"{path}: {key_prefix}.{key} must be one scheme name (a string)")
    group = f"setuptools_scm.{key}"
    known = sorted(ep.name for ep in entry_points(group=group))
    if value not in known and ":" not in value:
        raise InputError(
            f"{path}: {key_prefix}.{key} = {value!r} is not a setuptools_scm {key} "
            f"(known: {', '.join(known)})"
        )
    return value


def _tag_regex_problem(regex: str) -> str | None:
    """What setuptools_scm would reject about a tag regex, or None."""
    try:
        compiled = re.compile(regex)
    except re.error as err:
        return str(err)
    if compiled.groups == 0 or (compiled.groups > 1 and "version" not in compiled.groupindex):
        return "it needs one group, or a group named 'version', around the version"
    return None


def git_head(root: Path) -> str:
    """Full hash of the commit checked out in the repository that contains ``root``."""
    if not root.is_dir():
        raise InputError(f"{root}: no such folder")
    completed = _git(root, "rev-parse", "--is-inside-work-tree")
    if completed.returncode != 0:
        raise InputError(f"{root}: not inside a git repository (run `git init` and commit)")
    completed = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if completed.returncode != 0:
        raise InputError(f"{root}: the git repository has no commit yet (commit your files)")
    return completed.stdout.strip()


def git_version(root: Path, options: ScmOptions = ScmOptions()) -> VersionInfo:
    """Version the commit checked out at ``root`` (a repository or a folder inside one).

    setuptools_scm computes the version; dsprod first makes sure it starts from the
    highest version among the tags on the nearest tagged commit, because git
    describe picks any one of them (QA tags ``1.2.1`` where ``1.2.1rc1`` already is).
    """
    commit = git_head(root)
    config = _configuration(root, options)
    workdir = get_working_directory(config, config.absolute_root)
    if workdir is None:
        raise InputError(f"{root}: not inside a git repository (run `git init` and commit)")
    described_tag = _nearest_tag(workdir.path, config, root)
    best_tag, best_version = _highest_tag_on_same_commit(workdir.path, config, described_tag)
    try:
        scm_version = workdir.get_scm_version()
        assert scm_version is not None  # the git backend always returns a version
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
        conda=to_conda_version(public),
        build_string=_build_string(
            commit, version.local, _changes_digest(root) if scm_version.dirty else None
        ),
        commit=commit,
        distance=scm_version.distance,
        dirty=scm_version.dirty,
        is_final=is_final(public),
        tag=best_tag,
    )


def fixed_version(root: Path, pep440: str) -> VersionInfo:
    """Version info for a version that does not come from tags (R DESCRIPTION fallback).

    The commit and dirtiness still come from git, so the build string identifies
    the sources exactly as for tag-derived versions.
    """
    commit = git_head(root)
    version = _parse_pep440(pep440)
    dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip())
    return VersionInfo(
        pep440=version.public,
        conda=to_conda_version(version.public),
        build_string=_build_string(commit, version.local, _changes_digest(root) if dirty else None),
        commit=commit,
        distance=0,
        dirty=dirty,
        is_final=is_final(version.public),
        tag=None,
    )


def to_conda_version(pep440: str) -> str:
    """Spell a PEP 440 version so conda/rattler order it as PEP 440 does.

    Three differences in conda's order need a different spelling:

    - ``1.2.dev2`` would be a separate component sorting above ``1.2rc1``: write
      ``devN`` without the dot, right after the release or pre-release.
    - Before a pre-release or dev suffix, conda pads differently from PEP 440
      (``1.0a1`` < ``1.0.0a1`` in conda, equal in PEP 440): drop trailing zeros
      from the release there, so both become ``1a1``.
    - PEP 440 puts ``1.0.post1`` between ``1.0`` and ``1.0.0.1``, a place conda's
      zero padding has no room for in the main version. conda's local segment is
      compared only after the main version, so the post (and its dev) goes there:
      ``1.0+post1``, ``1.2+post1dev2``.

    The local part of a PEP 440 version is dropped: it belongs in the build string.
    """
    version = _parse_pep440(pep440)
    inline = ""
    if version.pre is not None:
        inline += f"{version.pre[0]}{version.pre[1]}"
    if version.dev is not None and version.post is None:
        inline += f"dev{version.dev}"
    release = list(version.release)
    if inline:
        while len(release) > 1 and release[-1] == 0:
            release.pop()
    conda = ".".join(str(part) for part in release) + inline
    if version.epoch:
        conda = f"{version.epoch}!{conda}"
    if version.post is not None:
        conda += f"+post{version.post}"
        if version.dev is not None:
            conda += f"dev{version.dev}"
    return conda


def is_final(pep440: str) -> bool:
    """Neither a pre- nor a dev-release; post-releases count as final."""
    version = _parse_pep440(pep440)
    return version.pre is None and version.dev is None


def _parse_pep440(pep440: str) -> Version:
    try:
        return Version(pep440)
    except InvalidVersion as err:
        raise InputError(f"{pep440!r} is not a PEP 440 version") from err


def _configuration(root: Path, options: ScmOptions) -> Configuration:
    """A setuptools_scm configuration for ``root``, searching upward for the repository."""
    if options.tag_regex is not None:
        problem = _tag_regex_problem(options.tag_regex)
        if problem:
            raise InputError(
                f"{options.source}: tag_regex {options.tag_regex!r} is unusable: {problem}"
            )
        tag = TagConfiguration(regex=re.compile(options.tag_regex), strict=False)
    else:
        # strict=False: the same permissive `git describe --match` glob as the
        # project's build, without setuptools_scm's warning about a future default.
        tag = TagConfiguration(strict=False)
    return Configuration(
        root=str(root.resolve()),
        search_parent_directories=True,
        version_scheme=options.version_scheme or DSPROD_VERSION_SCHEME,
        local_scheme=options.local_scheme or DEFAULT_LOCAL_SCHEME,
        tag=tag,
        _env=VcsEnvironment.from_env(),
    )


def _nearest_tag(repo: Path, config: Configuration, root: Path) -> str:
    """The tag git describe picks, as setuptools_scm's own describe would."""
    completed = _git(
        repo,
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
    repo: Path, config: Configuration, described_tag: str
) -> tuple[str, Version]:
    """Among the version tags on the described tag's commit, the highest version wins."""
    listed = _git(repo, "tag", "--points-at", f"{described_tag}^{{commit}}")
    candidates: list[tuple[Version, str]] = []
    for tag in [described_tag, *listed.stdout.split()]:
        version = _tag_version(tag, config)
        if version is not None:
            candidates.append((version, tag))
    version, tag = max(candidates)
    return tag, version


def _tag_version(tag: str, config: Configuration) -> Version | None:
    with warnings.catch_warnings():
        # setuptools_scm warns for every tag that is not a version; dsprod skips them.
        warnings.simplefilter("ignore")
        return tag_to_version(tag, config)


def _build_string(commit: str, local: str | None, changes: str | None) -> str:
    """A conda build string that names the sources: ``g<hash>`` or the sanitised local part.

    The hash makes it unique per commit even when the local scheme omits it. A
    dirty tree adds ``_dirty<digest of the uncommitted changes>``: two builds of
    different edits never share a file name, and the same edits name the same build.
    """
    node = f"g{commit[:9]}"
    if local:
        sanitised = _BUILD_STRING_FORBIDDEN.sub("_", local)
        node = sanitised if node in sanitised else f"{node}_{sanitised}"
    return f"{node}_dirty{changes}" if changes else node


def _changes_digest(root: Path) -> str:
    """A short digest of the uncommitted changes to tracked files (``git diff HEAD``)."""
    diff = subprocess.run(
        ["git", "diff", "HEAD", "--binary"], cwd=root, capture_output=True, check=False
    ).stdout
    return hashlib.sha256(diff).hexdigest()[:8]


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
