"""Title-cases names."""


def title(name):
    return " ".join(part.capitalize() for part in name.split())
