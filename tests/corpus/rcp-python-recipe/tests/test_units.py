import pytest

import rcp_units


def test_pressure_hpa_to_bar():
    assert rcp_units.pressure(1013.25, "hPa", "bar") == pytest.approx(1.01325)


def test_celsius_to_kelvin():
    assert rcp_units.celsius_to_kelvin(0) == 273.15


def test_installed_not_source():
    assert "site-packages" in rcp_units.__file__
