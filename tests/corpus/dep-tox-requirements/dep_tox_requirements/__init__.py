"""Distances between anything with x and y."""

import math


def distance(a, b):
    return math.hypot(a.x - b.x, a.y - b.y)
