"""PyPI -> conda-forge names: conda-forge's mapping (bundled with whl2conda) plus overrides."""

from __future__ import annotations

import pytest

from dsprod.conda.names import OVERRIDES, conda_forge_renames, pypi_to_conda

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest


@pytest.mark.parametrize(
    ("pypi", "conda"),
    [
        # Only in conda-forge's mapping, never in dsprod's own table.
        ("PyQt5", "pyqt"),
        ("docker", "docker-py"),
        ("torch_sparse", "pytorch_sparse"),
        # In both; the mapping alone now carries them.
        ("torch", "pytorch"),
        ("Typing_Extensions", "typing_extensions"),
        ("matplotlib", "matplotlib-base"),
    ],
)
def test_names_from_conda_forges_mapping(pypi: str, conda: str) -> None:
    assert pypi_to_conda(pypi) == conda


@pytest.mark.parametrize(
    ("pypi", "conda"),
    [
        ("msgpack", "msgpack-python"),  # missing from the mapping
        ("ruamel.yaml", "ruamel.yaml"),  # the mapping's ruamel_yaml is not conda-forge's
        ("zope.interface", "zope.interface"),  # missing from the mapping
    ],
)
def test_overrides_win_over_the_mapping(pypi: str, conda: str) -> None:
    assert pypi_to_conda(pypi) == conda


def test_unmapped_names_are_normalised() -> None:
    assert pypi_to_conda("Flit_Core") == "flit-core"
    assert pypi_to_conda("setuptools-scm") == "setuptools-scm"


def test_the_mapping_has_names_only_and_every_override_changes_something() -> None:
    renames = conda_forge_renames()
    assert len(renames) > 900
    assert not any(key.startswith("$") for key in renames)
    assert all(renames.get(pypi) != conda for pypi, conda in OVERRIDES.items())
