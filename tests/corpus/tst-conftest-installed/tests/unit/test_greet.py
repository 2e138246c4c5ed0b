import sys
from pathlib import Path

import tst_conftest_installed
from tst_conftest_installed import greet


def test_greet(visitor):
    assert greet(visitor) == "Hello, Ada!"


def test_imports_the_installed_package():
    module = Path(tst_conftest_installed.__file__).resolve()
    assert Path(sys.prefix).resolve() in module.parents, module


def test_no_source_tree_beside_the_tests():
    assert not (Path(__file__).resolve().parents[2] / "src").exists()
