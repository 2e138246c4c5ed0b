import six

from dep_test_requirements_txt import shout


def test_shout_returns_text():
    assert isinstance(shout("hi"), six.text_type)


def test_shout():
    assert shout(six.u("hey")) == "HEY!"
