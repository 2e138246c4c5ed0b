import bld_build_markers


def test_parse_skips_comments():
    assert bld_build_markers.parse("a = 1\n# no\n\nb=two  # why\n") == {"a": "1", "b": "two"}


def test_version_comes_from_the_git_tag():
    assert bld_build_markers.__version__ == "1.2.0"
