"""Project metadata is data, never template: rattler-build renders it back verbatim.

Every string in a v1 recipe is a minijinja template to rattler-build, so a
description holding ``${{ env.get('TOKEN') }}`` would publish the token. These
tests push awkward values through the real recipe generation (python_recipe /
r_recipe + render_v1) and rattler-build's own renderer, and one through a real
build (licence files are globs to rattler-build).
"""

from __future__ import annotations

import asyncio
import re
import shlex
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import rattler_build
from conda_package_streaming.package_streaming import stream_conda_component
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rattler import Subdir
from rattler.index import index_fs

from dsprod.errors import InputError
from dsprod.languages.python import read_python_project
from dsprod.languages.python.recipe import python_recipe
from dsprod.languages.r.recipe import r_recipe
from dsprod.project import ProjectInfo
from dsprod.recipe.extra import DsprodExtra
from dsprod.recipe.model import About, Recipe
from dsprod.recipe.v1 import render_v1
from dsprod.vcs.urls import absolute_url
from tests.versions import TAGGED_1_0 as VERSION

pytestmark = pytest.mark.selftest

INFO = ProjectInfo(
    root=Path("/src/plain"),
    language="python",
    name="plain",
    conda_name="plain",
    version=VERSION,
    host_requirements=("python", "pip"),
    run_requirements=("python",),
    test_requirements=("pytest",),
)

# Template syntax, YAML syntax, quotes, escapes, newlines: each must come out as it went in.
NASTY = [
    "token: ${{ env.get('HOME') }} ${{ 7*7 }}",
    "${{ 7*7 }}",
    '${{ "a" ~ "b" }}',
    "$${{ 1 }}",
    "{{ 7*7 }}",
    "{% if true %}yes{% endif %}",
    "{# comment #}",
    "# not a comment",
    "key: value",
    "- not a list",
    'it\'s "quoted"',
    "back\\slash \\n \\u0041",
    "line one\nline two\r\nline three\ttabbed",
    "}} ${{ unclosed",
    "null",
    "~",
    "INF",  # a float parser's infinity: rattler-build read it back as null in extra
    "-nan",
    "bell\x07 nel\x85 nbsp\xa0 ls\u2028 bom\ufeff emoji\U0001f600 tag\U000e0041",
]


def rendered(text: str) -> dict[str, Any]:
    """rattler-build's own rendering of a recipe text (one variant), as a dict."""
    [variant] = rattler_build.Stage0Recipe.from_yaml(text).render()
    return variant.recipe.to_dict()


def unglob(pattern: str) -> str:
    """The file name an exact licence-file glob matches; fails on any live glob character."""
    name = re.sub(r"\[(.)\]", r"\1", pattern, flags=re.DOTALL)
    live = re.sub(r"\[(.)\]", "", pattern, flags=re.DOTALL)
    assert not set(live) & set("*?[]{}\\"), pattern
    return name


@pytest.mark.parametrize("value", NASTY)
def test_every_metadata_field_renders_verbatim(value: str) -> None:
    in_url = "".join(c for c in value if c.isprintable() and not c.isspace() and c not in "%\\")
    url = absolute_url(f"https://example.org/{in_url}")
    assert url is not None
    info = replace(
        INFO,
        summary=value.strip(),
        description=value.strip(),
        homepage=url,
        repository=url,
        documentation=url,
        license_files=(value, "LICENSE"),
        tests_dirs=(value,),
        test_requirements=("pytest",),
    )
    recipe = python_recipe(info, value, repository=value)
    document = rendered(render_v1(recipe))
    about = document["about"]
    assert about["summary"] == value.strip()
    assert about["description"] == value.strip()
    assert [unquote(about[key]) for key in ("homepage", "repository", "documentation")] == [url] * 3
    assert [unglob(pattern) for pattern in about["license_file"]] == [value, "LICENSE"]
    assert document["source"][0]["path"] == value
    extra = document["extra"]["dsprod"]
    assert (extra["tests_dirs"], extra["repository"]) == ([value], value)


_PIECES = st.sampled_from(
    ["${{", "}}", "{{", "{%", "%}", "{#", "#}", "#", ":", ": ", " #", "'", '"', "\\", "\n",
     "\r\n", "\t", "$", "null", "~", "env.get('HOME')", "7*7", " ", "-", "[", "]", "*", "?"]
)  # fmt: skip
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=8).map("".join)
_URL_TEXT = st.lists(
    st.one_of(
        _PIECES.filter(lambda piece: not piece.isspace() and "\\" not in piece),
        st.text(st.characters(exclude_categories=("Z", "C"), exclude_characters="%\\?#")),
    ),
    max_size=6,
).map("".join)
_REQUIREMENT = st.from_regex(
    r"[a-z][a-z0-9_-]{0,8}( (>=|<|==|!=)(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){0,2})?",
    fullmatch=True,
)
_SCRIPT = st.tuples(
    st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,10}", fullmatch=True),
    st.from_regex(r"[A-Za-z_]\w{0,5}(\.[a-z_]\w{0,5}){0,2}:[a-z_]{1,5}", fullmatch=True).filter(
        str.isascii
    ),
)


def _is_url(path: str) -> bool:
    """A path WHATWG parsing keeps (it resolves ``.`` and ``..`` segments).

    Checked on the URL as recorded, which has no fragment: ``.#}`` is recorded as ``.``.
    """
    url = absolute_url(f"https://example.org/{path}")
    return url is not None and not any(
        segment in (".", "..") for segment in urlsplit(url).path.split("/")
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    language=st.sampled_from(["python", "r"]),
    summary=_TEXT,
    description=_TEXT,
    url_path=_URL_TEXT.filter(_is_url),
    license_files=st.lists(_TEXT.filter(lambda name: name.strip()), max_size=3, unique=True),
    tests_dir=_TEXT.filter(bool),
    scripts=st.lists(_SCRIPT, max_size=2, unique_by=lambda script: script[0]),
    run=st.lists(_REQUIREMENT, max_size=3),
)
def test_generated_metadata_renders_verbatim(
    language: str,
    summary: str,
    description: str,
    url_path: str,
    license_files: list[str],
    tests_dir: str,
    scripts: list[tuple[str, str]],
    run: list[str],
) -> None:
    url = absolute_url(f"https://example.org/{url_path}")
    assert url is not None
    info = replace(
        INFO,
        language=language,
        summary=summary.strip(),  # as every reader gives it
        description=description.strip(),
        homepage=url,
        license_files=tuple(license_files),
        tests_dirs=(tests_dir,),
        run_requirements=tuple(run),
        entry_points=tuple(f"{name} = {target}" for name, target in scripts),
    )
    recipe = (python_recipe if language == "python" else r_recipe)(info, ".", "")
    document = rendered(render_v1(recipe))
    about = document["about"]
    assert about.get("summary", "") == info.summary
    assert about.get("description", "") == info.description
    assert unquote(about["homepage"]) == unquote(url)  # rattler-build re-escapes it
    assert [unglob(pattern) for pattern in about.get("license_file", [])] == license_files
    assert document["extra"]["dsprod"]["tests_dirs"] == [tests_dir]
    assert document.get("requirements", {}).get("run", []) == run
    if language == "python":
        entry_points = document["build"].get("python", {}).get("entry_points", [])
        assert entry_points == list(info.entry_points)
        commands = [test["script"] for test in document.get("tests", []) if "script" in test]
        expected = [f"{shlex.quote(name)} --help" for name, _ in scripts]
        # rattler-build gives a one-line script as a string
        assert commands == ([expected[0] if len(expected) == 1 else expected] if expected else [])


@pytest.mark.parametrize(
    ("table", "name", "target"),
    [
        ("project.scripts", "${{ 7*7 }}", "pkg:main"),
        ("project.scripts", "../../bin/evil", "pkg:main"),
        ("project.scripts", "-rf", "pkg:main"),
        ("project.scripts", "two words", "pkg:main"),
        ("project.scripts", "ok", "pkg:main; rm -rf ~"),
        ("project.scripts", "ok", "${{ env.get('HOME') }}:main"),
        ("tool.poetry.scripts", "a;b", "pkg:main"),
    ],
)
def test_console_scripts_that_are_no_plain_names_are_refused(
    tmp_path: Path, table: str, name: str, target: str
) -> None:
    header = (
        '[project]\nname = "scripted"\n'
        if table.startswith("project")
        else ('[tool.poetry]\nname = "scripted"\n')
    )
    (tmp_path / "pyproject.toml").write_text(
        f"{header}[{table}]\n{_toml_string(name)} = {_toml_string(target)}\n"
    )
    with pytest.raises(InputError) as raised:
        read_python_project(tmp_path, VERSION)
    message = str(raised.value)
    assert "\n" not in message and "pyproject.toml" in message and "scripts" in message


def test_setup_cfg_console_script_is_checked(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        textwrap.dedent(
            """
            [metadata]
            name = legacy
            [options.entry_points]
            console_scripts =
                ${{7*7}} = legacy:main
            """
        )
    )
    with pytest.raises(InputError, match=r"setup.cfg: \[options.entry_points\] console_scripts"):
        read_python_project(tmp_path, VERSION)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_a_licence_file_with_glob_characters_in_its_name_is_packaged(tmp_path: Path) -> None:
    """Licence files are globs to rattler-build: the recipe must name the one file exactly."""
    odd = "LICENSE [1]{a,b}*?\\ ${{ 7*7 }}.txt"
    source = tmp_path / "source"
    source.mkdir()
    (source / odd).write_text("the licence")
    (source / "LICENSE [1]{a,b}xx\\ ${{ 7*7 }}.txt").write_text("a decoy the glob must miss")
    recipe = Recipe(
        name="odd-licence",
        conda_version="1.0",
        pep440_version="1.0",
        native_version="1.0",
        build_string="g0_0",
        source_path="../source",
        script=('mkdir -p "$PREFIX/share/odd-licence"',),
        extra=DsprodExtra(commit="0" * 40),
        noarch="generic",
        about=About(summary="odd", license="MIT", license_files=(odd,)),
    )
    recipe_dir = tmp_path / "recipe"
    recipe_dir.mkdir()
    (recipe_dir / "recipe.yaml").write_text(render_v1(recipe))
    channel = tmp_path / "empty-channel"
    (channel / "noarch").mkdir(parents=True)
    asyncio.run(index_fs(channel, target_platform=Subdir("noarch")))
    [result] = rattler_build.Stage0Recipe.from_file(recipe_dir / "recipe.yaml").run_build(
        output_dir=tmp_path / "out", channels=[str(channel)]
    )
    package = Path(result.packages[0])
    licences = {}
    with package.open("rb") as stream:
        for tar, member in stream_conda_component(package.name, stream, "info"):
            if member.name.startswith("info/licenses/") and member.isfile():
                handle = tar.extractfile(member)
                licences[member.name] = handle.read() if handle else b""
    assert licences == {f"info/licenses/{odd}": b"the licence"}
