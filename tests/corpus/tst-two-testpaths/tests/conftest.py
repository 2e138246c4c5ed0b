import pytest


@pytest.fixture
def sample():
    return "the cat and the hat"
