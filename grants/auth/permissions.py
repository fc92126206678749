"""Who may do what: the one place that decides. Routes use the decorators; services and templates the functions.

Rules (DESIGN.md): staff see only their funder's rounds, auditors read only their funder's, panellists only the
rounds they sit on, applicants only their own group's bids. Another's object answers 404; a role's missing
right answers 403; a signed-out visitor is sent to sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from grants.extensions import db
from grants.models import Bid, GroupMember, PanelMember, Role, Round, User

P = ParamSpec("P")
R = TypeVar("R")


def is_site_admin(user: User) -> bool:
    return any(g.role == Role.SITE_ADMIN for g in user.role_grants)


def staff_funder_ids(user: User) -> set[int]:
    return {g.funder_id for g in user.role_grants if g.role == Role.STAFF and g.funder_id is not None}


def auditor_funder_ids(user: User) -> set[int]:
    return {g.funder_id for g in user.role_grants if g.role == Role.AUDITOR and g.funder_id is not None}


def is_staff_of(user: User, funder_id: int) -> bool:
    return funder_id in staff_funder_ids(user)


def is_auditor_of(user: User, funder_id: int) -> bool:
    return funder_id in auditor_funder_ids(user)


def panel_round_ids(user: User) -> set[int]:
    return set(db.session.scalars(sa.select(PanelMember.round_id).where(PanelMember.user_id == user.id)))


def group_ids(user: User) -> set[int]:
    return set(db.session.scalars(sa.select(GroupMember.group_id).where(GroupMember.user_id == user.id)))


def has_role(user: User, role: Role) -> bool:
    match role:
        case Role.SITE_ADMIN:
            return is_site_admin(user)
        case Role.STAFF:
            return bool(staff_funder_ids(user))
        case Role.AUDITOR:
            return bool(auditor_funder_ids(user))
        case Role.PANELLIST:
            return bool(panel_round_ids(user))
    return False


def role_required(role: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Signed-out visitors go to sign in; signed-in people without the role get 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not has_role(current_user, role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


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


# --- objects: rounds and bids ---------------------------------------------------------------------------------
# Another person's object answers 404 (its existence is not revealed); these return the object or abort.


def staff_round_or_404(round_id: int) -> Round:
    """A round the signed-in staff member may manage (their funder's), else 404."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or not is_staff_of(current_user, round_.funder_id):
        abort(404)
    return round_


def readable_round_or_404(round_id: int) -> Round:
    """A round the signed-in person may read as staff or auditor of its funder, else 404."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or not (
        is_staff_of(current_user, round_.funder_id) or is_auditor_of(current_user, round_.funder_id)
    ):
        abort(404)
    return round_


def is_group_member(user: User, group_id: int) -> bool:
    return group_id in group_ids(user)


def can_view_bid(user: User, bid: Bid) -> bool:
    """Members of the bid's group, and staff and auditors of the round's funder."""
    funder_id = bid.round.funder_id
    return is_group_member(user, bid.group_id) or is_staff_of(user, funder_id) or is_auditor_of(user, funder_id)


def group_bid_or_404(bid_id: int) -> Bid:
    """A bid of one of the signed-in person's groups, else 404."""
    bid = db.session.get(Bid, bid_id)
    if bid is None or not is_group_member(current_user, bid.group_id):
        abort(404)
    return bid


def staff_bid_or_404(bid_id: int) -> Bid:
    """A bid in a round of the signed-in staff member's funder, else 404."""
    bid = db.session.get(Bid, bid_id)
    if bid is None or not is_staff_of(current_user, bid.round.funder_id):
        abort(404)
    return bid


def editable_bid_or_404(bid_id: int) -> Bid:
    """A bid the signed-in person may work on as the applicant: a member of its group, or staff of the funder
    for a bid they are entering on the group's behalf. Anyone else gets 404."""
    bid = db.session.get(Bid, bid_id)
    if bid is None:
        abort(404)
    if is_group_member(current_user, bid.group_id):
        return bid
    if bid.entered_by_staff_id is not None and is_staff_of(current_user, bid.round.funder_id):
        return bid
    abort(404)


def panel_round_or_404(round_id: int) -> Round:
    """A round the signed-in person sits on the panel of, else 404."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_id not in panel_round_ids(current_user):
        abort(404)
    return round_
