"""Pages of a long list: which rows a page holds, whatever page number a visitor typed.

Every list that can grow (a panellist's bids, the panel's members, the bids to screen, the score summary) is shown a
page at a time, `?page=N`. A number that is not one, or below 1, gives the first page; one past the end gives the
last page; so no page number is ever an error. The GOV.UK pagination component's links are made in
`grants.web.pagination`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PAGE_SIZE = 50
_MAX_DIGITS = 9  # a page number longer than this is past the end of any list


def page_number(text: str | None) -> int:
    """The page a visitor asked for (`?page=`): 1 unless the text is a whole number of 1 or more."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    if len(text.lstrip("0")) > _MAX_DIGITS:
        return 10**_MAX_DIGITS
    return max(1, int(text))


@dataclass(frozen=True)
class Page:
    """One page of a list of `total` rows, `size` to a page; `number` is always a page that exists (1 when the
    list is empty)."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_index(self) -> int:
        """The position of the page's first row in the whole list, from 1 (0 when it is empty)."""
        return self.offset + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.number * self.size, self.total)

    @property
    def several(self) -> bool:
        return self.pages > 1


def page_of(total: int, asked: int, size: int = PAGE_SIZE) -> Page:
    """The page `asked` for of a list of `total` rows, moved onto the first or last page when it is outside them."""
    pages = max(1, math.ceil(total / size))
    return Page(number=min(max(asked, 1), pages), size=size, total=total)
