"""The hello-ds command."""

import argparse

from hello_ds import __version__, greet


def main() -> None:
    parser = argparse.ArgumentParser(prog="hello-ds", description="Print a greeting.")
    parser.add_argument("name", nargs="?", default="world", help="who to greet")
    parser.add_argument("--version", action="version", version=__version__)
    print(greet(parser.parse_args().name))
