"""Scores: a panellist gives each of the panel's bids a score from 1 to 5 against every criterion of the round,
with an optional comment, while scoring is open."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Bid, Round, RoundStatus, Score, User
from grants.panel import rules
from grants.panel.rules import SCORE_VALUES
from grants.panel.services.declarations import SystemRecusal, record_own_group_recusals
from grants.panel.services.seats import PANELLIST, lock_round, lock_seat, seat_or_refuse
from grants.timefmt import london_time

MAX_COMMENT = 1000
SCORE_LABELS = {1: "Poor", 2: "Weak", 3: "Fair", 4: "Good", 5: "Excellent"}
COMMENT_TOO_LONG = f"Keep your comment to {MAX_COMMENT:,} characters or fewer"
SCORE_REQUIRED = "Choose a score from 1 to 5 for {criterion}"


def scoring_not_open_reason(round_: Round, now: datetime) -> str | None:
    """Why scores cannot be given or changed at `now`, in plain words; None while scoring is open."""
    if rules.scoring_open(round_, now):
        return None
    if not rules.scoring_started(round_):
        return "Scoring has not opened yet. You can score the bids once the funder's staff open scoring."
    if round_.status == RoundStatus.SCORING and round_.scoring_closes_at is not None:
        return f"Scoring closed on {london_time(round_.scoring_closes_at)}. Scores can no longer be given or changed."
    return "Scoring has closed. Scores can no longer be given or changed."


@dataclass(frozen=True)
class ScoreEntry:
    """What the panellist gave one criterion: `value` as sent (checked here), and an optional comment."""

    value: int | None
    comment: str = ""


@dataclass(frozen=True)
class ScoreResult:
    given: int  # criteria scored for the first time
    changed: int  # criteria whose score or comment changed
    system_recusals: list[SystemRecusal] = field(default_factory=list)  # own groups' recusals recorded with them


def _check_entries(round_: Round, entries: Mapping[int, ScoreEntry]) -> None:
    for criterion in round_.criteria:
        entry = entries.get(criterion.id)
        if entry is None or entry.value not in SCORE_VALUES:
            raise DomainError(SCORE_REQUIRED.format(criterion=criterion.name), f"score_{criterion.id}")
        if len(entry.comment.strip()) > MAX_COMMENT:
            raise DomainError(COMMENT_TOO_LONG, f"comment_{criterion.id}")


def save_scores(
    session: DbSession,
    *,
    round_: Round,
    bid: Bid,
    user: User,
    entries: Mapping[int, ScoreEntry],
    now: datetime,
) -> ScoreResult:
    """Give or change the panellist's scores for one bid, one per criterion, all or none, while scoring is open at
    `now`."""
    lock_round(session, round_)
    seat = seat_or_refuse(session, round_, user.id)
    if seat.conduct_accepted_at is None:
        raise DomainError("Read and agree to the code of conduct before you score bids.")
    if bid.round_id != round_.id or not rules.is_panel_bid(session, round_, bid.id):
        raise DomainError("This bid is not with the panel.")
    reason = scoring_not_open_reason(round_, now)
    if reason is not None:
        raise DomainError(reason + " Nothing was saved.")
    lock_seat(session, seat)
    made = record_own_group_recusals(session, round_=round_, user_id=user.id)
    if rules.has_undeclared_bids(session, round_, user.id):
        raise DomainError("Say whether you have a conflict with every bid before you score any of them.")
    if rules.is_recused(session, round_.id, user.id, bid.id):
        raise DomainError("You have declared a conflict with this bid, so you cannot score it.")
    _check_entries(round_, entries)

    existing = {
        s.criterion_id: s
        for s in session.scalars(sa.select(Score).where(Score.user_id == user.id, Score.bid_id == bid.id))
    }
    given = changed = 0
    for criterion in round_.criteria:
        entry = entries[criterion.id]
        value, comment = int(entry.value or 0), entry.comment.strip()
        score = existing.get(criterion.id)
        if score is not None and score.value == value and score.comment == comment:
            continue
        new = score is None
        if score is None:
            score = Score(round_id=round_.id, user_id=user.id, bid_id=bid.id, criterion_id=criterion.id)
            session.add(score)
        score.value = value
        score.comment = comment
        session.flush()
        record_event(
            session,
            "score.given" if new else "score.changed",
            by=user,
            role=PANELLIST,
            about=score,
            facts={"round_id": round_.id, "bid_id": bid.id, "criterion_id": criterion.id, "value": value},
        )
        if new:
            given += 1
        else:
            changed += 1
    return ScoreResult(given, changed, made)
