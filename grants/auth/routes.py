"""Account pages: register, sign in and out, forgotten and changed passwords, invitations."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth import bp, invitations, services, throttle
from grants.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgottenPasswordForm,
    InvitationRegisterForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
)
from grants.auth.pending_sign_in import second_step
from grants.auth.permissions import current_person
from grants.auth.sessions import end_current_session, start_session
from grants.domain import DomainError
from grants.extensions import db, limiter
from grants.home.navigation import home_endpoint
from grants.models import utcnow
from grants.web import attempt, put_error


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site may be a `next` URL: never another host, never a scheme-relative //host, and
    nothing a Location header cannot carry (a line break or any other control character)."""
    if not target or not target.isprintable():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _too_many(page: str, exc: throttle.Throttled) -> Response:
    """A page answering a throttled attempt: 429, with when to try again."""
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _refused(form: FlaskForm, exc: DomainError, template: str) -> Response | None:
    """Put a refused password check on its field; a throttled one answers 429 at once (None: show the form)."""
    put_error(form, exc)
    if isinstance(exc, throttle.Throttled):
        return _too_many(render_template(template, form=form), exc)
    return None


def _after_sign_in() -> Response:
    return redirect(safe_next_url(request.args.get("next")) or url_for(home_endpoint(current_person())))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(throttle.REGISTRATIONS, methods=["POST"])
@limiter.limit(throttle.EMAILS_TO_ONE_ADDRESS, **throttle.PER_TYPED_EMAIL)
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_person())))
    form = RegisterForm()
    if form.validate_on_submit() and attempt(
        form,
        services.request_registration,
        db.session,
        name=form.name.data or "",
        email=form.email.data or "",
        password=form.password.data or "",
        next_path=safe_next_url(request.args.get("next")),
        now=utcnow(),
    ):
        return render_template("auth/registration_sent.html", email=form.email.data)
    return render_template("auth/register.html", form=form)


@bp.route("/register/<token>", methods=["GET", "POST"])
def confirm_registration(token: str) -> str | Response:
    """The link emailed to finish a registration: a button makes the account (a GET never writes, and a mail
    scanner that opens links makes nothing)."""
    try:
        pending = services.find_pending_registration(db.session, token, now=utcnow())
    except services.LinkInvalid as exc:
        return render_template("auth/link_invalid.html", message=exc.message, kind="registration"), 400  # type: ignore[return-value]
    form = ConfirmForm()
    if not current_user.is_authenticated and form.validate_on_submit():
        try:
            user = services.complete_registration(db.session, token=token, now=utcnow())
        except services.LinkInvalid as exc:
            return render_template("auth/link_invalid.html", message=exc.message, kind="registration"), 400  # type: ignore[return-value]
        start_session(user, remember=False)
        flash("Your account is ready.", "success")
        return _after_sign_in()
    return render_template("auth/confirm_registration.html", form=form, email=pending.email)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(throttle.SIGN_IN_POSTS, methods=["POST"])
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return _after_sign_in()
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                source_ip=get_remote_address(),
            )
        except DomainError as exc:
            # Not `attempt`: the failed attempt's log entry must be kept, and this page (a 200) commits it.
            if (held_back := _refused(form, exc, "auth/sign_in.html")) is not None:
                return held_back
        else:
            remember = bool(form.remember.data)
            if (second := second_step(user, remember=remember)) is not None:
                return second  # a code from the app, or setting the app up, before the session starts
            start_session(user, remember=remember)
            return _after_sign_in()
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        services.record_sign_out(db.session, current_person())
        end_current_session(current_person())
        flash("You have signed out.", "success")
    return redirect(url_for("public.index"))


@bp.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit(throttle.RESET_REQUESTS, methods=["POST"])
@limiter.limit(throttle.EMAILS_TO_ONE_ADDRESS, **throttle.PER_TYPED_EMAIL)
def forgotten_password() -> str | Response:
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(db.session, email=form.email.data or "")
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgotten_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    try:
        services.find_password_reset(db.session, token)
    except services.LinkInvalid as exc:
        return render_template("auth/link_invalid.html", message=exc.message, kind="reset"), 400  # type: ignore[return-value]
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(
                db.session, token=token, new_password=form.password.data or "", source_ip=get_remote_address()
            )
        except services.LinkInvalid as exc:
            # The 400 rolls the request back.
            return render_template("auth/link_invalid.html", message=exc.message, kind="reset"), 400  # type: ignore[return-value]
        except DomainError as exc:  # the new password is too like the account's email address or name
            db.session.rollback()
            put_error(form, exc)
            return render_template("auth/reset_password.html", form=form)
        if current_user.is_authenticated:
            end_current_session(current_person())
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    user = current_person()
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session,
                user=user,
                current_password=form.current_password.data or "",
                new_password=form.password.data or "",
                source_ip=get_remote_address(),
            )
        except DomainError as exc:
            # Not `attempt`: the log entry for a wrong current password must be kept; this page (a 200) commits it.
            if (held_back := _refused(form, exc, "auth/change_password.html")) is not None:
                return held_back
        else:
            # Every session, this one included, has ended; this browser starts a new one.
            start_session(user, remember=False)
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for(home_endpoint(user)))
    return render_template("auth/change_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> str | Response:
    try:
        invitation = invitations.find_invitation(db.session, token)
    except services.LinkInvalid as exc:
        return render_template("auth/link_invalid.html", message=exc.message, kind="invitation"), 400  # type: ignore[return-value]

    if not current_user.is_authenticated:
        existing = services.find_user_by_email(db.session, invitation.email)
        form = InvitationRegisterForm()
        if existing is None and form.validate_on_submit():
            try:
                user = services.register_user(
                    db.session, name=form.name.data or "", email=invitation.email, password=form.password.data or ""
                )
                invitations.accept_invitation(db.session, token=token, user=user)
            except DomainError as exc:
                if exc.field != "password":
                    # The 400 rolls back the account made a moment ago with the refused acceptance.
                    return render_template("auth/link_invalid.html", message=exc.message, kind="invitation"), 400  # type: ignore[return-value]
                db.session.rollback()  # a password too like the invited address: say so by the field
                put_error(form, exc)
                return render_template("auth/invitation.html", invitation=invitation, form=form, has_account=False)
            flash("Welcome. Your account is ready and your invitation is accepted.", "success")
            if (second := second_step(user, remember=False)) is not None:
                return second  # staff and auditors set up two-step sign-in before they are signed in
            start_session(user, remember=False)
            return redirect(url_for(home_endpoint(user)))
        return render_template(
            "auth/invitation.html", invitation=invitation, form=form, has_account=existing is not None
        )

    form = ConfirmForm()
    if form.validate_on_submit():
        user = current_person()
        try:
            invitations.accept_invitation(db.session, token=token, user=user)
        except DomainError as exc:
            return render_template("auth/link_invalid.html", message=exc.message, kind="invitation"), 400  # type: ignore[return-value]
        flash("Invitation accepted.", "success")
        return redirect(url_for(home_endpoint(user)))
    return render_template("auth/invitation.html", invitation=invitation, form=form, has_account=True)
