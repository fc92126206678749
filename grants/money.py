"""Money for people. Stored as integer pennies everywhere; shown as pounds."""

from __future__ import annotations

from fractions import Fraction


def format_pounds(pence: int | Fraction | None) -> str:
    """Pennies as pounds: 145000 -> '£1,450', 12550 -> '£125.50'; None -> ''.

    A fraction of a penny (an equal shares payment) is rounded to the nearest penny: for display only.
    """
    if pence is None:
        return ""
    whole = int((Fraction(pence) + Fraction(1, 2)) // 1)
    pounds, pennies = divmod(abs(whole), 100)
    sign = "-" if whole < 0 else ""
    if pennies:
        return f"{sign}£{pounds:,}.{pennies:02d}"
    return f"{sign}£{pounds:,}"
