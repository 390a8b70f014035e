"""Comma-separated option text (`data.columns.parse_numbers`, `parse_names`): values, and errors that name the
parameter in backticks, which the CLI shows as the command's flag."""

from __future__ import annotations

import pytest

from scalinglab.data.columns import parse_names, parse_numbers
from scalinglab.errors import InputError


def test_numbers_parse_floats_and_whole_numbers() -> None:
    assert parse_numbers("1e21, 2.5e22,", "budgets") == (1e21, 2.5e22)
    assert parse_numbers("1,1e4", "ks", whole=True) == (1, 10000)
    assert all(isinstance(k, int) for k in parse_numbers("1,1e4", "ks", whole=True))


@pytest.mark.parametrize(("text", "options", "message"), [
    ("1,x", {}, "`budgets` must be comma-separated numbers, got '1,x'"),
    ("1,nan", {}, "`budgets` must be finite numbers, got '1,nan'"),
    (" , ", {}, "`budgets` is empty"),
    ("1,-2", {"positive": True, "what": "FLOP counts"}, "`budgets` must be positive FLOP counts"),
    ("1,2.5", {"whole": True}, "`budgets` must be positive whole numbers, got '1,2.5'"),
])
def test_numbers_errors_name_the_parameter(text: str, options: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_numbers(text, "budgets", **options)
    assert str(err.value) == message


def test_names_split_and_refuse_an_empty_list() -> None:
    assert parse_names(" chinchilla, kaplan ,", "laws") == ["chinchilla", "kaplan"]
    assert parse_names(None, "laws") is None
    with pytest.raises(InputError, match="^`laws` is an empty list$"):
        parse_names(" , ", "laws")
