"""Money as people type it and as they read it: one reader of pounds for every form."""

from __future__ import annotations

import pytest

from grants.money import format_pounds, parse_pounds


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("1250", 125000),
        ("£1,250", 125000),
        (" £ 1,250.50 ", 125050),
        ("1250.5", 125050),
        ("10000", 1000000),
        ("500", 500_00),
        (" 99.99 ", 99_99),
        ("1,000,000", 1_000_000_00),
    ],
)
def test_pounds_are_read_as_people_type_them(typed: str, pence: int) -> None:
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "ten pounds",
        "ten",
        "-5",
        "1,25",
        "12,50",
        "1,2,5,0",
        "12.345",
        "£",
        "1e5",
        "1.000,00",
        "9" * 13,
        None,
    ],
)
def test_text_that_is_not_an_amount_of_money_is_refused(typed: str | None) -> None:
    assert parse_pounds(typed) is None


@pytest.mark.parametrize(("pence", "shown"), [(145000, "£1,450"), (12550, "£125.50"), (5, "£0.05"), (None, "")])
def test_pennies_are_shown_as_pounds(pence: int | None, shown: str) -> None:
    assert format_pounds(pence) == shown


def test_what_is_shown_reads_back_as_the_same_amount() -> None:
    for pence in (1, 99, 100, 12550, 145000, 123456789):
        assert parse_pounds(format_pounds(pence)) == pence
