"""Idempotent forms: a form that moves money carries a one-use token, spent in the transaction of what it does.

`spend_form_token` inserts the token's row in a savepoint before the service acts. The unique constraint on
(token, purpose) lets only one of two posts of the same form insert it: on PostgreSQL the second insert waits for
the first transaction and fails once it commits; SQLite's writers take turns. If the service then refuses, the
request rolls back, the token with it, so the person can correct the form and send it again.

A token says when its form was drawn (`new_form_token`) and is good for FORM_TOKEN_HOURS: a form older than that is
refused as out of date and drawn again with a fresh token. So a used token's row can never be matched again once it
is that old, and the daily prune (`purge_used_form_tokens`) deletes it.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.database import DbSession
from grants.domain import DomainError
from grants.models import UsedFormToken, User

TOKEN_FIELD = "form_token"  # noqa: S105 (the name of a form field, not a secret)
FORM_TOKEN_HOURS = 24
# When the form was drawn (Unix seconds, in hex), a dot, then secrets.token_urlsafe(32): 43 characters of this alphabet.
_TOKEN = re.compile(r"(?P<issued>[0-9a-f]{8,12})\.[A-Za-z0-9_-]{43}")
_CLOCK_SKEW = timedelta(minutes=5)  # another machine's clock may run a little ahead
EXPIRED = "This form is out of date, so nothing was changed. Reload the page and try again"


class AlreadyRecorded(DomainError):
    """The same form was sent before and acted on: nothing was changed this time."""


def already_recorded_message(what: str) -> str:
    return f"{what} was already recorded, so nothing was changed. Check the page before you send it again"


def new_form_token(now: datetime) -> str:
    """A fresh token for a form drawn at `now`."""
    return f"{int(now.timestamp()):x}.{secrets.token_urlsafe(32)}"


def usable_form_token(token: str | None, *, now: datetime) -> bool:
    """The token is one we draw, from a form drawn within FORM_TOKEN_HOURS of `now`."""
    match = _TOKEN.fullmatch(token or "")
    if match is None:
        return False
    issued = datetime.fromtimestamp(int(match["issued"], 16), tz=now.tzinfo)
    return now - timedelta(hours=FORM_TOKEN_HOURS) <= issued <= now + _CLOCK_SKEW


def purge_used_form_tokens(session: DbSession, *, now: datetime) -> int:
    """Delete the used tokens too old to be sent again (a form that old is refused before its token is looked up)."""
    cutoff = now - timedelta(hours=FORM_TOKEN_HOURS) - _CLOCK_SKEW
    result = session.execute(sa.delete(UsedFormToken).where(UsedFormToken.used_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def spend_form_token(
    session: DbSession, *, token: str | None, purpose: str, actor: User, what: str, now: datetime
) -> None:
    """Mark the form's token used for `purpose`; AlreadyRecorded if it was used before ("`what` was already
    recorded"), DomainError if the form carried no token. The caller's transaction keeps (or undoes) it."""
    if not usable_form_token(token, now=now):
        raise DomainError(EXPIRED, TOKEN_FIELD)
    try:
        with session.begin_nested():
            session.add(UsedFormToken(token=token, purpose=purpose[:200], user_id=actor.id, used_at=now))
    except IntegrityError as exc:
        raise AlreadyRecorded(already_recorded_message(what), TOKEN_FIELD) from exc
