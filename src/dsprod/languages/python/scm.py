"""A Python project's own versioning options: ``[tool.setuptools_scm]`` or hatch-vcs.

The project's build backend versions the wheel with these options, so dsprod
must version the conda package with the same ones (``dsprod.vcs.scm``).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from dsprod.errors import InputError
from dsprod.vcs.scm import DEFAULT_LOCAL_SCHEME, ScmOptions, tag_regex_problem

SETUPTOOLS_SCM_VERSION_SCHEME = "guess-next-dev"
"""What setuptools_scm and hatch-vcs use when the project names no scheme."""


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
        problem = tag_regex_problem(regex)
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
