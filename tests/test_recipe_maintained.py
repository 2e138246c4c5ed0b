"""A maintained recipe as a project's metadata: choosing it, rendering it, checking its records.

Recipes are rendered by rattler-build itself, as the build renders them; the
repositories are real git repositories with a tag.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dsprod.envtest.result import junit_counts
from dsprod.errors import InputError
from dsprod.languages import detect
from dsprod.languages.recipe import RECIPE
from dsprod.languages.recipe.runner import _Outcome, _shown, _write_junit
from dsprod.pipeline.stages import as_maintained, load_project
from dsprod.recipe.maintained import choose_recipe, problems, recipe_names, render_maintained
from dsprod.recipe.model import build_variables
from dsprod.vcs.scm import git_version
from tests.projects import commit_all, git

EXTRA = """
extra:
  dsprod:
    commit: ${{ dsprod_git_commit | default("") }}
    pep440_version: ${{ dsprod_pep440_version | default("0.0.0") }}
    repository: ${{ dsprod_git_repository | default("") }}
"""


def recipe_text(
    name: str, *, version: str = '${{ dsprod_conda_version | default("0") }}', extra: str = EXTRA
) -> str:
    return f"""
package:
  name: {name}
  version: {version}
build:
  string: ${{{{ dsprod_build_string | default("0") }}}}
  noarch: generic
  script:
    - mkdir -p $PREFIX/share/{name}
tests:
  - script:
      - test -d $PREFIX/share/{name}
about:
  license: MIT
  summary: Tables
{extra}"""


def repository(folder: Path, recipes: dict[str, str], tag: str = "1.2.0") -> Path:
    """A git repository holding ``recipes/<folder>/recipe.yaml`` for each item, tagged."""
    for name, text in recipes.items():
        path = folder / "recipes" / name / "recipe.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(text)
    git(folder, "init", "--quiet", "--initial-branch=main")
    commit_all(folder, "recipes")
    git(folder, "tag", tag)
    return folder


def variables(root: Path, origin: str | None = None) -> dict[str, str]:
    return build_variables(git_version(root), origin)


def test_recipes_are_chosen_by_name_or_alone(tmp_path: Path) -> None:
    for name in ("tables", "tools"):
        (tmp_path / "recipes" / name).mkdir(parents=True)
        (tmp_path / "recipes" / name / "recipe.yaml").write_text("")
    (tmp_path / "recipes" / "notes").mkdir()  # a folder without a recipe is not one
    assert recipe_names(tmp_path) == ["tables", "tools"]
    assert choose_recipe(tmp_path, "tools") == tmp_path / "recipes/tools/recipe.yaml"
    with pytest.raises(InputError, match=r"2 recipes \(tables, tools\); choose one with --recipe"):
        choose_recipe(tmp_path, None)
    with pytest.raises(
        InputError, match=r"recipes/nope/recipe.yaml: no such recipe \(found: tables, tools\)"
    ):
        choose_recipe(tmp_path, "nope")
    (tmp_path / "recipes" / "tools" / "recipe.yaml").unlink()
    assert choose_recipe(tmp_path, None) == tmp_path / "recipes/tables/recipe.yaml"


def test_a_recipe_reading_the_per_build_variables_has_no_problems(tmp_path: Path) -> None:
    root = repository(tmp_path, {"rcp-tables": recipe_text("rcp-tables")}, tag="1.2.0rc1")
    values = variables(root, "https://example.org/team/tables")
    recipe = render_maintained(root / "recipes/rcp-tables/recipe.yaml", values)
    assert (recipe.name, recipe.version) == ("rcp-tables", "1.2rc1")  # conda's spelling
    assert recipe.extra.commit == git_version(root).commit
    assert recipe.extra.repository == "https://example.org/team/tables"
    assert recipe.tests == ("script",)
    assert problems(recipe, values) == []


def test_each_hard_coded_value_is_named_with_the_variable_to_read(tmp_path: Path) -> None:
    hard_coded = EXTRA.replace('${{ dsprod_git_commit | default("") }}', "abc123")
    text = recipe_text("rcp-tables", version="1.1.0", extra=hard_coded)
    root = repository(tmp_path, {"rcp-tables": text})
    values = variables(root)
    found = problems(render_maintained(root / "recipes/rcp-tables/recipe.yaml", values), values)
    assert found == [
        "package.version is '1.1.0', but git says '1.2.0': write ${{ dsprod_conda_version }}",
        f"extra.dsprod.commit is 'abc123', but git says '{git_version(root).commit}':"
        " write ${{ dsprod_git_commit }}",
    ]


def test_a_recipe_without_extra_dsprod_is_told_what_to_write(tmp_path: Path) -> None:
    root = repository(tmp_path, {"rcp-tables": recipe_text("rcp-tables", extra="")})
    values = variables(root)
    recipe = render_maintained(root / "recipes/rcp-tables/recipe.yaml", values)
    assert not recipe.records_extra
    [missing] = problems(recipe, values)
    assert missing.startswith("extra.dsprod is missing")
    assert "commit: ${{ dsprod_git_commit }}" in missing


def test_a_build_string_left_to_rattler_build_is_refused(tmp_path: Path) -> None:
    text = recipe_text("rcp-tables").replace(
        'string: ${{ dsprod_build_string | default("0") }}', "number: 0"
    )
    root = repository(tmp_path, {"rcp-tables": text})
    values = variables(root)
    [found] = problems(render_maintained(root / "recipes/rcp-tables/recipe.yaml", values), values)
    assert found.startswith("build.string is 'h")  # rattler-build's hash string
    assert found.endswith(
        f"but git says '{git_version(root).build_string}': write ${{{{ dsprod_build_string }}}}"
    )


def test_a_recorded_repository_without_an_origin_is_refused(tmp_path: Path) -> None:
    text = recipe_text("rcp-tables").replace(
        '${{ dsprod_git_repository | default("") }}', "https://example.org/old"
    )
    root = repository(tmp_path, {"rcp-tables": text})
    values = variables(root)
    found = problems(render_maintained(root / "recipes/rcp-tables/recipe.yaml", values), values)
    assert found == [
        "extra.dsprod.repository is 'https://example.org/old', but this repository has no"
        " origin: write ${{ dsprod_git_repository }}"
    ]


def test_a_recipe_of_several_packages_or_bad_yaml_is_an_input_error(tmp_path: Path) -> None:
    outputs = """
recipe:
  name: two
  version: "1"
outputs:
  - package: {name: rcp-a}
  - package: {name: rcp-b}
"""
    root = repository(tmp_path, {"two": outputs, "broken": "package: [\n"})
    with pytest.raises(InputError, match="renders to 2 packages"):
        render_maintained(root / "recipes/two/recipe.yaml", variables(root))
    with pytest.raises(InputError, match=r"recipes/broken/recipe.yaml: "):
        render_maintained(root / "recipes/broken/recipe.yaml", variables(root))


def test_a_repository_with_only_a_recipe_is_read_from_it(tmp_path: Path) -> None:
    text = recipe_text("rcp-tables", extra=EXTRA + "    language: recipe\n")
    root = repository(tmp_path, {"rcp-tables": text})
    assert detect(root) is RECIPE
    project = load_project(root)
    info = project.info
    assert (info.language, info.conda_name, info.version.conda) == ("recipe", "rcp-tables", "1.2.0")
    assert (info.license, info.summary) == ("MIT", "Tables")
    assert info.warnings == ()


@pytest.mark.parametrize(
    ("language", "error"),
    [
        ("", "extra.dsprod.language is not set: write `language: recipe`"),
        ("    language: cobol\n", "extra.dsprod.language is 'cobol', which dsprod does not know"),
    ],
)
def test_the_recorded_language_must_be_one_dsprod_tests_with(
    tmp_path: Path, language: str, error: str
) -> None:
    root = repository(tmp_path, {"rcp-tables": recipe_text("rcp-tables", extra=EXTRA + language)})
    with pytest.raises(InputError, match=r"recipes/rcp-tables/recipe.yaml: .*" + error):
        load_project(root)


def test_the_recipe_folder_is_named_after_its_package(tmp_path: Path) -> None:
    text = recipe_text("rcp-tables", extra=EXTRA + "    language: recipe\n")
    root = repository(tmp_path, {"tables": text})
    with pytest.raises(InputError, match=r"rename the folder to recipes/rcp-tables/"):
        load_project(root)


def test_recipe_names_one_of_several_and_warns_of_what_will_not_run(tmp_path: Path) -> None:
    untested = recipe_text("rcp-b", extra=EXTRA + "    language: recipe\n    tests_dirs: [tests]\n")
    untested = untested.replace("  - script:\n      - test -d $PREFIX/share/rcp-b\n", "  []\n")
    untested = untested.replace("tests:\n  []", "tests: []")
    root = repository(
        tmp_path,
        {"rcp-a": recipe_text("rcp-a", extra=EXTRA + "    language: recipe\n"), "rcp-b": untested},
    )
    with pytest.raises(InputError, match=r"2 recipes \(rcp-a, rcp-b\)"):
        load_project(root)
    info = load_project(root, "rcp-b").info
    assert info.conda_name == "rcp-b"
    assert [w.split(": ", 1)[1][:30] for w in info.warnings] == [
        "no tests: entry runs against t",
        "extra.dsprod.tests_dirs is not",
    ]


def test_a_python_project_with_a_recipe_is_still_read_as_python(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "rcp-tables"\ndynamic = ["version"]\n'
    )
    text = recipe_text("rcp-tables", extra=EXTRA + "    language: recipe\n")
    root = repository(tmp_path, {"rcp-tables": text})
    assert detect(root).name == "python"
    assert load_project(root, "rcp-tables").language.name == "recipe"  # --recipe: the recipe


def test_recipe_tests_become_one_testcase_each(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    _write_junit(
        [
            _Outcome("tests[0] script", True, False, "+ test -f x\n", 0.5),
            _Outcome("tests[1] script", False, False, "+ exit 1\nScript execution failed.\n", 0.2),
            _Outcome("tests[2] python", False, True, "cannot solve the test env", 0.1),
        ],
        junit,
    )
    assert junit_counts(junit) == (3, 1, 1, 0)
    cases = ET.parse(junit).getroot().findall("testcase")
    assert [case.get("name") for case in cases] == [
        "tests[0] script",
        "tests[1] script",
        "tests[2] python",
    ]
    assert cases[1].find("failure") is not None and cases[2].find("error") is not None


def test_a_failed_test_is_shown_up_to_the_verdict() -> None:
    output = (
        "solving\n\n+ exit 1\nScript failed with status 1\nScript execution failed.\n\n"
        "  Work directory: /tmp/gone\n"
    )
    assert (
        _shown(output) == "solving\n+ exit 1\nScript failed with status 1\nScript execution failed."
    )


def test_a_maintained_recipe_chooses_the_runner_where_another_language_reads(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "rcp-tables"\ndynamic = ["version"]\n'
    )
    text = recipe_text("rcp-tables", extra=EXTRA + "    language: recipe\n")
    root = repository(tmp_path, {"rcp-tables": text})
    project = load_project(root)
    assert project.info.language == "python"
    recipe_path = root / "recipes/rcp-tables/recipe.yaml"
    assert as_maintained(project, recipe_path).info.language == "recipe"
    recipe_path.write_text(text.replace("language: recipe", "language: cobol"))
    with pytest.raises(InputError, match="records language 'cobol', which dsprod does not know"):
        as_maintained(project, recipe_path)
