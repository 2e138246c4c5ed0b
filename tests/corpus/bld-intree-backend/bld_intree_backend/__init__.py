"""Length conversions between metric and imperial units."""

_METRES = {"m": 1.0, "cm": 0.01, "km": 1000.0, "in": 0.0254, "ft": 0.3048, "mi": 1609.344}


def convert(value: float, source: str, target: str) -> float:
    """``value`` in unit ``source`` expressed in unit ``target``."""
    return value * _METRES[source] / _METRES[target]
