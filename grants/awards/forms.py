"""Forms for offers, the group's answer, payments and feedback. They read what was typed; the rules are in
services.py, whose messages land next to the field they name."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from grants.awards import services
from grants.forms_fields import DatePartsField, Needed, PoundsField

AMOUNT_FORMAT = "Enter the amount in pounds, like 1250 or 1250.50"


class OfferForm(FlaskForm):
    amount = PoundsField(
        "Amount offered",
        validators=[Needed(services.AMOUNT_REQUIRED)],
        invalid=AMOUNT_FORMAT,
        description="At most the amount the group asked for",
    )
    reduced_reason = TextAreaField(
        "Why are you offering less than the group asked for?",
        widget=GovCharacterCount(),
        description="Only needed if you offer less. The group reads this.",
        validators=[Length(max=services.MAX_TEXT, message=f"Keep this to {services.MAX_TEXT:,} characters or fewer")],
    )
    conditions = TextAreaField(
        "Conditions of the grant (optional)",
        widget=GovTextArea(),
        description="Anything the group must do or agree to, in plain words",
        validators=[
            Length(max=services.MAX_CONDITIONS, message=f"Keep this to {services.MAX_CONDITIONS:,} characters or fewer")
        ],
    )
    report_date_1 = DatePartsField("First report date", what="The first report date")
    report_date_2 = DatePartsField("Second report date (optional)", what="The second report date")
    report_date_3 = DatePartsField("Third report date (optional)", what="The third report date")
    report_date_4 = DatePartsField("Fourth report date (optional)", what="The fourth report date")
    withhold_name = BooleanField(
        "Leave the group's name out of public pages and open data",
        widget=GovCheckboxInput(),
        description="For example, for a group that supports people at risk",
    )
    submit = SubmitField("Make the offer and tell the group", widget=GovSubmitInput())

    def report_dates(self) -> list[date]:
        fields = (self.report_date_1, self.report_date_2, self.report_date_3, self.report_date_4)
        return [f.data for f in fields if f.data is not None]


class AcceptForm(FlaskForm):
    name = StringField(
        "Your full name",
        widget=GovTextInput(),
        validators=[Length(max=services.MAX_NAME, message="Keep your name to 120 characters or fewer")],
    )
    confirm = BooleanField("We accept the conditions", widget=GovCheckboxInput())
    submit = SubmitField("Accept the offer", widget=GovSubmitInput())


def _reason(label: str, description: str) -> TextAreaField:
    """A reason someone else reads: plain text, at most MAX_TEXT characters."""
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=description,
        validators=[
            Length(max=services.MAX_TEXT, message=f"Keep the reason to {services.MAX_TEXT:,} characters or fewer")
        ],
    )


class DeclineForm(FlaskForm):
    reason = _reason("Why are you declining? (optional)", "This helps the funder. You do not have to say.")
    submit = SubmitField("Decline the offer", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = _reason("Why are you withdrawing this offer?", "The group reads this")
    submit = SubmitField("Withdraw the offer", widget=GovSubmitInput())


class PaymentForm(FlaskForm):
    amount = PoundsField("Amount paid", validators=[Needed(services.PAYMENT_AMOUNT_REQUIRED)], invalid=AMOUNT_FORMAT)
    paid_on = DatePartsField("Date paid", what="The date paid", description="For example, 27 3 2026")
    reference = StringField(
        "Payment reference (optional)",
        widget=GovTextInput(),
        validators=[Length(max=services.MAX_REFERENCE, message="Keep the reference to 120 characters or fewer")],
    )
    submit = SubmitField("Record payment", widget=GovSubmitInput())


class CloseForm(FlaskForm):
    submit = SubmitField("Close the award", widget=GovSubmitInput())


class FeedbackForm(FlaskForm):
    text = TextAreaField(
        "Feedback the group will read",
        widget=GovCharacterCount(),
        description="Drafted from the panel's comments. Edit it before you send it: it must not say who wrote what.",
        validators=[
            Length(
                max=services.MAX_FEEDBACK, message=f"Keep the feedback to {services.MAX_FEEDBACK:,} characters or fewer"
            )
        ],
    )
    submit = SubmitField("Send feedback", widget=GovSubmitInput())
