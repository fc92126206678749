"""The public pages a funder's open data links to, for the download page and `flask export 360giving` alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from grants.mail import absolute_url
from grants.models import Funder


class PublicLinks(TypedDict):
    funder_url: str
    round_url: Callable[[int], str]


def public_links(funder: Funder) -> PublicLinks:
    """The funder's public page and a way to its rounds' pages, as full addresses."""
    return {
        "funder_url": absolute_url("transparency.funder", slug=funder.slug),
        "round_url": lambda round_id: absolute_url("rounds.public_round", round_id=round_id),
    }
