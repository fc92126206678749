"""Money for people. Stored as integer pennies everywhere; shown as pounds."""

from __future__ import annotations

import re
from fractions import Fraction


def format_pounds(pence: int | Fraction | None) -> str:
    """Pennies as pounds: 145000 -> '£1,450', 12550 -> '£125.50'; None -> ''.

    A fraction of a penny (an equal shares payment) is rounded to the nearest penny: for display only.
    """
    if pence is None:
        return ""
    # Whole pennies (nearly every amount) need no rounding: the exact arithmetic is for a fraction of a penny.
    whole = pence if isinstance(pence, int) else int((Fraction(pence) + Fraction(1, 2)) // 1)
    pounds, pennies = divmod(abs(whole), 100)
    sign = "-" if whole < 0 else ""
    if pennies:
        return f"{sign}£{pounds:,}.{pennies:02d}"
    return f"{sign}£{pounds:,}"


# Pounds as people type them: an optional £, whole pounds with commas only between groups of three
# ("1,250", never "1,2,5,0"), and at most two decimal places ("1250.5" is £1,250.50). Digits are ASCII 0-9 only:
# Python's \d and int() would also take "٣" (Arabic-Indic three) and other scripts' digits.
_POUNDS = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]{1,2}))?")
MAX_POUND_DIGITS = 12  # up to £999,999,999,999: far beyond any grant, and beyond what a column holds (below)
# The most pennies an amount column holds: they are INTEGER, 32 bits on PostgreSQL (£21,474,836.47). A typed amount
# may be bigger; compare it in Python (or clamp it) before it goes into a query, which would fail, not answer.
MAX_PENCE = 2**31 - 1


def parse_pounds(text: str | None) -> int | None:
    """'£1,250', '1250', '1,250.50' or '1250.5' as integer pennies; None when the text is not an amount of money."""
    cleaned = re.sub(r"\s+", "", text or "").removeprefix("£")
    match = _POUNDS.fullmatch(cleaned)
    if not match or len(match.group(1).replace(",", "")) > MAX_POUND_DIGITS:
        return None
    pounds = int(match.group(1).replace(",", ""))
    pennies = int((match.group(2) or "0").ljust(2, "0"))
    return pounds * 100 + pennies


def pounds_as_typed(pence: int) -> str:
    """Pennies as a person would type them back into a box (the inverse of parse_pounds): 145000 -> '1450',
    12550 -> '125.50'."""
    pounds, pennies = divmod(pence, 100)
    return f"{pounds}.{pennies:02d}" if pennies else str(pounds)
