"""Nothing typed is lost when a sign-in ends mid-typing: a form posted by someone whose sign-in has just ended
(signed out on another device, password changed, session timed out) is kept until they sign in again, then put
back into the same page for them to check and save.

Kept only for someone who was signed in when they typed, and nobody else:

- **Who typed it.** The form page was shown to a signed-in person, so the browser's signed session cookie still
  names their sign-in session (Flask-Login's `_user_id` is our `LoginSession` token, sessions.py), even though
  that session has ended or expired. The form is bound to that session's user. A visitor who never signed in
  (or who signed out in this browser, which drops the token) has no such session: nothing is kept.
- **Which browser.** It also carries a random token in a cookie of its own (`KEPT_FORM_COOKIE_NAME`, not the session, so
  that renewing the session at sign-in does not lose it); only its SHA-256 is stored. A form is put back only
  for the same user in the same browser: another person signing in on that browser gets nothing, and nor does
  someone who posts with an old copy of the user's cookie from elsewhere.
- **Where.** Only a POST to a form page of an area that opts in (`KEEP_FORMS_FOR`): a real route of the URL map
  whose address also shows the form on a GET, so it can be put back.
- **How much, how long.** At most `MAX_KEPT_BYTES` of form fields (more is not kept), at most `MAX_KEPT_PER_USER`
  forms a person (the oldest go), for `KEEP_FOR`. Expired forms are deleted whenever one is kept or one that was
  put back is deleted, and by `delete_expired_saved_forms` for a periodic prune.

Putting it back is a read (a GET never writes, and a failure to read only means nothing is put back): the page
shows it once, and the row is deleted by that browser's next POST.

Part of the web layer: the app factory registers it (`register_saved_forms`), and only route modules use it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from grants.auth.tokens import hash_token, new_token
from grants.database import DbSession
from grants.extensions import db, login_manager
from grants.models import LoginSession, SavedForm, User, utcnow

KEEP_FORMS_FOR = ("bids.", "panel.", "reports.")
KEEP_FOR = timedelta(hours=4)
MAX_KEPT_BYTES = 256 * 1024  # of field names and values, UTF-8: a long bid's answers are a small part of it
MAX_KEPT_PER_USER = 5


def _kept_cookie() -> str:
    """The cookie holding the browser's own token, naming the forms it kept (`__Host-` in production)."""
    return str(current_app.config["KEPT_FORM_COOKIE_NAME"])


SHOWN_KEY = "saved_forms_shown"  # ids of kept forms put back on a page, to delete at this browser's next POST
FLASK_LOGIN_KEY = "_user_id"  # where Flask-Login keeps `User.get_id()`: our sign-in session's token
NOT_KEPT = {"csrf_token"}


def unauthorized() -> Response:
    """Flask-Login's handler for a signed-out visitor: keep a draft posted by someone whose sign-in has just
    ended, then go to sign in and come back.

    The kept form is written in the request's transaction, which the commit path commits with the redirect.
    """
    here = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    response = redirect(url_for("auth.sign_in", next=here))
    if _keep_posted_form(response):
        flash("You were signed out. Sign in again and we will put back what you typed.", "info")
    else:
        flash("Sign in to see that page.", "info")
    return response


def _keep_posted_form(response: Response) -> bool:
    """Keep this POST's form for the person whose sign-in ended, if it may be kept; True when it was."""
    if request.method != "POST" or not _form_page():
        return False
    if (request.content_length or 0) > MAX_KEPT_BYTES * 4:  # too big even percent-encoded: do not read it
        return False
    session_token = session.get(FLASK_LOGIN_KEY)
    if not isinstance(session_token, str) or not session_token or request.files:
        return False  # never signed in here (or signed out here): nothing to bind it to
    data = [[key, value] for key, value in request.form.items(multi=True) if key not in NOT_KEPT]
    if sum(len(key.encode()) + len(value.encode()) for key, value in data) > MAX_KEPT_BYTES:
        return False
    try:
        with db.session.begin_nested():
            user_id = _user_of_session(session_token)
            if user_id is None:
                return False
            token = request.cookies.get(_kept_cookie()) or new_token()[0]
            _make_room(db.session, user_id=user_id, path=request.path, now=utcnow())
            db.session.add(SavedForm(user_id=user_id, token_hash=hash_token(token), path=request.path, data=data))
    except SQLAlchemyError:
        current_app.logger.warning("Could not keep a form posted after a sign-in ended", exc_info=True)
        return False
    response.set_cookie(
        _kept_cookie(),
        token,
        path="/",
        max_age=int(KEEP_FOR.total_seconds()),
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        samesite="Lax",
    )
    return True


def _form_page() -> bool:
    """True when this request is to a real route of an area that keeps forms, whose address shows the form on
    a GET (so there is a page to put it back on)."""
    rule = request.url_rule
    endpoint = request.endpoint or ""
    return rule is not None and "GET" in (rule.methods or set()) and endpoint.startswith(KEEP_FORMS_FOR)


def _user_of_session(token: str) -> int | None:
    """The user of the sign-in session this token names, ended or not; None if it names none or the account is
    disabled."""
    user_id: int | None = db.session.scalar(
        sa.select(LoginSession.user_id)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == hash_token(token), User.is_disabled.is_(False))
    )
    return user_id


def _make_room(s: DbSession, *, user_id: int, path: str, now: datetime) -> None:
    """Before keeping a form: forget expired ones, this person's earlier one for the same page, and their oldest
    beyond `MAX_KEPT_PER_USER`."""
    delete_expired_saved_forms(s, now=now)
    s.execute(sa.delete(SavedForm).where(SavedForm.user_id == user_id, SavedForm.path == path))
    older = (
        sa.select(SavedForm.id)
        .where(SavedForm.user_id == user_id)
        .order_by(SavedForm.created_at.desc(), SavedForm.id.desc())
        .offset(MAX_KEPT_PER_USER - 1)
    )
    s.execute(sa.delete(SavedForm).where(SavedForm.id.in_(list(s.scalars(older)))))


def delete_expired_saved_forms(s: DbSession, *, now: datetime) -> int:
    """Delete every form kept longer than `KEEP_FOR` (the caller commits); returns how many."""
    result = s.execute(sa.delete(SavedForm).where(SavedForm.created_at < now - KEEP_FOR))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def take_saved_form() -> MultiDict[str, str] | None:
    """What the signed-in person typed into this page in this browser before their sign-in ended, once; None if
    nothing was kept (or it cannot be read just now).

    Only reads: the browser's session now names the form as shown, and its next POST deletes the row.
    """
    token = request.cookies.get(_kept_cookie())
    if not token or not current_user.is_authenticated:
        return None
    shown: list[int] = list(session.get(SHOWN_KEY, []))
    try:
        with db.session.begin_nested():
            saved = db.session.scalar(
                sa.select(SavedForm)
                .where(
                    SavedForm.token_hash == hash_token(token),
                    SavedForm.user_id == current_user.id,
                    SavedForm.path == request.path,
                    SavedForm.created_at >= utcnow() - KEEP_FOR,
                    SavedForm.id.not_in(shown),
                )
                .order_by(SavedForm.created_at.desc(), SavedForm.id.desc())
                .limit(1)
            )
            data: list[Any] = list(saved.data) if saved is not None else []
    except SQLAlchemyError:
        current_app.logger.warning("Could not read a kept form; the page is shown without it", exc_info=True)
        return None
    if saved is None:
        return None
    session[SHOWN_KEY] = [*shown, saved.id]
    flash("We have put back what you typed before you were signed out. Check it, then save.", "info")
    return MultiDict([(str(key), str(value)) for key, value in data])


def forget_shown_form() -> None:
    """Before a POST: delete the kept forms this browser has been shown, and any kept too long by anyone.

    The deletion is part of the request's transaction, so it is committed with the POST's own work.
    """
    if request.method != "POST" or SHOWN_KEY not in session:
        return
    shown = [int(form_id) for form_id in session.pop(SHOWN_KEY) if isinstance(form_id, int)]
    if shown:
        db.session.execute(sa.delete(SavedForm).where(SavedForm.id.in_(shown)))
    delete_expired_saved_forms(db.session, now=utcnow())


F = TypeVar("F", bound=FlaskForm)


def load_form(form_class: type[F], data: dict[str, Any] | None = None) -> F:
    """A page's form: on a GET, what was typed before a sign-in ended if it was kept, else the saved `data`;
    on a POST, what was posted."""
    if request.method == "GET":
        kept = take_saved_form()
        if kept is not None:
            return form_class(formdata=kept)
        return form_class(data=data) if data is not None else form_class()
    return form_class()


def register_saved_forms(app: Flask) -> None:
    """Keep the drafts of people whose sign-in ended mid-typing, and delete each once it has been put back."""
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(forget_shown_form)
