"""Tiny flat-layout package."""


def add(a, b):
    return a + b
