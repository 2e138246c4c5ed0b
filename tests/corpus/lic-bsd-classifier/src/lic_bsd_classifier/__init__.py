"""Path splitting."""


def parts(path):
    return [part for part in path.split("/") if part]
