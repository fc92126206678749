"""Casting ballots: the rules every ballot follows, whether the panellist casts it online or staff record it from
a paper ballot given at an in-person meeting.

A ballot can be replaced until voting closes; the old version is kept, marked superseded, and each version is
logged. At most one ballot is current per panellist and round: the panellist's seat is locked while their ballot
changes (PostgreSQL; SQLite's write transaction already serialises), and a partial unique index is the backstop.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.audit.chain import record_event
from grants.auth.permissions import can_record_paper_ballot
from grants.database import DbSession
from grants.domain import DomainError
from grants.mail import send_email
from grants.models import Ballot, BallotChoice, Bid, Role, Round, RoundStatus, User, VotingMethod
from grants.money import format_pounds
from grants.panel import rules
from grants.panel.services.declarations import record_own_group_recusals
from grants.panel.services.seats import lock_round, lock_seat
from grants.timefmt import london_time
from grants.voting import receipts

BALLOT_METHODS = frozenset({VotingMethod.APPROVAL, VotingMethod.BUDGET, VotingMethod.RANKED, VotingMethod.EQUAL_SHARES})
SET_METHODS = frozenset({VotingMethod.APPROVAL, VotingMethod.BUDGET, VotingMethod.EQUAL_SHARES})
LIMITED_METHODS = frozenset({VotingMethod.APPROVAL, VotingMethod.EQUAL_SHARES})

# Where a refusal goes on the ballot forms: by the list of bids (or by the ranks it names, for a ranked ballot).
BIDS = "bids"
RECEIPT = "voter_receipt"

NO_BALLOT = "This round has no ballot to cast: the panel's scores are the vote"
NOT_ON_BALLOT = "One of the bids chosen is not on this ballot. Choose only from the bids listed"
ALREADY_RECORDED = (
    "Your ballot was already recorded, so nothing was changed. It is shown on this page; you can change it"
    " until voting closes"
)
ALREADY_RECORDED_PAPER = (
    "A ballot for this panellist was recorded while this page was open, so nothing was changed. Check with them,"
    " then record the paper ballot again if it should replace that one"
)


class VotingClosed(DomainError):
    """The round is not taking ballots at this moment (not yet open, or closed)."""


class AlreadyRecorded(DomainError):
    """A replayed or double-posted form: the ballot it was based on is no longer the current one."""


class Unchecked(enum.Enum):
    """Marker for `cast_ballot(replaces=...)`: do not check which ballot is being replaced."""

    UNCHECKED = "unchecked"


UNCHECKED = Unchecked.UNCHECKED


@dataclass(frozen=True)
class CastResult:
    """The ballot just stored, its receipt code (to show once), and the ballot it replaced, if any."""

    ballot: Ballot
    receipt_code: str
    replaced_id: int | None
    on_paper: bool


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def has_ballot(round_: Round) -> bool:
    """Whether panellists cast a ballot in this round (every method but scores)."""
    return round_.voting_method in BALLOT_METHODS


def choice_limit(round_: Round) -> int | None:
    """How many bids a ballot may hold: K for approval and equal shares, N for ranked, none for budget."""
    if round_.voting_method in LIMITED_METHODS:
        return round_.approval_limit
    if round_.voting_method == VotingMethod.RANKED:
        return round_.ranked_limit
    return None


def voting_not_open_reason(round_: Round, now: datetime) -> str | None:
    """Why ballots cannot be cast or changed at `now`, or None while voting is open."""
    if rules.voting_open(round_, now):
        return None
    if round_.status.before(RoundStatus.VOTING):
        return "Voting has not opened yet. You can vote once the panel's discussion is over and staff open voting"
    if round_.voting_closes_at is not None and round_.status == RoundStatus.VOTING:
        return f"Voting closed on {london_time(round_.voting_closes_at)}, so ballots can no longer be cast or changed"
    return "Voting has closed, so ballots can no longer be cast or changed"


def bid_label(bid: Bid) -> str:
    return f'{bid.reference} "{bid.title or "Untitled bid"}"'


def ranking_from_ranks(ranks: Mapping[int, int], *, limit: int) -> list[int]:
    """Turn {bid id: rank (1 = first choice)} into an ordering of bid ids, refusing the same rank twice, a rank
    outside 1..limit, or a gap (a 3rd choice with no 2nd)."""
    by_rank: dict[int, list[int]] = {}
    for bid_id, rank in ranks.items():
        by_rank.setdefault(rank, []).append(bid_id)
    for rank in sorted(by_rank):
        if rank < 1 or rank > limit:
            bid_ids = by_rank[rank]
            raise DomainError(f"Rank no more than {limit} bids", [f"rank_{b}" for b in bid_ids])
        if len(by_rank[rank]) > 1:
            bid_ids = sorted(by_rank[rank])
            raise DomainError(
                f"You gave more than one bid your {ordinal(rank)} choice. Give each bid a different rank",
                [f"rank_{b}" for b in bid_ids],
            )
    for expected, rank in enumerate(sorted(by_rank), start=1):
        if rank != expected:
            raise DomainError(
                f"There is a {ordinal(rank)} choice but no {ordinal(expected)} choice. Number your choices in order"
                " with no gaps",
                f"rank_{by_rank[rank][0]}",
            )
    return [by_rank[rank][0] for rank in sorted(by_rank)]


def _current_ballot(session: DbSession, round_id: int, user_id: int) -> Ballot | None:
    return session.scalar(
        sa.select(Ballot).where(Ballot.round_id == round_id, Ballot.user_id == user_id, Ballot.is_current)
    )


def _is_current_ballot_clash(exc: IntegrityError) -> bool:
    text = str(exc.orig)
    return "uq_ballot_current" in text or "ballot.round_id, ballot.user_id" in text


class _Words:
    """The messages, in the second person for the panellist and the third person for staff recording paper."""

    def __init__(self, voter: User, on_paper: bool) -> None:
        self.on_paper = on_paper
        self.name = voter.name

    def no_seat(self) -> str:
        return f"{self.name} is not on this round's panel" if self.on_paper else "You are not on this round's panel"

    def no_conduct(self) -> str:
        if self.on_paper:
            return (
                f"{self.name} has not accepted the panel's code of conduct yet, so their ballot cannot be recorded."
                " They need to accept it first"
            )
        return "Accept the panel's code of conduct before you vote"

    def recused(self, bid: Bid) -> str:
        if self.on_paper:
            return f"{self.name} declared a conflict with {bid_label(bid)}, so their ballot cannot include it"
        return f"You declared a conflict with {bid_label(bid)}, so you cannot vote for it"


def _check_receipt(current: Ballot, typed: str, words: _Words) -> None:
    """A paper ballot replaces a panellist's current ballot only with its receipt code, typed by staff from what
    the panellist handed in; DomainError by the receipt code field otherwise."""
    if not typed.strip():
        raise DomainError(
            f"{words.name} already has a ballot. A paper ballot can replace it only if they have handed in its"
            " receipt code with their paper ballot: type that code",
            RECEIPT,
        )
    if receipts.normalise_code(typed) != current.receipt_code:
        raise DomainError(
            f"That is not the receipt code of {words.name}'s current ballot, so nothing was changed. Check the code"
            " they handed in",
            RECEIPT,
        )


def _check_choices(
    session: DbSession, *, round_: Round, voter: User, chosen: Sequence[int], ranked: bool, words: _Words
) -> list[Bid]:
    """The bids chosen, checked against every rule of the round's method; raises DomainError."""
    if len(set(chosen)) != len(chosen):
        raise DomainError("The same bid was ranked twice" if ranked else "The same bid was chosen twice", BIDS)
    eligible = {bid.id: bid for bid in rules.panel_bids_among(session, round_, chosen)}
    unknown = [b for b in chosen if b not in eligible]
    if unknown:
        raise DomainError(NOT_ON_BALLOT, [f"rank_{b}" for b in unknown] if ranked else BIDS)
    recused = rules.recused_bid_ids(session, round_.id, voter.id)
    for bid_id in chosen:
        if bid_id in recused:
            raise DomainError(words.recused(eligible[bid_id]), f"rank_{bid_id}" if ranked else BIDS)
    bids = [eligible[b] for b in chosen]
    limit = choice_limit(round_)
    if round_.voting_method in LIMITED_METHODS and limit is not None and len(bids) > limit:
        raise DomainError(f"Choose no more than {limit} bids. {len(bids)} are ticked: untick {len(bids) - limit}", BIDS)
    if ranked and limit is not None and len(bids) > limit:
        raise DomainError(f"Rank no more than {limit} bids ({len(bids)} are ranked)", "ranking")
    if round_.voting_method == VotingMethod.BUDGET:
        total = sum(bid.amount_pence or 0 for bid in bids)
        if total > round_.budget_pence:
            over = total - round_.budget_pence
            raise DomainError(
                f"The bids chosen add up to {format_pounds(total)}, which is {format_pounds(over)} over the budget"
                f" of {format_pounds(round_.budget_pence)}. Untick bids until they fit",
                BIDS,
            )
    return bids


def cast_ballot(
    session: DbSession,
    *,
    round_: Round,
    voter: User,
    bid_ids: Sequence[int] | None = None,
    ranking: Sequence[int] | None = None,
    recorded_by: User | None = None,
    replaces: int | Unchecked | None = UNCHECKED,
    voter_receipt: str = "",
    now: datetime,
) -> CastResult:
    """Cast (or replace) a panellist's ballot while voting is open at `now`; `recorded_by` is the staff member
    recording a paper ballot.

    Approval, budget and equal shares take `bid_ids` (a set); ranked takes `ranking` (first choice first). An
    empty ballot is allowed: abstaining still counts as a ballot cast. `replaces` is the id of the ballot the form
    was based on (None for none): if the current ballot is another one, the form was replayed or is stale, and
    AlreadyRecorded is raised. A paper ballot may replace the panellist's current ballot only with that ballot's
    receipt code (`voter_receipt`, which the panellist gave staff with their paper ballot): their vote is theirs.
    The panellist is emailed about every paper ballot recorded for them. The caller commits.
    """
    on_paper = recorded_by is not None
    words = _Words(voter, on_paper)
    if not has_ballot(round_):
        raise DomainError(NO_BALLOT, BIDS)
    ranked = round_.voting_method == VotingMethod.RANKED
    if ranked and bid_ids is not None:
        raise ValueError("a ranked ballot is given as `ranking`, in order")
    if not ranked and ranking is not None:
        raise ValueError(f"a {round_.voting_method.value} ballot is given as `bid_ids`")
    chosen = [int(b) for b in (ranking if ranked else bid_ids) or ()]

    lock_round(session, round_)
    reason = voting_not_open_reason(round_, now)
    if reason is not None:
        raise VotingClosed(reason, BIDS)
    if recorded_by is not None and not can_record_paper_ballot(recorded_by, round_):
        raise DomainError("Only the funder's staff can record a paper ballot", "panellist")
    who = "panellist" if on_paper else BIDS
    seat = rules.seat(session, round_.id, voter.id)
    if seat is None:
        raise DomainError(words.no_seat(), who)
    lock_seat(session, seat)
    if seat.conduct_accepted_at is None:
        raise DomainError(words.no_conduct(), who)
    record_own_group_recusals(session, round_=round_, user_id=voter.id)
    if not on_paper and rules.has_undeclared_bids(session, round_, voter.id):
        # Conflicts are declared for every bid before any score or vote (a paper ballot's declarations were made
        # on paper, at the meeting).
        raise DomainError("Say whether you have a conflict of interest with each bid before you vote", BIDS)
    bids = _check_choices(session, round_=round_, voter=voter, chosen=chosen, ranked=ranked, words=words)
    stored = [b.id for b in bids] if ranked else sorted(b.id for b in bids)

    current = _current_ballot(session, round_.id, voter.id)
    current_id = current.id if current is not None else None
    if replaces is not UNCHECKED and replaces != current_id:
        raise AlreadyRecorded(ALREADY_RECORDED_PAPER if on_paper else ALREADY_RECORDED, BIDS)
    if on_paper and current is not None:
        _check_receipt(current, voter_receipt, words)
    try:
        if current is not None:
            current.is_current = False
            current.superseded_at = now
            session.flush()
        ballot = Ballot(
            round_id=round_.id,
            user_id=voter.id,
            is_current=True,
            recorded_by_staff_id=recorded_by.id if recorded_by is not None else None,
            receipt_salt=receipts.new_salt(),
            # The code depends on the ballot's id, known only once it is inserted: a unique placeholder until then.
            receipt_code=f"pending-{secrets.token_hex(12)}",
            choices=[BallotChoice(bid_id=bid_id, position=i) for i, bid_id in enumerate(stored, start=1)],
        )
        session.add(ballot)
        session.flush()
    except IntegrityError as exc:
        if not _is_current_ballot_clash(exc):
            raise
        # Another cast by the same person got in first (the lock makes this the backstop, not the rule).
        session.rollback()
        raise AlreadyRecorded(ALREADY_RECORDED_PAPER if on_paper else ALREADY_RECORDED, BIDS) from exc
    code = receipts.receipt_code(salt=ballot.receipt_salt, round_id=round_.id, ballot_id=ballot.id, choices=stored)
    ballot.receipt_code = code
    session.flush()

    if on_paper:
        action = "ballot.recorded_on_paper"
    elif current_id is not None:
        action = "ballot.replaced"
    else:
        action = "ballot.cast"
    facts: dict[str, Any] = {
        "round_id": round_.id,
        "ballot_id": ballot.id,
        "panellist_id": voter.id,
        "method": round_.voting_method.value,
        # Decision data, not personal free text: auditors must be able to see what each ballot said.
        "bids": stored,
        "on_paper": on_paper,
        "replaces": current_id,
    }
    actor = recorded_by if recorded_by is not None else voter
    record_event(
        session,
        action,
        by=actor,
        role=Role.STAFF.value if on_paper else Role.PANELLIST.value,
        about=ballot,
        facts=facts,
    )
    if recorded_by is not None:
        send_email(
            session,
            to=voter.email,
            template="voting/paper_recorded",
            person=voter,
            round=round_,
            replaced=current_id is not None,
            recorded_at=now,
        )
    return CastResult(ballot=ballot, receipt_code=code, replaced_id=current_id, on_paper=on_paper)
