"""Which home pages a person uses: the header's navigation and where they land after signing in."""

from __future__ import annotations

from typing import Any

from grants.auth.permissions import group_ids, has_role
from grants.models import Role, User

# The home pages, in the order a person with several roles is sent to them after signing in.
HOME_PAGES: list[tuple[Role | None, str, str]] = [
    (Role.SITE_ADMIN, "Site admin", "admin.index"),
    (Role.STAFF, "Rounds", "home.staff"),
    (Role.AUDITOR, "Audit", "home.auditor"),
    (Role.PANELLIST, "Panel", "home.panellist"),
    (None, "Your bids", "home.applicant"),
]


def home_links(user: Any) -> list[tuple[str, str]]:
    """(label, endpoint) for each home page this person uses.

    Everyone signed in may apply, so "Your bids" is there for anyone in a group, and for anyone with no
    other role; staff or panellists who also apply for their own group see it beside their other areas.
    """
    links = [(label, endpoint) for role, label, endpoint in HOME_PAGES if role is not None and has_role(user, role)]
    if not links or group_ids(user):
        links.append(HOME_PAGES[-1][1:])
    return links


def home_endpoint(user: User) -> str:
    """Where a person lands after signing in: the home page of their most senior role."""
    return home_links(user)[0][1]
