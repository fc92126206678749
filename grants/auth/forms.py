"""Forms for accounts: messages say what to do, in the words a person would use."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovPasswordInput, GovSubmitInput
from wtforms import BooleanField, EmailField, Field, PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired, StopValidation

from grants.auth.passwords import MIN_PASSWORD_LENGTH, password_problem
from grants.forms_fields import ContinueForm, email_field, line_text

EMAIL_REQUIRED = "Enter your email address"


def _good_new_password(form: FlaskForm, field: Field) -> None:
    """The rule for new passwords (grants.auth.passwords.password_problem), checked against the email address and
    name on the form, or those of the person signed in."""
    email, name = (form[key].data if key in form else "" for key in ("email", "name"))
    if current_user.is_authenticated and not email:
        email, name = current_user.email, current_user.name
    if (problem := password_problem(field.data or "", email=email or "", name=name or "")) is not None:
        raise StopValidation(problem)


def _new_password_field(label: str = "Create a password") -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        description=(
            f"Use at least {MIN_PASSWORD_LENGTH} characters. A few words strung together work well; a common"
            " password, your name or your email address will not be accepted."
        ),
        validators=[InputRequired(message="Enter a password"), _good_new_password],
    )


def _confirm_field(label: str = "Type the password again") -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Type your password again"),
            EqualTo("password", message="The passwords do not match. Type the same password twice"),
        ],
    )


def _email_field(label: str = "Email address") -> EmailField:
    return email_field(label, required=EMAIL_REQUIRED, render_kw={"autocomplete": "email", "spellcheck": "false"})


def invitee_email_field(label: str) -> EmailField:
    """The address an invitation is sent to (the site admin's and staff's invitation forms)."""
    return email_field(label, required="Enter the email address to send the invitation to")


class RegisterForm(FlaskForm):
    name = line_text(
        "Your name",
        what="Your name",
        required="Enter your name",
        limit=120,
        too_long="Name must be 120 characters or fewer",
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    password = _new_password_field()
    confirm = _confirm_field()
    submit = SubmitField("Create account", widget=GovSubmitInput())


class InvitationRegisterForm(FlaskForm):
    """Registration from an invitation: the email is the invited one, so it is not asked for."""

    name = RegisterForm.name
    password = _new_password_field()
    confirm = _confirm_field()
    submit = SubmitField("Create account and accept", widget=GovSubmitInput())


class SignInForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        render_kw={"autocomplete": "current-password"},
        validators=[InputRequired(message="Enter your password")],
    )
    remember = BooleanField("Keep me signed in on this device for 30 days", widget=GovCheckboxInput())
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgottenPasswordForm(FlaskForm):
    email = _email_field()
    submit = SubmitField("Send me a reset link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password = _new_password_field("New password")
    confirm = _confirm_field()
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        render_kw={"autocomplete": "current-password"},
        validators=[InputRequired(message="Enter your current password")],
    )
    password = _new_password_field("New password")
    confirm = _confirm_field()
    submit = SubmitField("Change password", widget=GovSubmitInput())


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        render_kw={"autocomplete": "current-password"},
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Ask for my account to be deleted", widget=GovSubmitInput())


ConfirmForm = ContinueForm  # accept an invitation, sign out
