"""Forms for two-step sign-in: a code from the app, a recovery code, setting it up, renewing codes, turning it off."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from grants.forms_fields import OneLine

ENTER_CODE = "Enter the 6-digit code from your authenticator app"


def _code_field(label: str = "Code from your authenticator app") -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        description="Your app shows a new 6-digit code every 30 seconds.",
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
        validators=[OneLine("The code"), InputRequired(message=ENTER_CODE), Length(max=20, message=ENTER_CODE)],
    )


def _password_field() -> PasswordField:
    return PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        render_kw={"autocomplete": "current-password"},
        validators=[InputRequired(message="Enter your password")],
    )


class CodeForm(FlaskForm):
    code = _code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        description=(
            "One of the recovery codes you saved when you set up two-step sign-in, like abcd-efgh-jkmn-pqrs-tuvw-xyz2."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
        validators=[
            OneLine("The recovery code"),
            InputRequired(message="Enter one of your recovery codes"),
            Length(max=60, message="A recovery code is 24 letters and numbers, like abcd-efgh-jkmn-pqrs-tuvw-xyz2"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetupForm(FlaskForm):
    """Setting up the app while signing in (the password was checked a moment ago)."""

    code = _code_field("Enter the code your app shows")
    submit = SubmitField("Continue", widget=GovSubmitInput())


class AccountSetupForm(FlaskForm):
    """Setting up the app (or a new device) from the account page: the password first, to show it is you."""

    password = _password_field()
    code = _code_field("Enter the code your app shows")
    submit = SubmitField("Turn on two-step sign-in", widget=GovSubmitInput())


class RenewCodesForm(FlaskForm):
    code = _code_field()
    submit = SubmitField("Make new recovery codes", widget=GovSubmitInput())


class TurnOffForm(FlaskForm):
    password = _password_field()
    code = _code_field()
    submit = SubmitField("Turn off two-step sign-in", widget=GovSubmitInput())
