"""Temperature conversions.

>>> to_fahrenheit(100)
212.0
"""


def to_fahrenheit(celsius):
    """Degrees Celsius in Fahrenheit.

    >>> to_fahrenheit(0)
    32.0
    """
    return celsius * 9 / 5 + 32
