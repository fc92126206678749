"""A sign-in half done: the password checked, the second step (a code, or setting up the app) still to come.

It is a short-lived marker in Flask's signed session cookie (the account, until when, "keep me signed in"),
never a sign-in session: Flask-Login knows nothing of it, so no page behind sign-in opens until the second step
calls `start_session`. The views of the second step are in grants/auth/two_factor_routes.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import redirect, request, session, url_for
from werkzeug.wrappers import Response

from grants.auth import two_factor
from grants.extensions import db
from grants.models import User

PENDING_KEY = "sign_in_pending"
PENDING_SECONDS = 10 * 60
CODE, SETUP, CODES_SHOWN = "code", "setup", "codes_shown"


@dataclass(frozen=True)
class Pending:
    user: User
    remember: bool
    stage: str


def second_step(user: User, *, remember: bool) -> Response | None:
    """After the password: where the person goes next if their sign-in needs a second step, else None."""
    if two_factor.two_factor_for(db.session, user) is not None:
        stage, endpoint = CODE, "auth.sign_in_code"
    elif two_factor.must_use_two_factor(user):
        stage, endpoint = SETUP, "auth.sign_in_set_up"
    else:
        return None
    mark_pending(user, remember=remember, stage=stage)
    return redirect(url_for(endpoint, next=request.args.get("next")))


def mark_pending(user: User, *, remember: bool, stage: str) -> None:
    session[PENDING_KEY] = {
        "user_id": user.id,
        "until": int(time.time()) + PENDING_SECONDS,
        "remember": remember,
        "stage": stage,
    }


def pending(*stages: str) -> Pending | None:
    """The sign-in waiting for its second step, if there is one at one of `stages` that has not timed out."""
    marker = session.get(PENDING_KEY)
    if not isinstance(marker, dict) or marker.get("stage") not in stages:
        return None
    if not isinstance(marker.get("until"), int) or marker["until"] <= time.time():
        return None
    user = db.session.get(User, marker.get("user_id"))
    if user is None or user.is_disabled:
        return None
    return Pending(user=user, remember=bool(marker.get("remember")), stage=str(marker["stage"]))


def clear_pending() -> None:
    session.pop(PENDING_KEY, None)
