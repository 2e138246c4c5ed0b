from tabulate import tabulate

from dep_poetry_test_group import render


def test_matches_tabulate_plain():
    rows = [["a", 1], ["bbb", 22]]
    assert render(rows) == tabulate(rows, tablefmt="plain", disable_numparse=True)


def test_single_column():
    assert render([["x"], ["yy"]]) == tabulate([["x"], ["yy"]], tablefmt="plain")
