"""Unit conversions the team's notebooks share."""

_TO_PASCAL = {"Pa": 1.0, "hPa": 100.0, "kPa": 1000.0, "bar": 100000.0}


def pressure(value: float, unit: str, to: str) -> float:
    """``value`` in ``unit`` converted to ``to``."""
    return value * _TO_PASCAL[unit] / _TO_PASCAL[to]


def celsius_to_kelvin(value: float) -> float:
    return value + 273.15
