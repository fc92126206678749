"""Site admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class FunderForm(FlaskForm):
    name = StringField(
        "Funder's name",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the funder's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Create funder", widget=GovSubmitInput())


class InviteStaffForm(FlaskForm):
    funder_id = SelectField("Funder", widget=GovSelect(), coerce=int, validate_choice=True)
    email = EmailField(
        "Staff member's email address",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the email address to send the invitation to"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())
