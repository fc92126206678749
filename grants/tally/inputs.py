"""The tally's inputs as plain frozen data, and the one place they are checked and prepared.

Everything here is plain Python: no Flask, no database. Money is integer pennies, ids are ints, times are
timezone-aware UTC. `prepare` checks the recorded inputs, raising `TallyInputError` on anything the services
should never have let through, and drops what recused panellists gave the bids they are recused from before
anything else looks at it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from grants.tally import bulk


class TallyInputError(ValueError):
    """The recorded inputs break a rule the tally relies on; the message says which input and why."""


class Method(enum.StrEnum):
    """A round's voting method (the same values as `grants.models.VotingMethod`)."""

    SCORES = "scores"
    APPROVAL = "approval"
    BUDGET = "budget"
    RANKED = "ranked"
    EQUAL_SHARES = "equal_shares"


SCORE_MIN = 1
SCORE_MAX = 5
SCORE_VALUES = frozenset(range(SCORE_MIN, SCORE_MAX + 1))


@dataclass(frozen=True)
class Criterion:
    """A scoring criterion and its weight (a whole number, at least 1)."""

    id: int
    weight: int


@dataclass(frozen=True)
class RoundSettings:
    """The round settings the tally depends on.

    `approval_limit` is K for approval and equal shares (None: no limit); `ranked_limit` is N for a ranked vote
    (required there: the top of a ranking scores N Borda points). Limits that do not apply to `method` are ignored.
    """

    budget_pence: int
    method: Method | str
    criteria: tuple[Criterion, ...] = ()
    approval_limit: int | None = None
    ranked_limit: int | None = None
    quorum: int = 3


@dataclass(frozen=True)
class BidInput:
    """An eligible bid: what it asks for and when it was submitted (ISO-8601 text or a datetime, with a zone)."""

    id: int
    amount_pence: int
    submitted_at: datetime | str


@dataclass(frozen=True)
class ScoreInput:
    """One panellist's score (1 to 5) for one bid against one criterion."""

    panellist_id: int
    bid_id: int
    criterion_id: int
    value: int


@dataclass(frozen=True)
class Recusal:
    """A panellist recused from a bid (a declared conflict, or their own group's bid)."""

    panellist_id: int
    bid_id: int


@dataclass(frozen=True)
class BallotInput:
    """A panellist's current ballot: `approvals` (any order) for approval, budget and equal shares; `ranking`
    (best first) for a ranked vote. The field the method does not use must be empty. An empty ballot is a ballot
    cast: in equal shares it still holds its share of the budget."""

    panellist_id: int
    approvals: tuple[int, ...] = ()
    ranking: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PreparedBid:
    id: int
    amount_pence: int
    submitted_at: datetime


class PreparedBallot(NamedTuple):
    """A ballot after dropping the entries for bids its panellist is recused from (a ranking closes up). A named
    tuple, the cheapest record to make by the tens of thousands."""

    panellist_id: int
    choices: tuple[int, ...]


@dataclass(frozen=True)
class Prepared:
    """Checked inputs, with recused panellists' scores and ballot entries already dropped."""

    settings: RoundSettings
    method: Method
    bids: dict[int, PreparedBid]
    weights: dict[int, int]
    # bid id -> panellist id -> criterion id -> value, counting only panellists not recused from that bid
    scores: dict[int, dict[int, dict[int, int]]]
    ballots: tuple[PreparedBallot, ...]
    # the recorded inputs, untouched (ballot entries not yet dropped), for the digest
    raw_scores: tuple[ScoreInput, ...]
    raw_recusals: tuple[Recusal, ...]
    raw_ballots: tuple[BallotInput, ...]
    # when they were checked in bulk, for the digest: every recorded score (recused ones too) as bid -> panellist
    # -> criterion -> value, all plain ints, bids of the tally, criteria of the round and values 1 to 5; and the
    # recorded ballots as columns in panellist order
    recorded_scores: bulk.ScoresByBid | None = None
    ballot_columns: bulk.BallotColumns | None = None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_int(value: object, what: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TallyInputError(f"{what} must be a whole number, not {value!r}")
    if minimum is not None and value < minimum:
        raise TallyInputError(f"{what} must be at least {minimum}, not {value}")
    return value


def normalise_time(value: datetime | str, what: str) -> datetime:
    """A submission time as an aware UTC datetime; text must be ISO-8601 with a zone ('Z' or an offset)."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise TallyInputError(f"{what} is not an ISO-8601 time: {value!r}") from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise TallyInputError(f"{what} must be an ISO-8601 time or a datetime, not {value!r}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise TallyInputError(f"{what} has no time zone: {value!r}")
    return parsed.astimezone(UTC)


def _check_settings(settings: RoundSettings) -> tuple[Method, dict[int, int]]:
    if not isinstance(settings, RoundSettings):
        raise TallyInputError(f"settings must be RoundSettings, not {type(settings).__name__}")
    try:
        method = Method(settings.method)
    except ValueError:
        raise TallyInputError(f"unknown voting method {settings.method!r}") from None
    _require_int(settings.budget_pence, "the budget", minimum=0)
    _require_int(settings.quorum, "the quorum", minimum=0)
    if method in (Method.APPROVAL, Method.EQUAL_SHARES) and settings.approval_limit is not None:
        _require_int(settings.approval_limit, "the approval limit (K)", minimum=1)
    if method is Method.RANKED:
        if settings.ranked_limit is None:
            raise TallyInputError("a ranked vote needs the ranking limit (N) for its Borda points")
        _require_int(settings.ranked_limit, "the ranking limit (N)", minimum=1)
    weights: dict[int, int] = {}
    for criterion in settings.criteria:
        _require_int(criterion.id, "a criterion id")
        if criterion.id in weights:
            raise TallyInputError(f"criterion {criterion.id} is listed twice")
        weights[criterion.id] = _require_int(criterion.weight, f"the weight of criterion {criterion.id}", minimum=1)
    return method, weights


def _check_bids(bids: tuple[BidInput, ...]) -> dict[int, PreparedBid]:
    prepared: dict[int, PreparedBid] = {}
    for bid in bids:
        _require_int(bid.id, "a bid id")
        if bid.id in prepared:
            raise TallyInputError(f"bid {bid.id} is listed twice")
        amount = _require_int(bid.amount_pence, f"the amount of bid {bid.id}", minimum=1)
        submitted = normalise_time(bid.submitted_at, f"the submission time of bid {bid.id}")
        prepared[bid.id] = PreparedBid(id=bid.id, amount_pence=amount, submitted_at=submitted)
    return prepared


def _check_recusals(recusals: tuple[Recusal, ...], bids: dict[int, PreparedBid]) -> frozenset[tuple[int, int]]:
    checked = bulk.recusals(recusals, bids)
    if checked is not None:
        return checked
    seen: set[tuple[int, int]] = set()
    for recusal in recusals:
        _require_int(recusal.panellist_id, "a recusal's panellist id")
        _require_int(recusal.bid_id, "a recusal's bid id")
        if recusal.bid_id not in bids:
            raise TallyInputError(f"a recusal names bid {recusal.bid_id}, which is not in the tally")
        key = (recusal.panellist_id, recusal.bid_id)
        if key in seen:
            raise TallyInputError(f"panellist {key[0]} is recused from bid {key[1]} twice")
        seen.add(key)
    return frozenset(seen)


def _check_scores(
    scores: tuple[ScoreInput, ...],
    bids: dict[int, PreparedBid],
    weights: dict[int, int],
    recused: frozenset[tuple[int, int]],
) -> tuple[dict[int, dict[int, dict[int, int]]], bulk.ScoresByBid | None]:
    checked = bulk.scores(scores, bids, weights, SCORE_VALUES, recused)
    if checked is not None:
        return checked
    by_bid: dict[int, dict[int, dict[int, int]]] = {bid_id: {} for bid_id in bids}
    seen: set[tuple[int, int, int]] = set()
    for score in scores:
        _require_int(score.panellist_id, "a score's panellist id")
        _require_int(score.bid_id, "a score's bid id")
        _require_int(score.criterion_id, "a score's criterion id")
        if score.bid_id not in bids:
            raise TallyInputError(f"a score names bid {score.bid_id}, which is not in the tally")
        if score.criterion_id not in weights:
            raise TallyInputError(f"a score names criterion {score.criterion_id}, which is not one of the round's")
        if not _is_int(score.value) or not SCORE_MIN <= score.value <= SCORE_MAX:
            raise TallyInputError(
                f"panellist {score.panellist_id}'s score for bid {score.bid_id} on criterion {score.criterion_id} "
                f"is {score.value!r}, not a whole number from {SCORE_MIN} to {SCORE_MAX}"
            )
        key = (score.panellist_id, score.bid_id, score.criterion_id)
        if key in seen:
            raise TallyInputError(
                f"panellist {key[0]} has two scores for bid {key[1]} on criterion {key[2]}: one is allowed"
            )
        seen.add(key)
        if (score.panellist_id, score.bid_id) in recused:
            continue
        by_bid[score.bid_id].setdefault(score.panellist_id, {})[score.criterion_id] = score.value
    return by_bid, None


def _check_ballots(
    ballots: tuple[BallotInput, ...],
    settings: RoundSettings,
    method: Method,
    bids: dict[int, PreparedBid],
    recused: frozenset[tuple[int, int]],
) -> tuple[tuple[PreparedBallot, ...], bulk.BallotColumns | None]:
    if method is Method.SCORES:
        if ballots:
            raise TallyInputError("the scores method takes no ballots: the scores are the vote")
        return (), None
    ranked = method is Method.RANKED
    checked = bulk.ballot_choices(ballots, ranked=ranked, bids=bids, recused=recused)
    if checked is not None and _within_limits(checked.counted, settings, method, bids):
        return tuple(map(PreparedBallot._make, zip(checked.panellists, checked.counted, strict=True))), checked
    prepared: list[PreparedBallot] = []
    seen: set[int] = set()
    for ballot in ballots:
        who = _require_int(ballot.panellist_id, "a ballot's panellist id")
        if who in seen:
            raise TallyInputError(f"panellist {who} has two current ballots: one is allowed")
        seen.add(who)
        used, unused = (ballot.ranking, ballot.approvals) if ranked else (ballot.approvals, ballot.ranking)
        if unused:
            field = "approvals" if ranked else "a ranking"
            raise TallyInputError(f"panellist {who}'s ballot has {field}, which the {method.value} method does not use")
        for bid_id in used:
            _require_int(bid_id, f"a bid id on panellist {who}'s ballot")
            if bid_id not in bids:
                raise TallyInputError(f"panellist {who}'s ballot names bid {bid_id}, which is not in the tally")
        if len(set(used)) != len(used):
            raise TallyInputError(f"panellist {who}'s ballot names a bid more than once")
        # What a recused panellist gave that bid is dropped before the limits are checked, so it can never
        # decide anything, not even whether the tally runs.
        counted = tuple(bid_id for bid_id in used if (who, bid_id) not in recused)
        if not ranked:
            counted = tuple(sorted(counted))
        _check_ballot_limits(who, counted, settings, method, bids)
        prepared.append(PreparedBallot(panellist_id=who, choices=counted))
    return tuple(sorted(prepared, key=lambda b: b.panellist_id)), None


def _within_limits(
    counted: list[tuple[int, ...]], settings: RoundSettings, method: Method, bids: dict[int, PreparedBid]
) -> bool:
    """Whether every ballot keeps to the method's limit (the row-by-row check says which does not, and why)."""
    if method is Method.BUDGET:
        amounts = {bid_id: bid.amount_pence for bid_id, bid in bids.items()}
        return all(sum(map(amounts.__getitem__, choices)) <= settings.budget_pence for choices in counted)
    limit = settings.ranked_limit if method is Method.RANKED else settings.approval_limit
    return limit is None or max(map(len, counted), default=0) <= limit


def _check_ballot_limits(
    who: int, counted: tuple[int, ...], settings: RoundSettings, method: Method, bids: dict[int, PreparedBid]
) -> None:
    if method in (Method.APPROVAL, Method.EQUAL_SHARES):
        limit = settings.approval_limit
        if limit is not None and len(counted) > limit:
            raise TallyInputError(f"panellist {who}'s ballot approves {len(counted)} bids; the limit is {limit}")
    elif method is Method.RANKED:
        limit = settings.ranked_limit
        if limit is not None and len(counted) > limit:
            raise TallyInputError(f"panellist {who}'s ballot ranks {len(counted)} bids; the limit is {limit}")
    elif method is Method.BUDGET:
        total = sum(bids[bid_id].amount_pence for bid_id in counted)
        if total > settings.budget_pence:
            raise TallyInputError(
                f"panellist {who}'s ballot asks for {total} pence in all, more than the budget of "
                f"{settings.budget_pence} pence"
            )


def prepare(
    *,
    settings: RoundSettings,
    bids: Iterable[BidInput],
    scores: Iterable[ScoreInput] = (),
    recusals: Iterable[Recusal] = (),
    ballots: Iterable[BallotInput] = (),
) -> Prepared:
    """Check the recorded inputs and drop recused panellists' scores and ballot entries for those bids."""
    bid_tuple, score_tuple = tuple(bids), tuple(scores)
    recusal_tuple, ballot_tuple = tuple(recusals), tuple(ballots)
    method, weights = _check_settings(settings)
    prepared_bids = _check_bids(bid_tuple)
    recused = _check_recusals(recusal_tuple, prepared_bids)
    by_bid, recorded_scores = _check_scores(score_tuple, prepared_bids, weights, recused)
    prepared_ballots, ballot_columns = _check_ballots(ballot_tuple, settings, method, prepared_bids, recused)
    return Prepared(
        settings=settings,
        method=method,
        bids=prepared_bids,
        weights=weights,
        scores=by_bid,
        ballots=prepared_ballots,
        raw_scores=score_tuple,
        raw_recusals=recusal_tuple,
        raw_ballots=ballot_tuple,
        recorded_scores=recorded_scores,
        ballot_columns=ballot_columns,
    )
