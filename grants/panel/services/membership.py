"""Who sits on the panel: staff invite residents and appoint the chair; a resident joins by agreeing to the code of
conduct. Every function changes rows and writes its audit event in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.auth import invitations
from grants.auth import services as account_services
from grants.auth.permissions.duties import may_sit_on_panel, panel_refusal_message
from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Invitation, PanelMember, Role, Round, User
from grants.panel import rules
from grants.panel.services.declarations import SystemRecusal, record_own_group_recusals
from grants.panel.services.seats import PANELLIST, STAFF, lock_seat, seat_or_refuse

PANEL_DECIDED = "This round has been decided, so its panel can no longer change."


def _refuse_once_decided(round_: Round, field: str | None = None) -> None:
    if round_.is_decided:
        raise DomainError(PANEL_DECIDED, field)


def pending_invitation(session: DbSession, round_: Round, email: str, *, now: datetime) -> Invitation | None:
    """A live invitation to this round's panel for this address at `now`, if there is one."""
    return session.scalar(
        sa.select(Invitation).where(
            Invitation.round_id == round_.id,
            Invitation.role == Role.PANELLIST,
            Invitation.email == account_services.normalise_email(email),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    )


def invite_panellist(
    session: DbSession, *, round_: Round, email: str, invited_by: User, now: datetime
) -> invitations.IssuedInvitation:
    """Invite a resident onto the round's panel by a single-use, expiring link sent to their email address."""
    _refuse_once_decided(round_, "email")
    address = account_services.normalise_email(email)
    existing_user = account_services.find_user_by_email(session, email)
    if existing_user is not None and rules.seat(session, round_.id, existing_user.id) is not None:
        raise DomainError(f"{address} is already on this panel.", "email")
    if existing_user is not None and not may_sit_on_panel(existing_user, round_):
        raise DomainError(panel_refusal_message(existing_user, round_), "email")
    if pending_invitation(session, round_, email, now=now) is not None:
        raise DomainError(
            f"{address} has already been invited and has not answered yet."
            " Send the invitation again from the list below if they cannot find it.",
            "email",
        )
    return invitations.invite(session, email=email, role=Role.PANELLIST, round=round_, invited_by=invited_by)


def _withdraw(session: DbSession, *, invitation: Invitation, actor: User, resent: bool, now: datetime) -> None:
    # Lock the row and read it again, so two clicks cannot both withdraw it (and send two new links).
    session.refresh(invitation, with_for_update=True)
    if invitation.accepted_at is not None:
        raise DomainError(f"{invitation.email} has already accepted this invitation and joined the panel.")
    if invitation.revoked_at is not None:
        raise DomainError(f"The invitation to {invitation.email} has already been withdrawn.")
    invitation.revoked_at = now
    record_event(
        session,
        "invitation.revoked",
        by=actor,
        role=STAFF,
        about=invitation,
        facts={"round_id": invitation.round_id, "resent": resent},
    )


def resend_invitation(
    session: DbSession, *, round_: Round, invitation: Invitation, actor: User, now: datetime
) -> invitations.IssuedInvitation:
    """Send a new link; the old one stops working at once."""
    _refuse_once_decided(round_)
    _withdraw(session, invitation=invitation, actor=actor, resent=True, now=now)
    return invitations.invite(session, email=invitation.email, role=Role.PANELLIST, round=round_, invited_by=actor)


def revoke_invitation(session: DbSession, *, invitation: Invitation, actor: User, now: datetime) -> None:
    """Withdraw an invitation that has not been accepted: its link stops working."""
    _withdraw(session, invitation=invitation, actor=actor, resent=False, now=now)


def appoint_chair(session: DbSession, *, member: PanelMember, actor: User) -> PanelMember | None:
    """Make a member the panel's chair; a panel has one chair, so the previous chair (returned) steps down."""
    _refuse_once_decided(member.round)
    session.refresh(member, with_for_update=True)
    if member.is_chair:
        raise DomainError(f"{member.user.name} is already the chair.")
    previous = session.scalar(
        sa.select(PanelMember).where(PanelMember.round_id == member.round_id, PanelMember.is_chair.is_(True))
    )
    if previous is not None:
        previous.is_chair = False
    member.is_chair = True
    record_event(
        session,
        "panel.chair_appointed",
        by=actor,
        role=STAFF,
        about=member,
        facts={
            "round_id": member.round_id,
            "member_id": member.id,
            "previous_member_id": previous.id if previous else None,
        },
    )
    return previous


def accept_code_of_conduct(session: DbSession, *, round_: Round, user: User, now: datetime) -> list[SystemRecusal]:
    """The panellist agrees to the code of conduct (once); the platform then records their own groups' recusals."""
    seat = seat_or_refuse(session, round_, user.id)
    lock_seat(session, seat)
    session.refresh(seat)
    if seat.conduct_accepted_at is None:
        seat.conduct_accepted_at = now
        record_event(
            session, "panel.conduct_accepted", by=user, role=PANELLIST, about=seat, facts={"round_id": round_.id}
        )
    return record_own_group_recusals(session, round_=round_, user_id=user.id)
