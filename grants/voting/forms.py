"""Forms for ballots. The bid lists are drawn by the templates (a bid carries a group, an amount, a link and
perhaps a conflict, more than a widget shows); the forms parse and carry the errors for the error summary."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from flask import request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import Field, HiddenField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired

from grants.forms_fields import GetForm, line_text
from grants.voting.services import UNCHECKED, Unchecked, ordinal

RANK_FIELD = re.compile(r"rank_(\d{1,18})")


def whole_number(value: Any) -> int:
    """A posted id or rank; anything that is not a number becomes 0, which no bid, rank or person has, so the
    rules refuse it."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _optional_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return 0  # not a ballot id: never the current one, so the ballot is treated as already recorded


class BallotForm(FlaskForm):
    """What every ballot form carries: the ballot it was based on, and the confirmation of an empty ballot."""

    # The id of the ballot the page showed as current ("" for none): if another has been stored since, this
    # form was sent twice or is stale, and nothing is changed.
    replaces = HiddenField()
    confirm_empty = HiddenField()

    def replaces_id(self) -> int | Unchecked | None:
        if not self.replaces.raw_data:
            return UNCHECKED
        return _optional_int(self.replaces.data)

    def empty_confirmed(self) -> bool:
        return self.confirm_empty.data == "y"


class ChooseBidsForm(BallotForm):
    """Approval, budget and equal shares: tick bids."""

    bids = SelectMultipleField("Bids", coerce=whole_number, validate_choice=False)
    submit = SubmitField("Cast your ballot", widget=GovSubmitInput())

    def chosen(self) -> list[int]:
        return list(self.bids.data or [])


class RankBidsForm(BallotForm):
    """Ranked: a choice of rank for each bid. The fields are added per ballot by `rank_bids_form`."""

    submit = SubmitField("Cast your ballot", widget=GovSubmitInput())

    def ranks(self) -> dict[int, int]:
        """{bid id: rank} for every bid given a rank, including any a tampered form names that this ballot does
        not list (the rules refuse those)."""
        ranks: dict[int, int] = {}
        for name, field in self._fields.items():
            match = RANK_FIELD.fullmatch(name)
            if match and field.data:
                ranks[int(match.group(1))] = whole_number(field.data)
        for name, value in request.form.items():
            match = RANK_FIELD.fullmatch(name)
            if match and name not in self._fields and value:
                ranks[int(match.group(1))] = whole_number(value)
        return ranks

    def rank_field(self, bid_id: int) -> Field | None:
        return self._fields.get(f"rank_{bid_id}")


R = TypeVar("R", bound=RankBidsForm)


def rank_choices(limit: int) -> list[tuple[str, str]]:
    return [("", "Not ranked"), *[(str(n), f"{ordinal(n)} choice") for n in range(1, limit + 1)]]


def rank_bids_form(base: type[R], bid_titles: dict[int, str], limit: int, **kwargs: Any) -> R:
    """A ranked ballot form (`base` is RankBidsForm or PaperRankBidsForm) with one select per bid on the ballot:
    recused ones too, so a tampered form that ranks one reaches the rules and is refused."""
    fields = {
        f"rank_{bid_id}": SelectField(
            title,
            choices=rank_choices(limit),
            default="",
            widget=GovSelect(),
            invalid_choice_message=f"Choose a rank from 1st to {ordinal(limit)}, or Not ranked",
        )
        for bid_id, title in bid_titles.items()
    }
    form_class = type(base.__name__, (base,), fields)
    return form_class(**kwargs)


class ChoosePanellistForm(GetForm):
    """Staff choose whose paper ballot they are recording (sent by GET)."""

    panellist = SelectField(
        "Whose paper ballot are you recording?",
        widget=GovSelect(),
        coerce=whole_number,
        validate_choice=False,
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class PaperBallot:
    """What a paper ballot adds to the panellist's own form: whose ballot it is, and staff's button."""

    panellist = HiddenField(validators=[DataRequired(message="Choose whose paper ballot you are recording")])
    submit = SubmitField("Record this paper ballot", widget=GovSubmitInput())


class PaperChooseBidsForm(PaperBallot, ChooseBidsForm):
    pass


class PaperRankBidsForm(PaperBallot, RankBidsForm):
    pass


class CheckReceiptForm(FlaskForm):
    code = line_text(
        "Your receipt code",
        what="The receipt code",
        required="Enter your receipt code",
        limit=40,
        too_long="A receipt code is 16 letters and numbers, like K7QF-2MZD-9WXA-PV4C",
        description="16 letters and numbers, like K7QF-2MZD-9WXA-PV4C. Capitals and dashes do not matter.",
    )
    submit = SubmitField("Check my ballot", widget=GovSubmitInput())
