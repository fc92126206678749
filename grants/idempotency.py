"""Idempotent forms: a form that moves money carries a one-use token, spent in the transaction of what it does.

`spend_form_token` inserts the token's row in a savepoint before the service acts. The unique constraint on
(token, purpose) lets only one of two posts of the same form insert it: on PostgreSQL the second insert waits for
the first transaction and fails once it commits; SQLite's writers take turns. If the service then refuses, the
request rolls back, the token with it, so the person can correct the form and send it again.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from grants.database import DbSession
from grants.domain import DomainError
from grants.models import UsedFormToken, User

TOKEN_FIELD = "form_token"  # noqa: S105 (the name of a form field, not a secret)
# secrets.token_urlsafe(32) gives 43 characters of this alphabet.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
EXPIRED = "This form is out of date, so nothing was changed. Reload the page and try again"


class AlreadyRecorded(DomainError):
    """The same form was sent before and acted on: nothing was changed this time."""


def already_recorded_message(what: str) -> str:
    return f"{what} was already recorded, so nothing was changed. Check the page before you send it again"


def spend_form_token(
    session: DbSession, *, token: str | None, purpose: str, actor: User, what: str, now: datetime
) -> None:
    """Mark the form's token used for `purpose`; AlreadyRecorded if it was used before ("`what` was already
    recorded"), DomainError if the form carried no token. The caller's transaction keeps (or undoes) it."""
    if not token or not _TOKEN.fullmatch(token):
        raise DomainError(EXPIRED, TOKEN_FIELD)
    try:
        with session.begin_nested():
            session.add(UsedFormToken(token=token, purpose=purpose[:200], user_id=actor.id, used_at=now))
    except IntegrityError as exc:
        raise AlreadyRecorded(already_recorded_message(what), TOKEN_FIELD) from exc
