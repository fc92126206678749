"""Forms on the home pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, HiddenField, RadioField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length


class InviteColleagueForm(FlaskForm):
    funder_id = HiddenField()
    email = EmailField(
        "Their email address",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the email address to send the invitation to"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    role = RadioField(
        "What will they do?",
        widget=GovRadioInput(),
        choices=[
            ("staff", "Run rounds (funder staff)"),
            ("auditor", "Check decisions, read-only (auditor)"),
        ],
        validators=[InputRequired(message="Choose what they will do")],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())
