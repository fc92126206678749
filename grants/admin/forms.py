"""Site admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import HiddenField, SelectField, SubmitField

from grants.auth.deletion import MAX_REFUSAL
from grants.auth.forms import invitee_email_field
from grants.forms_fields import line_text, reason_field


class FunderForm(FlaskForm):
    name = line_text(
        "Funder's name",
        what="The funder's name",
        required="Enter the funder's name",
        limit=200,
        too_long="Name must be 200 characters or fewer",
    )
    submit = SubmitField("Create funder", widget=GovSubmitInput())


class InviteStaffForm(FlaskForm):
    funder_id = SelectField("Funder", widget=GovSelect(), coerce=int, validate_choice=True)
    email = invitee_email_field("Staff member's email address")
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class TwoPersonForm(FlaskForm):
    """Turn a funder's two-person rule on ("1") or off ("0")."""

    on = HiddenField()


class RefuseDeletionForm(FlaskForm):
    reason = reason_field(
        "Why can the account not be deleted yet?",
        "The person is emailed this. Say what they can do, for example: their group's award is still open.",
        limit=MAX_REFUSAL,
    )
    submit = SubmitField("Refuse and tell them why", widget=GovSubmitInput())
