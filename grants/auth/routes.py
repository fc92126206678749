"""Account pages: register, sign in and out, forgotten and changed passwords, invitations."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from grants.auth import bp, services
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
from grants.extensions import db
from grants.home.navigation import home_endpoint
from grants.web import attempt, put_error


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site may be a `next` URL: never another host, never a scheme-relative //host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _after_sign_in() -> Response:
    return redirect(safe_next_url(request.args.get("next")) or url_for(home_endpoint(current_person())))


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_person())))
    form = RegisterForm()
    if (
        form.validate_on_submit()
        and (
            registered := attempt(
                form,
                services.register_user,
                db.session,
                name=form.name.data or "",
                email=form.email.data or "",
                password=form.password.data or "",
            )
        )
        and registered.value
    ):
        start_session(registered.value, remember=False)
        flash("Your account is ready.", "success")
        return _after_sign_in()
    return render_template("auth/register.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return _after_sign_in()
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(db.session, email=form.email.data or "", password=form.password.data or "")
        except DomainError as exc:
            # Not `attempt`: the failed attempt's audit event must be kept, and this page (a 200) commits it.
            put_error(form, exc)
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
            services.reset_password(db.session, token=token, new_password=form.password.data or "")
        except services.LinkInvalid as exc:
            # The 400 rolls the request back.
            return render_template("auth/link_invalid.html", message=exc.message, kind="reset"), 400  # type: ignore[return-value]
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
    if form.validate_on_submit() and attempt(
        form,
        services.change_password,
        db.session,
        user=user,
        current_password=form.current_password.data or "",
        new_password=form.password.data or "",
    ):
        # Every session, this one included, has ended; this browser starts a new one.
        start_session(user, remember=False)
        flash("Your password has been changed. You have been signed out everywhere else.", "success")
        return redirect(url_for(home_endpoint(user)))
    return render_template("auth/change_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> str | Response:
    try:
        invitation = services.find_invitation(db.session, token)
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
                services.accept_invitation(db.session, token=token, user=user)
            except DomainError as exc:
                # The 400 rolls back the account made a moment ago with the refused acceptance.
                return render_template("auth/link_invalid.html", message=exc.message, kind="invitation"), 400  # type: ignore[return-value]
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
            services.accept_invitation(db.session, token=token, user=user)
        except DomainError as exc:
            return render_template("auth/link_invalid.html", message=exc.message, kind="invitation"), 400  # type: ignore[return-value]
        flash("Invitation accepted.", "success")
        return redirect(url_for(home_endpoint(user)))
    return render_template("auth/invitation.html", invitation=invitation, form=form, has_account=True)
