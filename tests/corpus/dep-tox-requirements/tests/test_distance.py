import attrs

from dep_tox_requirements import distance


@attrs.define
class Point:
    x: float
    y: float


def test_distance():
    assert distance(Point(0, 0), Point(3, 4)) == 5


def test_same_point():
    assert distance(Point(1, 1), Point(1, 1)) == 0
