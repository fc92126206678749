"""Deleting an account: the person asks (with their password), a site admin decides, and deleting leaves what the
funders must keep for their audit with the person's details taken out.

What goes: the name, the email address, the password (the account can never sign in again), every session, the
two-step sign-in key and codes, reset links and kept forms, roles, memberships of groups, the security log's
entries for the account and the emails queued or sent to it, and the notes of conflicts they declared (free text
about people they know).

What stays, naming "Deleted account" instead of them: their seats on panels, declarations (without their note),
scores and comments, deliberation notes and ballots, because a decided round's tally must still re-run to its digest
and its trail must still make sense; their groups (which belong to the groups' other members, and to the funder's
record of who was funded); and the audit chain, which never held a name or an address.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from grants.auth.passwords import check_password, hash_password
from grants.auth.security_log import record_security_event
from grants.auth.sessions import end_all_sessions
from grants.database import DbSession
from grants.domain import DomainError
from grants.mail import send_email
from grants.models import (
    AccountDeletion,
    ConflictDeclaration,
    DeletionOutcome,
    GroupMember,
    LoginSession,
    OutboxEmail,
    PasswordReset,
    RecoveryCode,
    RoleGrant,
    SavedForm,
    SecurityEvent,
    TwoFactor,
    User,
)

DELETED_NAME = "Deleted account"
MAX_REFUSAL = 500


def open_request(session: DbSession, user: User) -> AccountDeletion | None:
    return session.scalar(
        sa.select(AccountDeletion).where(AccountDeletion.user_id == user.id, AccountDeletion.decided_at.is_(None))
    )


def waiting_requests(session: DbSession) -> list[AccountDeletion]:
    """Every request waiting for a site admin, oldest first."""
    return list(
        session.scalars(
            sa.select(AccountDeletion).where(AccountDeletion.decided_at.is_(None)).order_by(AccountDeletion.id)
        )
    )


def ask_for_deletion(session: DbSession, *, actor: User, password: str, now: datetime) -> AccountDeletion:
    """The person (`actor`) asks for their account to be deleted, typing their password to show it is them."""
    user = actor
    if not check_password(user.password_hash, password):
        raise DomainError("Your password is not correct", "password")
    if open_request(session, user) is not None:
        raise DomainError("You have already asked for your account to be deleted", "password")
    request = AccountDeletion(user_id=user.id, requested_at=now)
    session.add(request)
    session.flush()
    record_security_event(session, "account.deletion_requested", user=user, now=now)
    return request


def cancel_deletion(session: DbSession, *, actor: User, now: datetime) -> None:
    """The person takes back their request, before a site admin has decided it."""
    user = actor
    request = open_request(session, user)
    if request is None:
        raise DomainError("You have not asked for your account to be deleted")
    request.decided_at, request.decided_by_id, request.outcome = now, user.id, DeletionOutcome.CANCELLED
    record_security_event(session, "account.deletion_cancelled", user=user, now=now)


def _decide(
    session: DbSession, request: AccountDeletion, *, actor: User, outcome: DeletionOutcome, now: datetime
) -> None:
    session.refresh(request, with_for_update=True)  # two admins at once: the second sees the first's decision
    if request.decided_at is not None:
        raise DomainError("This request has already been decided")
    request.decided_at, request.decided_by_id, request.outcome = now, actor.id, outcome


def refuse_deletion(session: DbSession, *, request: AccountDeletion, reason: str, actor: User, now: datetime) -> None:
    """A site admin refuses, saying why (the person is emailed the reason)."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the account cannot be deleted: the person will be told", "reason")
    if len(reason) > MAX_REFUSAL:
        raise DomainError(f"Keep the reason to {MAX_REFUSAL} characters or fewer", "reason")
    _decide(session, request, actor=actor, outcome=DeletionOutcome.REFUSED, now=now)
    request.refusal = reason
    send_email(session, to=request.user.email, template="auth/deletion_refused", user=request.user, reason=reason)


def delete_account(session: DbSession, *, request: AccountDeletion, actor: User, now: datetime) -> None:
    """A site admin deletes the account: the person's details go, and what the record needs stays (module doc)."""
    user = request.user
    if user.id == actor.id:
        raise DomainError("Another site admin must delete your own account")
    _decide(session, request, actor=actor, outcome=DeletionOutcome.DELETED, now=now)
    # The goodbye is the last email to the address: it goes before the address does.
    send_email(session, to=user.email, template="auth/account_deleted", user=user)
    goodbye = session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to_address == user.email)).all()[-1]
    end_all_sessions(session, user)
    for model in (LoginSession, TwoFactor, RecoveryCode, PasswordReset, SavedForm, RoleGrant, GroupMember):
        session.execute(sa.delete(model).where(model.user_id == user.id))
    session.execute(sa.delete(SecurityEvent).where(SecurityEvent.user_id == user.id))
    session.execute(sa.delete(OutboxEmail).where(OutboxEmail.to_address == user.email, OutboxEmail.id != goodbye.id))
    session.execute(sa.update(ConflictDeclaration).where(ConflictDeclaration.user_id == user.id).values(note=""))
    user.name = DELETED_NAME
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # nobody knows it: the account never opens
    user.is_disabled = True
    session.flush()
    record_security_event(session, "account.deleted", user=user, facts={"by": actor.id}, now=now)
