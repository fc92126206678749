"""Forms on the home pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.validators import InputRequired

from grants.auth.forms import invitee_email_field
from grants.forms_fields import line_text


class InviteColleagueForm(FlaskForm):
    funder_id = HiddenField()
    email = invitee_email_field("Their email address")
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


class RetentionForm(FlaskForm):
    funder_id = HiddenField()
    days = line_text(
        "Days to keep the details of bids that were not funded",
        description="After the round is decided (or, for a bid that never reached the panel, after it closed).",
        limit=10,
        render_kw={"inputmode": "numeric", "class": "govuk-input--width-5"},
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
