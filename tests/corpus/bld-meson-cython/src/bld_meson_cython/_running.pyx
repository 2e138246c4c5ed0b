# cython: language_level=3
"""Running sums over a list of numbers, compiled."""


def running_sum(values):
    cdef double total = 0.0
    out = []
    for value in values:
        total += value
        out.append(total)
    return out
