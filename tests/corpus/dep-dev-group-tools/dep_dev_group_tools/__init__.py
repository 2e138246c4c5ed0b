"""Pads text to a width on a terminal."""


def pad(text, width, measure=len):
    return text + " " * max(0, width - measure(text))
