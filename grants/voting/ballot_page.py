"""What the panellist's ballot page and the staff's paper ballot page share: the form for the round's method, casting
the ballot it describes, and what the ballot template is given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import request, url_for

from grants.extensions import db
from grants.models import Bid, Round, User, VotingMethod
from grants.voting import queries, services
from grants.voting.forms import ChooseBidsForm, PaperChooseBidsForm, PaperRankBidsForm, RankBidsForm, rank_bids_form
from grants.voting.services import CastResult
from grants.web import attempt


def bid_link(bid: Bid) -> str:
    """Where a panellist reads a bid: the panel's bid page."""
    return url_for("panel.score_bid", round_id=bid.round_id, bid_id=bid.id)


def bid_links(round_: Round) -> Callable[[Bid], str]:
    """`bid_link` for the bids of one round, the address built once: a ballot lists every bid of the round, and
    building each address afresh was a third of the time the page took."""
    first = url_for("panel.score_bid", round_id=round_.id, bid_id=1)
    prefix = first.removesuffix("1")
    return lambda bid: f"{prefix}{bid.id}" if bid.round_id == round_.id else bid_link(bid)


def build_form(
    round_: Round, paper: queries.BallotPaper, current: queries.BallotView | None, *, on_paper: bool
) -> ChooseBidsForm | RankBidsForm:
    """The form for this round's method; on a GET, filled in with the current ballot (the panellist's own)."""
    prefill: dict[str, Any] | None = None
    if request.method == "GET" and current is not None:
        if round_.voting_method == VotingMethod.RANKED:
            prefill = {f"rank_{bid_id}": str(i) for i, bid_id in enumerate(current.bid_ids, start=1)}
        else:
            prefill = {"bids": current.bid_ids}
    kwargs: dict[str, Any] = {"data": prefill} if prefill is not None else {}
    if round_.voting_method == VotingMethod.RANKED:
        titles = {bid.id: bid.title or "Untitled bid" for bid in paper.all_bids.values()}
        limit = services.choice_limit(round_) or len(titles) or 1
        return rank_bids_form(PaperRankBidsForm if on_paper else RankBidsForm, titles, limit, **kwargs)
    return PaperChooseBidsForm(**kwargs) if on_paper else ChooseBidsForm(**kwargs)


class NeedsConfirmation:
    """Nothing was chosen: ask before casting an empty ballot."""


def cast_from_form(
    form: ChooseBidsForm | RankBidsForm, round_: Round, *, voter: User, recorded_by: User | None, now: datetime
) -> CastResult | NeedsConfirmation | dict[str, str]:
    """Cast the ballot the form describes. On a broken rule the request's work is undone and the fields the
    message marks come back, with the message, so the page shows it by each (two bids given the same rank)."""

    def cast() -> CastResult | NeedsConfirmation:
        ranked = isinstance(form, RankBidsForm)
        if isinstance(form, RankBidsForm):
            ranks = form.ranks()
            chosen = services.ranking_from_ranks(ranks, limit=services.choice_limit(round_) or max(len(ranks), 1))
        else:
            chosen = form.chosen()
        if not chosen and not form.empty_confirmed():
            return NeedsConfirmation()
        return services.cast_ballot(
            db.session,
            round_=round_,
            voter=voter,
            ranking=chosen if ranked else None,
            bid_ids=None if ranked else chosen,
            recorded_by=recorded_by,
            replaces=form.replaces_id(),
            voter_receipt=form.receipt_typed(),
            now=now,
        )

    done = attempt(form, cast)
    if done.value is not None:
        return done.value
    return done.marks


def ballot_context(
    round_: Round,
    form: ChooseBidsForm | RankBidsForm,
    paper: queries.BallotPaper,
    current: queries.BallotView | None,
    *,
    replaces_id: int | None,
    now: datetime,
    **extra: Any,
) -> dict[str, Any]:
    """What the ballot template is given, for the form as it stands at `now`."""
    # The form is next sent based on the ballot that is current now (after a refusal, perhaps a newer one).
    form.replaces.data = str(replaces_id) if replaces_id is not None else ""
    if isinstance(form, ChooseBidsForm):
        choosable = {bid.id: bid for bid in paper.choosable}
        chosen_total = sum(choosable[b].amount_pence or 0 for b in set(form.bids.data or []) if b in choosable)
    else:
        chosen_total = 0
    return {
        "round": round_,
        "form": form,
        "paper": paper,
        "current": current,
        "method": round_.voting_method.value,
        "limit": services.choice_limit(round_),
        "closed_reason": services.voting_not_open_reason(round_, now),
        "chosen_total": chosen_total,
        "bid_link": bid_links(round_),
        "marked": extra.pop("marked", {}),
        **extra,
    }
