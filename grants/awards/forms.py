"""Forms for offers, the group's answer, payments and feedback. They read what was typed; the rules are in
services.py, whose messages land next to the field they name."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, SubmitField

from grants.awards import services
from grants.forms_fields import (
    DatePartsField,
    Needed,
    PoundsField,
    full_name_field,
    line_text,
    long_text,
    reason_field,
)

AMOUNT_FORMAT = "Enter the amount in pounds, like 1250 or 1250.50"


class OfferForm(FlaskForm):
    amount = PoundsField(
        "Amount offered",
        validators=[Needed(services.AMOUNT_REQUIRED)],
        invalid=AMOUNT_FORMAT,
        description="At most the amount the group asked for",
    )
    reduced_reason = long_text(
        "Why are you offering less than the group asked for?",
        limit=services.MAX_TEXT,
        too_long=f"Keep this to {services.MAX_TEXT:,} characters or fewer",
        description="Only needed if you offer less. The group reads this.",
    )
    conditions = long_text(
        "Conditions of the grant (optional)",
        limit=services.MAX_CONDITIONS,
        too_long=f"Keep this to {services.MAX_CONDITIONS:,} characters or fewer",
        description="Anything the group must do or agree to, in plain words",
        counted=False,
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
    name = full_name_field(limit=services.MAX_NAME)
    confirm = BooleanField("We accept the conditions", widget=GovCheckboxInput())
    submit = SubmitField("Accept the offer", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = reason_field(
        "Why are you declining? (optional)", "This helps the funder. You do not have to say.", limit=services.MAX_TEXT
    )
    submit = SubmitField("Decline the offer", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = reason_field("Why are you withdrawing this offer?", "The group reads this", limit=services.MAX_TEXT)
    submit = SubmitField("Withdraw the offer", widget=GovSubmitInput())


class PaymentForm(FlaskForm):
    amount = PoundsField("Amount paid", validators=[Needed(services.PAYMENT_AMOUNT_REQUIRED)], invalid=AMOUNT_FORMAT)
    paid_on = DatePartsField("Date paid", what="The date paid", description="For example, 27 3 2026")
    reference = line_text(
        "Payment reference (optional)",
        what="The reference",
        limit=services.MAX_REFERENCE,
        too_long="Keep the reference to 120 characters or fewer",
    )
    submit = SubmitField("Record payment", widget=GovSubmitInput())


class CloseForm(FlaskForm):
    submit = SubmitField("Close the award", widget=GovSubmitInput())


class FeedbackForm(FlaskForm):
    text = long_text(
        "Feedback the group will read",
        limit=services.MAX_FEEDBACK,
        too_long=f"Keep the feedback to {services.MAX_FEEDBACK:,} characters or fewer",
        description="Drafted from the panel's comments. Edit it before you send it: it must not say who wrote what.",
    )
    submit = SubmitField("Send feedback", widget=GovSubmitInput())
