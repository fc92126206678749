"""Forms for setting up and running rounds. They read what was typed; the rules about rounds are in settings.py,
parts.py and services.py, whose messages land next to the field they name."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
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
from wtforms.validators import DataRequired

from grants.forms_fields import (
    DatePartsField,
    DateTimePairs,
    Needed,
    OneLine,
    PlainText,
    PoundsField,
    TimeOfDayField,
    WholeNumberField,
)
from grants.models import Round, VotingMethod
from grants.rounds.parts import MAX_CRITERIA, MAX_QUESTIONS, CriterionInput, QuestionInput
from grants.rounds.settings import PanelSettings, RoundDetails
from grants.timefmt import LONDON

QUESTION_ROWS = MAX_QUESTIONS
CRITERION_ROWS = MAX_CRITERIA


class RoundDetailsForm(DateTimePairs, FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[OneLine(), DataRequired(message="Enter the round's title")],
        description="What groups will see, for example Small Sparks 2027",
    )
    code = StringField(
        "Short code",
        widget=GovTextInput(),
        validators=[OneLine(), DataRequired(message="Enter a short code, like RSS27")],
        description="2 to 10 letters or numbers. Bid references start with it, for example RSS27-0001",
    )
    summary = TextAreaField(
        "Summary",
        widget=GovTextArea(),
        validators=[PlainText(), DataRequired(message="Enter a summary of what the round funds")],
        description="In plain words: what the round funds, where, and why",
    )
    who_can_apply = TextAreaField(
        "Who can apply",
        widget=GovTextArea(),
        validators=[PlainText(), DataRequired(message="Enter who can apply")],
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

    def details(self) -> RoundDetails:
        assert self.opens_at_utc is not None and self.closes_at_utc is not None  # noqa: S101 - after validate()
        return RoundDetails(
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


class _RowForm(Form):
    """One row of a list page. A row with nothing in its text boxes is left out; its number box alone does not
    count, so a typing error there is not reported either."""

    item_id = HiddenField()
    number_field = ""  # the row's number box
    text_fields: tuple[str, ...] = ()  # the boxes that make a row count

    def is_blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in self.text_fields)

    def first_field(self) -> Field:
        return self[self.text_fields[0]]

    def as_input(self) -> Any:
        raise NotImplementedError


class QuestionRowForm(_RowForm):
    prompt = StringField("Question", widget=GovTextInput(), validators=[OneLine("The question")])
    help_text = TextAreaField("Help text (optional)", widget=GovTextArea(), validators=[PlainText("Help text")])
    word_limit = WholeNumberField("Word limit", invalid="Enter the word limit as a number, like 150")
    required = BooleanField("Groups must answer this question", widget=GovCheckboxInput())
    number_field, text_fields = "word_limit", ("prompt", "help_text")

    def as_input(self) -> QuestionInput:
        return QuestionInput(
            id=_int_or_none(self.item_id.data),
            prompt=self.prompt.data or "",
            help_text=self.help_text.data or "",
            word_limit=self.word_limit.data,
            required=bool(self.required.data),
        )


class CriterionRowForm(_RowForm):
    name = StringField("Criterion", widget=GovTextInput(), validators=[OneLine("The criterion")])
    guidance = TextAreaField(
        "Guidance for the panel (optional)", widget=GovTextArea(), validators=[PlainText("Guidance")]
    )
    weight = WholeNumberField("Weight", invalid="Enter the weight as a number from 1 to 10")
    number_field, text_fields = "weight", ("name", "guidance")

    def as_input(self) -> CriterionInput:
        return CriterionInput(
            id=_int_or_none(self.item_id.data),
            name=self.name.data or "",
            guidance=self.guidance.data or "",
            weight=self.weight.data,
        )


class _ListForm(FlaskForm):
    """A page of six rows for a round's questions or criteria (`list_name`); blank rows are left out."""

    list_name = ""

    def row_forms(self) -> list[_RowForm]:
        return [row.form for row in self[self.list_name]]

    def validate(self, extra_validators: Any = None) -> bool:
        for form in self.row_forms():
            if form.is_blank():
                form[form.number_field].process_errors = []
        return bool(super().validate(extra_validators))

    def rows(self) -> tuple[list[Any], list[int]]:
        """The filled-in rows as service input, and for each the index of the row it came from."""
        filled = [(index, form) for index, form in enumerate(self.row_forms()) if not form.is_blank()]
        return [form.as_input() for _, form in filled], [index for index, _ in filled]


class QuestionsForm(_ListForm):
    questions = FieldList(FormField(QuestionRowForm), min_entries=QUESTION_ROWS, max_entries=QUESTION_ROWS)
    submit = SubmitField("Save questions", widget=GovSubmitInput())
    list_name = "questions"

    @classmethod
    def for_round(cls, round_: Round) -> QuestionsForm:
        rows: list[dict[str, Any]] = [
            {
                "item_id": str(q.id),
                "prompt": q.prompt,
                "help_text": q.help_text,
                "word_limit": q.word_limit,
                "required": q.required,
            }
            for q in round_.questions
        ]
        rows += [{"word_limit": 150, "required": True} for _ in range(QUESTION_ROWS - len(rows))]
        return cls(formdata=None, data={"questions": rows})


class CriteriaForm(_ListForm):
    criteria = FieldList(FormField(CriterionRowForm), min_entries=CRITERION_ROWS, max_entries=CRITERION_ROWS)
    submit = SubmitField("Save criteria", widget=GovSubmitInput())
    list_name = "criteria"

    @classmethod
    def for_round(cls, round_: Round) -> CriteriaForm:
        rows: list[dict[str, Any]] = [
            {"item_id": str(c.id), "name": c.name, "guidance": c.guidance, "weight": c.weight} for c in round_.criteria
        ]
        rows += [{"weight": 1} for _ in range(CRITERION_ROWS - len(rows))]
        return cls(formdata=None, data={"criteria": rows})


class PanelForm(DateTimePairs, FlaskForm):
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
        validators=[PlainText("The code of conduct")],
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

    def settings(self) -> PanelSettings:
        return PanelSettings(
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
        validators=[PlainText("The reason")],
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None
