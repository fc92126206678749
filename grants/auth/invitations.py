"""Role grants and invitations: who may join a funder, a round's panel or a group, and how. No Flask routing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from grants.audit.chain import record_event
from grants.auth.permissions.duties import may_sit_on_panel, panel_refusal_message
from grants.auth.services import LinkInvalid, normalise_email
from grants.auth.tokens import hash_token, new_token
from grants.database import DbSession
from grants.domain import DomainError
from grants.mail import send_email
from grants.models import Funder, Group, GroupMember, Invitation, PanelMember, Role, RoleGrant, Round, User, utcnow


def grant_role(
    session: DbSession, *, user: User, role: Role, funder: Funder | None = None, granted_by: User | None = None
) -> RoleGrant:
    """Give a user a role (idempotent). Staff and auditor roles belong to one funder; site admin to none."""
    if role in (Role.PANELLIST, Role.GROUP_MEMBER):
        raise DomainError("Panellists and group members join by invitation to a round or a group, not by a role.")
    funder_id = funder.id if funder else None
    existing = session.scalar(
        sa.select(RoleGrant).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == role,
            RoleGrant.funder_id.is_(None) if funder_id is None else RoleGrant.funder_id == funder_id,
        )
    )
    if existing is not None:
        return existing
    grant = RoleGrant(
        user_id=user.id, role=role, funder_id=funder_id, granted_by_id=granted_by.id if granted_by else None
    )
    session.add(grant)
    session.flush()
    session.refresh(user, ["role_grants"])
    record_event(session, "role.granted", by=granted_by, about=user, facts={"role": role.value, "funder_id": funder_id})
    return grant


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation just made, with the token its emailed link carries (the CLI prints the link; the demo accepts
    it by its token)."""

    invitation: Invitation
    token: str


def invite(
    session: DbSession,
    *,
    email: str,
    role: Role,
    funder: Funder | None = None,
    round: Round | None = None,
    group: Group | None = None,
    invited_by: User | None = None,
) -> IssuedInvitation:
    """Create a single-use invitation link bound to one email address and role, and email it."""
    email = normalise_email(email)
    if role in (Role.STAFF, Role.AUDITOR) and funder is None:
        raise DomainError("Choose the funder this person will work for.", "funder")
    if role == Role.PANELLIST and round is None:
        raise DomainError("Choose the round whose panel this person will join.", "round")
    if role == Role.GROUP_MEMBER and group is None:
        raise DomainError("Choose the group this person will join.", "group")
    token, token_hash = new_token()
    days = current_app.config["INVITATION_DAYS"]
    invitation = Invitation(
        token_hash=token_hash,
        email=email,
        role=role,
        funder_id=funder.id if funder and role in (Role.STAFF, Role.AUDITOR) else None,
        round_id=round.id if round and role == Role.PANELLIST else None,
        group_id=group.id if group and role == Role.GROUP_MEMBER else None,
        invited_by_id=invited_by.id if invited_by else None,
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(invitation)
    session.flush()
    send_email(
        session,
        to=email,
        template="auth/invitation",
        invitation=invitation,
        group=group,
        round=round,
        funder=funder,
        days=days,
        token=token,
    )
    record_event(
        session,
        "invitation.created",
        by=invited_by,
        about=invitation,
        facts={
            "role": role.value,
            "funder_id": invitation.funder_id,
            "round_id": invitation.round_id,
            "group_id": invitation.group_id,
        },
    )
    return IssuedInvitation(invitation, token)


def find_invitation(session: DbSession, token: str) -> Invitation:
    """The invitation a link stands for, if it can still be accepted; otherwise LinkInvalid."""
    invitation = session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None:
        raise LinkInvalid("This invitation link is not valid. Check you copied the whole link.")
    if invitation.accepted_at is not None:
        raise LinkInvalid("This invitation has already been accepted. Sign in to carry on.")
    if invitation.revoked_at is not None:
        raise LinkInvalid("This invitation was withdrawn. Ask the person who invited you for a new one.")
    if invitation.expires_at <= utcnow():
        raise LinkInvalid("This invitation has expired. Ask the person who invited you for a new one.")
    return invitation


def _join(session: DbSession, model: type[PanelMember] | type[GroupMember], **seat: int | None) -> None:
    """Give the person a seat on the panel, or membership of the group, unless they already hold it."""
    if session.scalar(sa.select(model).filter_by(**seat)) is None:
        session.add(model(**seat))


def accept_invitation(session: DbSession, *, token: str, user: User) -> Invitation:
    """Accept an invitation as `user`, whose email must be the one invited; grants the role it carries."""
    invitation = find_invitation(session, token)
    if user.email != invitation.email:
        raise DomainError(
            f"This invitation is for {invitation.email}. Sign out, then sign in or create an account with that address."
        )
    if (
        invitation.role == Role.PANELLIST
        and invitation.round is not None
        and not may_sit_on_panel(user, invitation.round)
    ):
        raise DomainError(panel_refusal_message(user, invitation.round))
    # Claim the link atomically: a second request racing with this one updates no row and is refused.
    claimed = session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow(), accepted_by_id=user.id)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise LinkInvalid("This invitation has already been accepted. Sign in to carry on.")
    if invitation.role == Role.PANELLIST:
        _join(session, PanelMember, round_id=invitation.round_id, user_id=user.id)
    elif invitation.role == Role.GROUP_MEMBER:
        _join(session, GroupMember, group_id=invitation.group_id, user_id=user.id)
    else:
        grant_role(session, user=user, role=invitation.role, funder=invitation.funder)
    record_event(
        session,
        "invitation.accepted",
        by=user,
        about=invitation,
        facts={
            "role": invitation.role.value,
            "funder_id": invitation.funder_id,
            "round_id": invitation.round_id,
            "group_id": invitation.group_id,
        },
    )
    return invitation
