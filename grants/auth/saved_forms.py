"""Nothing typed is lost when a sign-in has ended: a form posted by a signed-out browser is kept until it
signs in again, then put back into the same page for the person to check and save.

Only draft-editing pages opt in (their blueprint is listed in KEEP_FORMS_FOR); the data is kept server-side
for a day, reachable only with the random token in that browser's session cookie. Putting it back is a read
(a GET never writes): the page shows it once, and the row is deleted by that browser's next POST.

Part of the web layer: the app factory registers it (`register_saved_forms`), and only route modules use it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, flash, redirect, request, session, url_for
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from grants.auth.tokens import hash_token, new_token
from grants.extensions import db, login_manager
from grants.models import SavedForm, utcnow

KEEP_FORMS_FOR = ("bids.", "panel.", "reports.")
KEEP_FOR = timedelta(days=1)
SESSION_KEY = "saved_form_token"  # a kept form waiting to be put back
SHOWN_KEY = "saved_form_shown"  # a kept form put back on a page, to delete at this browser's next POST
NOT_KEPT = {"csrf_token"}


def unauthorized() -> Response:
    """Flask-Login's handler for a signed-out visitor: keep a posted draft, then go to sign in and come back.

    The kept form is written in the request's transaction, which the commit path commits with the redirect.
    """
    if request.method == "POST" and (request.endpoint or "").startswith(KEEP_FORMS_FOR) and not request.files:
        token, token_hash = new_token()
        data = [[key, value] for key, value in request.form.items(multi=True) if key not in NOT_KEPT]
        _delete_expired()
        db.session.add(SavedForm(token_hash=token_hash, path=request.path, data=data))
        session[SESSION_KEY] = token
        flash("You were signed out. Sign in again and we will put back what you typed.", "info")
    else:
        flash("Sign in to see that page.", "info")
    here = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    return redirect(url_for("auth.sign_in", next=here))


def take_saved_form() -> MultiDict[str, str] | None:
    """What this browser typed into this page before signing in again, once; None if nothing was kept.

    Only reads: the browser's cookie now names the form as shown, and its next POST deletes the row.
    """
    token = session.get(SESSION_KEY)
    if not token:
        return None
    saved = db.session.scalar(
        sa.select(SavedForm).where(
            SavedForm.token_hash == hash_token(token),
            SavedForm.path == request.path,
            SavedForm.created_at >= utcnow() - KEEP_FOR,
        )
    )
    if saved is None:
        return None
    session.pop(SESSION_KEY, None)
    session[SHOWN_KEY] = token
    flash("We have put back what you typed before you were signed out. Check it, then save.", "info")
    return MultiDict([(key, value) for key, value in saved.data])


def forget_shown_form() -> None:
    """Before a POST: delete the kept form this browser has been shown, and any kept too long by anyone.

    The deletion is part of the request's transaction, so it is committed with the POST's own work.
    """
    if request.method != "POST" or SHOWN_KEY not in session:
        return
    token = session.pop(SHOWN_KEY)
    db.session.execute(sa.delete(SavedForm).where(SavedForm.token_hash == hash_token(token)))
    _delete_expired()


def _delete_expired() -> None:
    db.session.execute(sa.delete(SavedForm).where(SavedForm.created_at < utcnow() - KEEP_FOR))


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
    """Keep the drafts of signed-out visitors, and delete each once it has been put back."""
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(forget_shown_form)
