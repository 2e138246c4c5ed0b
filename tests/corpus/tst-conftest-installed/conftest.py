import sys
from pathlib import Path

import pytest

# Lets developers run the tests from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).parent / "src"))


@pytest.fixture
def visitor():
    return "Ada"
