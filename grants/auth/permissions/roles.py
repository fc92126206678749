"""Who holds which role, and the gates every route passes: the role decorators (403) and `load_or_404` (404).

The object rules built on these are in `grants.auth.permissions`; the conflict rule in
`grants.auth.permissions.duties`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import sqlalchemy as sa
from flask import abort, current_app, request
from flask_login import current_user, login_required

from grants.extensions import db
from grants.models import PanelMember, Role, User
from grants.panel import rules as panel_rules

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
    return panel_rules.user_group_ids(db.session, user.id)


def is_group_member(user: User, group_id: int) -> bool:
    return group_id in group_ids(user)


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


def current_person() -> User:
    """The signed-in person, as the User row (not Flask-Login's proxy), for services and rules."""
    return current_user._get_current_object()


def any_role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Signed-out visitors go to sign in; signed-in people with none of the roles get 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not any(has_role(current_user, role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def role_required(role: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Signed-out visitors go to sign in; signed-in people without the role get 403."""
    return any_role_required(role)


M = TypeVar("M")


def load_or_404(model: type[M], ident: object, can: Callable[[User, M], bool]) -> M:
    """The object with this id if the signed-in person passes `can`, else 404 (not revealing that it exists). A
    refusal of an object that does exist is logged, so someone trying other people's ids is seen (the answer is
    the same 404 as for a mistyped address)."""
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    person = current_person()
    if not can(person, obj):
        current_app.logger.warning(
            "Refused (404, not theirs) %s %r: %s %s for session user %r",
            request.method,
            request.path,
            model.__name__,
            ident,
            getattr(person, "id", None),  # a public page's visitor is not signed in
        )
        abort(404)
    return obj
