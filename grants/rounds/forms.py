"""Forms for setting up and running rounds.

The fields here only read what was typed (pounds, dates, times, whole numbers), keeping it exactly as typed so a
page with errors shows it again; the rules about rounds are in services.py.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, StopValidation

from grants.models import Criterion, Question, Round, VotingMethod
from grants.money import parse_pounds
from grants.rounds import services
from grants.timefmt import LONDON

QUESTION_ROWS = services.MAX_QUESTIONS
CRITERION_ROWS = services.MAX_CRITERIA


# --- reading what people type -----------------------------------------------------------------------------------

_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")


def parse_time(text: str) -> time:
    """A time of day as people type it ('14:30', '9am', '2.30pm', 'midday') to a time; ValueError if not.

    A bare hour ('9') is refused: it could be morning or evening.
    """
    cleaned = text.strip().lower()
    if cleaned in {"midday", "noon", "12 noon"}:
        return time(12, 0)
    if cleaned == "midnight":
        return time(0, 0)
    match = _TIME.fullmatch(cleaned)
    if not match:
        raise ValueError(text)
    hour, minutes, half = int(match.group(1)), match.group(2), match.group(3)
    minute = int(minutes or 0)
    if half is not None:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    elif minutes is None:
        raise ValueError(text)
    if hour > 23 or minute > 59:
        raise ValueError(text)
    return time(hour, minute)


def london_to_utc(day: date, at: time) -> datetime:
    """A Europe/London wall-clock date and time as a UTC datetime; ValueError for a time the clocks skip."""
    local = datetime.combine(day, at, tzinfo=LONDON)
    utc = local.astimezone(UTC)
    if utc.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("the clocks go forward at that time")
    return utc


class Needed:
    """Like DataRequired, but keeps a message about what was typed wrongly, and accepts 0 and False."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form: Any, field: Field) -> None:
        if field.process_errors:
            raise StopValidation()
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            raise StopValidation(self.message)


class _TypedField(Field):
    """A text input whose typed text is read into `data`, and shown again as typed when it could not be read."""

    widget = GovTextInput()
    invalid_message = "Enter a valid value"
    data: Any

    def __init__(self, label: str | None = None, validators: Any = None, *, invalid: str | None = None, **kw: Any):
        super().__init__(label, validators, **kw)
        if invalid:
            self.invalid_message = invalid

    def _parse(self, text: str) -> Any:
        raise NotImplementedError

    def _show(self, value: Any) -> str:
        return str(value)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = valuelist[0].strip() if valuelist else ""
        if not text:
            return
        try:
            self.data = self._parse(text)
        except ValueError:
            raise ValueError(self.invalid_message) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self._show(self.data) if self.data is not None else ""


class PoundsField(_TypedField):
    """An amount in pounds, read into integer pennies."""

    def _parse(self, text: str) -> int:
        pence = parse_pounds(text)
        if pence is None:
            raise ValueError(text)
        return pence

    def _show(self, value: int) -> str:
        pounds, pennies = divmod(value, 100)
        return f"{pounds}.{pennies:02d}" if pennies else str(pounds)


class WholeNumberField(_TypedField):
    def _parse(self, text: str) -> int:
        cleaned = text.replace(",", "")
        if not re.fullmatch(r"\d{1,6}", cleaned):
            raise ValueError(text)
        return int(cleaned)


class TimeOfDayField(_TypedField):
    def _parse(self, text: str) -> time:
        return parse_time(text)

    def _show(self, value: time) -> str:
        return value.strftime("%H:%M")


class DatePartsField(Field):
    """Day, month and year boxes (GOV.UK date input), read into a date with GOV.UK's error messages."""

    widget = GovDateInput()

    def __init__(self, label: str | None = None, validators: Any = None, *, what: str = "The date", **kw: Any):
        super().__init__(label, validators, **kw)
        self.what = what
        self.type = "DateField"  # so the error summary links to the day box, as for any date field

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [str(v).strip() for v in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts  # the widget shows exactly three boxes again
        self.data = None
        if not any(parts):
            return
        missing = [name for name, value in zip(("day", "month", "year"), parts, strict=True) if not value]
        if missing:
            raise ValueError(f"{self.what} must include a {' and a '.join(missing)}")
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"{self.what} must be a real date, like 1 7 2026")
        if len(parts[2]) != 4:
            raise ValueError("Year must include 4 numbers")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError(f"{self.what} must be a real date, like 1 7 2026") from None

    def _value(self) -> str:
        return self.data.strftime("%d %m %Y") if self.data else ""


class _DateTimeMixin:
    """Pairs of date and time fields named `<x>` and `<x>_time`, combined into a UTC datetime as `<x>` in times()."""

    def combine(self, name: str, *, what: str, required: bool) -> datetime | None:
        day_field: DatePartsField = getattr(self, name)
        time_field: TimeOfDayField = getattr(self, f"{name}_time")
        if day_field.errors or time_field.errors:
            return None
        if day_field.data is None and time_field.data is None:
            if required:
                day_field.errors.append(f"Enter the {what} date")
                time_field.errors.append(f"Enter the {what} time")
            return None
        if day_field.data is None:
            day_field.errors.append(f"Enter the {what} date")
            return None
        if time_field.data is None:
            time_field.errors.append(f"Enter the {what} time")
            return None
        try:
            return london_to_utc(day_field.data, time_field.data)
        except ValueError:
            time_field.errors.append(
                "That time does not exist in the UK on that day: the clocks go forward. Choose another time"
            )
            return None


# --- the pages --------------------------------------------------------------------------------------------------

TIME_HINT = "In UK time, for example 9am, 12:30pm or 17:00"


class RoundDetailsForm(_DateTimeMixin, FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the round's title")],
        description="What groups will see, for example Small Sparks 2027",
    )
    code = StringField(
        "Short code",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter a short code, like RSS27")],
        description="2 to 10 letters or numbers. Bid references start with it, for example RSS27-0001",
    )
    summary = TextAreaField(
        "Summary",
        widget=GovTextArea(),
        validators=[DataRequired(message="Enter a summary of what the round funds")],
        description="In plain words: what the round funds, where, and why",
    )
    who_can_apply = TextAreaField(
        "Who can apply",
        widget=GovTextArea(),
        validators=[DataRequired(message="Enter who can apply")],
        description="For example: any group of at least three local people, registered or not",
    )
    budget = PoundsField(
        "Total budget",
        validators=[Needed("Enter the budget, in pounds")],
        invalid="Enter the budget in pounds, like 10000",
    )
    min_grant = PoundsField(
        "Smallest grant",
        validators=[Needed("Enter the smallest grant, in pounds")],
        invalid="Enter the smallest grant in pounds, like 250",
    )
    max_grant = PoundsField(
        "Largest grant",
        validators=[Needed("Enter the largest grant, in pounds")],
        invalid="Enter the largest grant in pounds, like 2000",
    )
    opens_at = DatePartsField("Opening date", what="The opening date", description="For example, 1 6 2026")
    opens_at_time = TimeOfDayField("Opening time", invalid="Enter the opening time like 9am or 14:30")
    closes_at = DatePartsField("Closing date", what="The closing date", description="For example, 30 6 2026")
    closes_at_time = TimeOfDayField("Closing time", invalid="Enter the closing time like 12pm or 17:00")
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.opens_at_utc = self.combine("opens_at", what="opening", required=True)
        self.closes_at_utc = self.combine("closes_at", what="closing", required=True)
        return ok and self.opens_at_utc is not None and self.closes_at_utc is not None

    def details(self) -> services.RoundDetails:
        assert self.opens_at_utc is not None and self.closes_at_utc is not None  # noqa: S101 - after validate()
        return services.RoundDetails(
            title=self.title.data or "",
            code=self.code.data or "",
            summary=self.summary.data or "",
            who_can_apply=self.who_can_apply.data or "",
            budget_pence=self.budget.data,
            min_grant_pence=self.min_grant.data,
            max_grant_pence=self.max_grant.data,
            opens_at=self.opens_at_utc,
            closes_at=self.closes_at_utc,
        )

    @classmethod
    def for_round(cls, round_: Round) -> RoundDetailsForm:
        opens, closes = round_.opens_at.astimezone(LONDON), round_.closes_at.astimezone(LONDON)
        return cls(
            formdata=None,
            data={
                "title": round_.title,
                "code": round_.code,
                "summary": round_.summary,
                "who_can_apply": round_.who_can_apply,
                "budget": round_.budget_pence,
                "min_grant": round_.min_grant_pence,
                "max_grant": round_.max_grant_pence,
                "opens_at": opens.date(),
                "opens_at_time": opens.time(),
                "closes_at": closes.date(),
                "closes_at_time": closes.time(),
            },
        )


class QuestionRowForm(Form):
    item_id = HiddenField()
    prompt = StringField("Question", widget=GovTextInput())
    help_text = TextAreaField("Help text (optional)", widget=GovTextArea())
    word_limit = WholeNumberField("Word limit", invalid="Enter the word limit as a number, like 150")
    required = BooleanField("Groups must answer this question", widget=GovCheckboxInput())

    def is_blank(self) -> bool:
        """A row with no question and no help text is left out; its word limit alone does not count."""
        return not (self.prompt.data or "").strip() and not (self.help_text.data or "").strip()

    def first_field(self) -> Field:
        return self.prompt


class QuestionsForm(FlaskForm):
    questions = FieldList(FormField(QuestionRowForm), min_entries=QUESTION_ROWS, max_entries=QUESTION_ROWS)
    submit = SubmitField("Save questions", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        for row in self.questions:
            if row.form.is_blank():  # a blank row is left out, whatever is in its word limit box
                row.form.word_limit.process_errors = []
        return bool(super().validate(extra_validators))

    def rows(self) -> tuple[list[services.QuestionInput], list[int]]:
        """The filled-in rows as service input, and for each the index of the row it came from."""
        inputs, row_of = [], []
        for index, row in enumerate(self.questions):
            form: QuestionRowForm = row.form
            if form.is_blank():
                continue
            inputs.append(
                services.QuestionInput(
                    id=_int_or_none(form.item_id.data),
                    prompt=form.prompt.data or "",
                    help_text=form.help_text.data or "",
                    word_limit=form.word_limit.data,
                    required=bool(form.required.data),
                )
            )
            row_of.append(index)
        return inputs, row_of

    @classmethod
    def for_questions(cls, questions: list[Question]) -> QuestionsForm:
        rows: list[dict[str, Any]] = [
            {
                "item_id": str(q.id),
                "prompt": q.prompt,
                "help_text": q.help_text,
                "word_limit": q.word_limit,
                "required": q.required,
            }
            for q in questions
        ]
        rows += [{"word_limit": 150, "required": True} for _ in range(QUESTION_ROWS - len(rows))]
        return cls(formdata=None, data={"questions": rows})


class CriterionRowForm(Form):
    item_id = HiddenField()
    name = StringField("Criterion", widget=GovTextInput())
    guidance = TextAreaField("Guidance for the panel (optional)", widget=GovTextArea())
    weight = WholeNumberField("Weight", invalid="Enter the weight as a number from 1 to 10")

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and not (self.guidance.data or "").strip()

    def first_field(self) -> Field:
        return self.name


class CriteriaForm(FlaskForm):
    criteria = FieldList(FormField(CriterionRowForm), min_entries=CRITERION_ROWS, max_entries=CRITERION_ROWS)
    submit = SubmitField("Save criteria", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        for row in self.criteria:
            if row.form.is_blank():
                row.form.weight.process_errors = []
        return bool(super().validate(extra_validators))

    def rows(self) -> tuple[list[services.CriterionInput], list[int]]:
        inputs, row_of = [], []
        for index, row in enumerate(self.criteria):
            form: CriterionRowForm = row.form
            if form.is_blank():
                continue
            inputs.append(
                services.CriterionInput(
                    id=_int_or_none(form.item_id.data),
                    name=form.name.data or "",
                    guidance=form.guidance.data or "",
                    weight=form.weight.data,
                )
            )
            row_of.append(index)
        return inputs, row_of

    @classmethod
    def for_criteria(cls, criteria: list[Criterion]) -> CriteriaForm:
        rows: list[dict[str, Any]] = [
            {"item_id": str(c.id), "name": c.name, "guidance": c.guidance, "weight": c.weight} for c in criteria
        ]
        rows += [{"weight": 1} for _ in range(CRITERION_ROWS - len(rows))]
        return cls(formdata=None, data={"criteria": rows})


METHOD_HINTS = {
    VotingMethod.SCORES: "No separate vote: bids are ranked by their weighted mean score",
    VotingMethod.APPROVAL: "Each panellist picks up to K bids they support; the most supported are funded",
    VotingMethod.BUDGET: "Each panellist picks a set of bids that fits the budget; the most picked are funded",
    VotingMethod.RANKED: "Each panellist puts up to N bids in order; ranked by Borda points",
    VotingMethod.EQUAL_SHARES: "As approval, but the budget is shared fairly between panellists (equal shares)",
}


class PanelForm(_DateTimeMixin, FlaskForm):
    voting_method = RadioField(
        "How will the panel decide?",
        widget=GovRadioInput(),
        choices=[(m.value, m.label) for m in VotingMethod],
        validators=[Needed("Choose how the panel will decide")],
    )
    approval_limit = WholeNumberField(
        "For approval vote and equal shares: how many bids can each panellist pick? (K)",
        invalid="Enter how many bids each panellist can pick as a number, like 3",
    )
    ranked_limit = WholeNumberField(
        "For a ranked vote: how many bids can each panellist rank? (N)",
        invalid="Enter how many bids each panellist can rank as a number, like 5",
    )
    quorum = WholeNumberField(
        "Quorum",
        validators=[Needed("Enter the quorum, like 3")],
        invalid="Enter the quorum as a number, like 3",
        description="A bid scored by fewer panellists than this (after conflicts) is flagged for you to check",
    )
    code_of_conduct = TextAreaField(
        "Code of conduct for the panel (optional)",
        widget=GovTextArea(),
        description="Panellists agree to this before they see any bid. Leave it empty to use the standard code.",
    )
    scoring_closes_at = DatePartsField("Scoring closes: date", what="The date scoring closes")
    scoring_closes_at_time = TimeOfDayField("Scoring closes: time", invalid="Enter the time like 5pm or 17:00")
    voting_closes_at = DatePartsField("Voting closes: date", what="The date voting closes")
    voting_closes_at_time = TimeOfDayField("Voting closes: time", invalid="Enter the time like 5pm or 17:00")
    submit = SubmitField("Save panel and voting", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.scoring_utc = self.combine("scoring_closes_at", what="scoring closing", required=False)
        self.voting_utc = self.combine("voting_closes_at", what="voting closing", required=False)
        return ok and not any(f.errors for f in self)

    def settings(self) -> services.PanelSettings:
        return services.PanelSettings(
            voting_method=VotingMethod(self.voting_method.data),
            approval_limit=self.approval_limit.data,
            ranked_limit=self.ranked_limit.data,
            quorum=self.quorum.data,
            scoring_closes_at=self.scoring_utc,
            voting_closes_at=self.voting_utc,
            code_of_conduct=self.code_of_conduct.data or "",
        )

    @classmethod
    def for_round(cls, round_: Round) -> PanelForm:
        data: dict[str, Any] = {
            "voting_method": round_.voting_method.value,
            "approval_limit": round_.approval_limit,
            "ranked_limit": round_.ranked_limit,
            "quorum": round_.quorum,
            "code_of_conduct": round_.code_of_conduct,
        }
        for name in ("scoring_closes_at", "voting_closes_at"):
            value = getattr(round_, name)
            if value is not None:
                local = value.astimezone(LONDON)
                data[name], data[f"{name}_time"] = local.date(), local.time()
        return cls(formdata=None, data=data)


class MoveForm(FlaskForm):
    """Confirm a move to another stage. A reopening needs a reason; the status seen guards against a double move."""

    seen_status = HiddenField()
    reason = TextAreaField(
        "Why are you reopening the round?",
        widget=GovTextArea(),
        description="This is kept in the audit log, where the panel's chair and auditors can read it. "
        "Do not include anyone's personal details. 500 characters at most.",
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None
