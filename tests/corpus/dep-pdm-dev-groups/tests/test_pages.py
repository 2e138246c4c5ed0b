import more_itertools

from dep_pdm_dev_groups import pages


def test_pages_match_chunked():
    items = list(range(10))
    assert pages(items, 3) == list(more_itertools.chunked(items, 3))


def test_last_page_is_short():
    assert more_itertools.last(pages(list(range(7)), 3)) == [6]
