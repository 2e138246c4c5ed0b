import dep_pep735_groups


def test_morning(mocker):
    mocker.patch.object(dep_pep735_groups, "_hour", return_value=9)
    assert dep_pep735_groups.greeting("Ada") == "Good morning, Ada"


def test_afternoon(mocker):
    hour = mocker.patch.object(dep_pep735_groups, "_hour", return_value=15)
    assert dep_pep735_groups.greeting("Ada") == "Good afternoon, Ada"
    hour.assert_called_once_with()
