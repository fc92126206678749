"""Forms on the tally page: ratify as it stands, depart for a bid, take a departure back, reopen the vote."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import ValidationError

from grants.decisions.services import (
    BID_REQUIRED,
    MAX_NOTE_LENGTH,
    MAX_REASON_LENGTH,
    MAX_REOPEN_REASON_LENGTH,
    NOTE_TOO_LONG,
    REASON_REQUIRED,
    REASON_TOO_LONG,
    REOPEN_REASON_REQUIRED,
    REOPEN_REASON_TOO_LONG,
)
from grants.forms_fields import OneUseForm, long_text


class RatifyForm(OneUseForm):
    note = long_text(
        "Note (optional)",
        limit=MAX_NOTE_LENGTH,
        too_long=NOTE_TOO_LONG,
        description="Anything the panel and auditors should know about this decision. They can read it.",
    )
    submit = SubmitField("Ratify as it stands", widget=GovSubmitInput())


class DepartureForm(OneUseForm):
    bid = SelectField(
        "Which funded bid are you departing from?",
        widget=GovSelect(),
        coerce=str,
        choices=[],
        validate_choice=False,  # the service checks the bid against the panel's funded set
    )
    reason = long_text(
        "Reason",
        limit=MAX_REASON_LENGTH,
        too_long=REASON_TOO_LONG,
        required=REASON_REQUIRED,
        description=(
            "Explain why you are departing from the panel's result, for example failed due diligence. The panel "
            "and auditors read exactly what you write here."
        ),
    )
    submit = SubmitField("Depart for this bid", widget=GovSubmitInput())

    def bid_id(self) -> int | None:
        try:
            return int(self.bid.data or "")
        except ValueError:
            return None

    def validate_bid(self, field: SelectField) -> None:
        if self.bid_id() is None:
            raise ValidationError(BID_REQUIRED)


class WithdrawDepartureForm(OneUseForm):
    submit = SubmitField("Take back this departure", widget=GovSubmitInput())


class ReopenForm(OneUseForm):
    reopen_reason = long_text(
        "Why are you reopening the vote?",
        limit=MAX_REOPEN_REASON_LENGTH,
        too_long=REOPEN_REASON_TOO_LONG,
        required=REOPEN_REASON_REQUIRED,
        description="This is logged. The ratified result is kept, marked as undone.",
    )
    submit = SubmitField("Reopen the vote", widget=GovSubmitInput())


class ProposalForm(FlaskForm):
    """Confirm or withdraw a colleague's proposed decision: a button (and its CSRF token)."""
