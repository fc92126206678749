"""Site admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from grants.auth.forms import invitee_email_field
from grants.forms_fields import OneLine


class FunderForm(FlaskForm):
    name = StringField(
        "Funder's name",
        widget=GovTextInput(),
        validators=[
            OneLine("The funder's name"),
            DataRequired(message="Enter the funder's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Create funder", widget=GovSubmitInput())


class InviteStaffForm(FlaskForm):
    funder_id = SelectField("Funder", widget=GovSelect(), coerce=int, validate_choice=True)
    email = invitee_email_field("Staff member's email address")
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class TwoPersonForm(FlaskForm):
    """Turn a funder's two-person rule on ("1") or off ("0")."""

    on = HiddenField()
