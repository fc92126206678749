"""Two-step sign-in pages: the code step of signing in, setting up the app, recovery codes.

The sign-in's second step works on the pending marker (grants/auth/pending_sign_in.py), never on a signed-in
session; only `_finish` starts one. The rules are in grants/auth/two_factor.py. A wrong code is logged in the
security log, so those views catch DomainError themselves rather than `attempt` (which would roll the log back)
and the page they render (a 200) commits it.
"""

from __future__ import annotations

import contextlib

import segno
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from grants.auth import bp, two_factor
from grants.auth.pending_sign_in import CODE, CODES_SHOWN, PENDING_KEY, SETUP, Pending, clear_pending, mark_pending
from grants.auth.pending_sign_in import pending as pending_sign_in
from grants.auth.permissions import current_person
from grants.auth.routes import safe_next_url
from grants.auth.sealing import SealError, open_sealed, seal
from grants.auth.sessions import start_session
from grants.auth.two_factor_forms import (
    AccountSetupForm,
    CodeForm,
    RecoveryCodeForm,
    RenewCodesForm,
    SetupForm,
    TurnOffForm,
)
from grants.domain import DomainError
from grants.extensions import db
from grants.forms_fields import ContinueForm
from grants.home.navigation import home_endpoint
from grants.models import User, utcnow
from grants.web import put_error

SETUP_KEY = "two_factor_setup"  # the key being set up, until a code confirms it (then it is sealed and stored)
# What a person who must use two-step sign-in, and has not set it up, may still open while signed in.
OPEN_BEFORE_SETUP = frozenset({"static", "auth.two_factor_set_up", "auth.sign_out"})


@bp.before_app_request
def _second_factor_before_anything_else() -> Response | None:
    """Someone signed in who must use two-step sign-in but has not set it up (their role came after they signed
    in) sees only the set-up page until they have."""
    if request.endpoint in OPEN_BEFORE_SETUP or not current_user.is_authenticated:
        return None
    user = current_person()
    if two_factor.must_use_two_factor(user) and two_factor.two_factor_for(db.session, user) is None:
        flash("Your role needs two-step sign-in. Set it up to carry on.", "info")
        return redirect(url_for("auth.two_factor_set_up"))
    return None


# --- the second step of signing in --------------------------------------------------------------------------


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code() -> str | Response:
    if current_user.is_authenticated:
        return _home()
    if (waiting := pending_sign_in(CODE)) is None:
        return _sign_in_again()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            two_factor.verify_code(db.session, user=waiting.user, code=form.code.data or "", now=utcnow())
        except DomainError as exc:
            put_error(form, exc)
        else:
            return _finish(waiting)
    return render_template("auth/sign_in_code.html", form=form)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
def sign_in_recovery_code() -> str | Response:
    if current_user.is_authenticated:
        return _home()
    if (waiting := pending_sign_in(CODE)) is None:
        return _sign_in_again()
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        try:
            left = two_factor.use_recovery_code(db.session, user=waiting.user, code=form.code.data or "", now=utcnow())
        except DomainError as exc:
            put_error(form, exc)
        else:
            flash(
                f"You signed in with a recovery code. You have {left} left. If you have lost your phone, set up "
                "two-step sign-in on a new one now.",
                "info",
            )
            return _finish(waiting, default="auth.account")
    return render_template("auth/sign_in_recovery_code.html", form=form)


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
def sign_in_set_up() -> str | Response:
    """Staff, auditors and site admins set up the app after their password, before they are signed in."""
    if current_user.is_authenticated:
        return _home()
    if (waiting := pending_sign_in(SETUP)) is None:
        return _sign_in_again()
    key = _setup_key(waiting.user)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_setup(
                db.session, user=waiting.user, secret=key.secret, code=form.code.data or "", now=utcnow()
            )
        except DomainError as exc:
            put_error(form, exc)
        else:
            session.pop(SETUP_KEY, None)
            mark_pending(waiting.user, remember=waiting.remember, stage=CODES_SHOWN)
            return _recovery_codes_page(waiting.user, codes, finish_form=ContinueForm())
    return render_template("auth/two_factor_set_up.html", form=form, key=key, qr=_qr_code(key), signing_in=True)


@bp.post("/sign-in/finish")
def sign_in_finish() -> Response:
    """After the new recovery codes have been shown: now the person is signed in."""
    if current_user.is_authenticated:
        return _home()
    if (waiting := pending_sign_in(CODES_SHOWN)) is None:
        return _sign_in_again()
    if not ContinueForm().validate_on_submit():
        return redirect(url_for("auth.sign_in"))
    flash("Two-step sign-in is on. You will need your app each time you sign in.", "success")
    return _finish(waiting)


@bp.route("/account/two-step/set-up", methods=["GET", "POST"])
@login_required
def two_factor_set_up() -> str | Response:
    """Turn two-step sign-in on, or move it to a new device (the old one and its recovery codes stop working)."""
    user = current_person()
    replacing = two_factor.two_factor_for(db.session, user) is not None
    key = _setup_key(user)
    form = AccountSetupForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            two_factor.check_password_for_change(db.session, user=user, password=form.password.data or "", now=now)
            codes = two_factor.confirm_setup(
                db.session, user=user, secret=key.secret, code=form.code.data or "", now=now, replace=True
            )
        except DomainError as exc:
            put_error(form, exc)
        else:
            session.pop(SETUP_KEY, None)
            start_session(user, remember=False)  # every session of the account has ended, this one too
            return _recovery_codes_page(user, codes)
    return render_template(
        "auth/two_factor_set_up.html", form=form, key=key, qr=_qr_code(key), signing_in=False, replacing=replacing
    )


@bp.route("/account/two-step/recovery-codes", methods=["GET", "POST"])
@login_required
def two_factor_recovery_codes() -> str | Response:
    user = current_person()
    if two_factor.two_factor_for(db.session, user) is None:
        return _to_account("Turn on two-step sign-in first.")
    form = RenewCodesForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.renew_recovery_codes(db.session, user=user, code=form.code.data or "", now=utcnow())
        except DomainError as exc:
            put_error(form, exc)
        else:
            start_session(user, remember=False)  # every session of the account has ended, this one too
            return _recovery_codes_page(user, codes)
    return render_template("auth/two_factor_renew.html", form=form)


@bp.route("/account/two-step/turn-off", methods=["GET", "POST"])
@login_required
def two_factor_turn_off() -> str | Response:
    user = current_person()
    if two_factor.two_factor_for(db.session, user) is None:
        return _to_account("Two-step sign-in is already off.")
    form = TurnOffForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(
                db.session, user=user, password=form.password.data or "", code=form.code.data or "", now=utcnow()
            )
        except DomainError as exc:
            put_error(form, exc)
        else:
            start_session(user, remember=False)  # every session of the account has ended, this one too
            return _to_account("Two-step sign-in is off. You will sign in with your password only.", "success")
    return render_template("auth/two_factor_turn_off.html", form=form, required=two_factor.must_use_two_factor(user))


# --- the parts ----------------------------------------------------------------------------------------------


def _finish(waiting: Pending, *, default: str | None = None) -> Response:
    clear_pending()
    start_session(waiting.user, remember=waiting.remember)
    return redirect(safe_next_url(request.args.get("next")) or url_for(default or home_endpoint(waiting.user)))


def _home() -> Response:
    return redirect(url_for(home_endpoint(current_person())))


def _sign_in_again() -> Response:
    if PENDING_KEY in session:
        clear_pending()
        flash("Signing in took too long, so it was stopped. Sign in again.", "info")
    return redirect(url_for("auth.sign_in", next=request.args.get("next")))


def _to_account(message: str, category: str = "info") -> Response:
    flash(message, category)
    return redirect(url_for("auth.account"))


def _setup_key(user: User) -> two_factor.SetupKey:
    """The key this browser is setting up for `user`: the same one on every reload, until a code confirms it."""
    kept = session.get(SETUP_KEY)
    sealed = kept.get("sealed") if isinstance(kept, dict) and kept.get("user_id") == user.id else None
    secret = None
    if isinstance(sealed, str):
        with contextlib.suppress(SealError):  # sealed under an older key: start again with a new one
            secret = open_sealed(sealed)
    key = two_factor.begin_setup(user=user, secret=secret)
    # Sealed: the session cookie is signed, not encrypted, and a key read from it could make this person's codes.
    session[SETUP_KEY] = {"user_id": user.id, "sealed": seal(key.secret)}
    return key


def _qr_code(key: two_factor.SetupKey) -> Markup:
    """The key as a QR code drawn in SVG, to put in the page as it is (no image request, no script)."""
    qr = segno.make_qr(key.uri, error="m")
    svg = qr.svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title="QR code for your authenticator app", svgclass="app-qr"
    )
    return Markup(svg)  # noqa: S704 - segno's own SVG, with its title escaped


def _recovery_codes_page(user: User, codes: list[str], *, finish_form: ContinueForm | None = None) -> str:
    return render_template("auth/recovery_codes.html", codes=codes, email=user.email, finish_form=finish_form)
