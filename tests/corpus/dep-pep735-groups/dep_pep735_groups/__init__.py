"""Greets by the time of day."""

import time


def _hour():
    return time.localtime().tm_hour


def greeting(name):
    return f"Good {'morning' if _hour() < 12 else 'afternoon'}, {name}"
