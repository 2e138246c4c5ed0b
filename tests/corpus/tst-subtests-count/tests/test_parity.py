import unittest

import pytest

from tst_subtests_count import is_even


def test_evens(subtests):
    for number in (0, 2, 4, 6):
        with subtests.test(number=number):
            assert is_even(number)


def test_odd():
    assert not is_even(3)


class TestOdds(unittest.TestCase):
    def test_odds(self):
        for number in (1, 3, 5):
            with self.subTest(number=number):
                self.assertFalse(is_even(number))


@pytest.mark.skip(reason="big numbers are for later")
def test_big():
    assert is_even(10**100)
