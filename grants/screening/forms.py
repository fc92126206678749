"""Forms for screening: the list's filters (a GET form) and the decision on one bid."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import Field, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import ValidationError

from grants.forms_fields import GetForm, OneLine, line_text, long_text
from grants.models import BidStatus, ConflictKind
from grants.money import parse_pounds
from grants.panel.services import CONFLICT_NOTE_TOO_LONG, MAX_DECLARATION_NOTE
from grants.screening.queries import LISTED_STATUSES, BidFilters
from grants.screening.services import MAX_REASON_LENGTH, REASON_REQUIRED, REASON_TOO_LONG


def _amount(message: str) -> Any:
    def check(form: Any, field: Field) -> None:
        if field.data and field.data.strip() and parse_pounds(field.data) is None:
            raise ValidationError(message)

    return check


class BidFilterForm(GetForm):
    """Filters for the screening list. Sent by GET, so it works without JavaScript."""

    q = line_text(
        "Search by group name or reference",
        what="The search",
        limit=200,
        too_long="Search must be 200 characters or fewer",
    )
    status = SelectField(
        "Status",
        widget=GovSelect(),
        choices=[("", "Any status"), *[(s.value, s.label) for s in LISTED_STATUSES]],
        default="",
        invalid_choice_message="Choose a status from the list",
    )
    min_amount = StringField(
        "Asking for at least",
        widget=GovTextInput(),
        validators=[OneLine("The amount"), _amount("Enter the smallest amount in pounds, like 500")],
    )
    max_amount = StringField(
        "Asking for at most",
        widget=GovTextInput(),
        validators=[OneLine("The amount"), _amount("Enter the largest amount in pounds, like 2000")],
    )
    area = line_text("Area or postcode", what="The area", limit=120, too_long="Area must be 120 characters or fewer")
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def validate_max_amount(self, field: Field) -> None:
        low, high = parse_pounds(self.min_amount.data or ""), parse_pounds(field.data or "")
        if low is not None and high is not None and high < low:
            raise ValidationError("The largest amount must be the same as or more than the smallest amount")

    def filters(self) -> BidFilters:
        """The filters that are valid; a field with an error is left out rather than guessed at."""

        def ok(field: Field) -> bool:
            return not field.errors

        status = self.status.data if ok(self.status) else ""
        return BidFilters(
            status=BidStatus(status) if status else None,
            min_pence=parse_pounds(self.min_amount.data or "") if ok(self.min_amount) else None,
            max_pence=parse_pounds(self.max_amount.data or "") if ok(self.max_amount) else None,
            area=(self.area.data or "").strip() if ok(self.area) else "",
            search=(self.q.data or "").strip() if ok(self.q) else "",
        )


class ScreeningForm(FlaskForm):
    decision = RadioField(
        "Is this bid eligible?",
        widget=GovRadioInput(),
        choices=[("eligible", "Eligible"), ("ineligible", "Not eligible")],
        # Also the message when nothing is chosen: a radio with no choice is "not a valid choice" to WTForms.
        invalid_choice_message="Choose whether the bid is eligible or not",
    )
    reason = long_text(
        "Reason the group will read",
        limit=MAX_REASON_LENGTH,
        too_long=REASON_TOO_LONG,
        description=(
            "Needed if the bid is not eligible: say which rule it does not meet, in plain words. If it is"
            " eligible, you can leave this empty. The group sees exactly what you write here."
        ),
    )
    submit = SubmitField("Save decision and tell the group", widget=GovSubmitInput())

    def validate_reason(self, field: Field) -> None:
        if self.decision.data == "ineligible" and not (field.data or "").strip():
            raise ValidationError(REASON_REQUIRED)


_NOTE = "Say in a few words what the conflict is"
_NOTE_HINT = "Your colleagues and auditors read this. From now on, another member of staff acts on this bid."


class StaffConflictForm(FlaskForm):
    """A member of staff declares their own conflict of interest with a bid."""

    kind = RadioField(
        "What kind of conflict is it?",
        widget=GovRadioInput(),
        choices=[(k.value, k.label) for k in ConflictKind if k != ConflictKind.NONE],
        invalid_choice_message="Choose what kind of conflict you have with this bid",
    )
    note = long_text(_NOTE, limit=MAX_DECLARATION_NOTE, too_long=CONFLICT_NOTE_TOO_LONG, description=_NOTE_HINT)
    submit = SubmitField("Declare the conflict", widget=GovSubmitInput())

    def conflict_kind(self) -> ConflictKind:
        return ConflictKind(self.kind.data)
