"""Moving a round through its stages: the one table of moves, what each move needs, and the move itself.

Forwards one step at a time, or back one step (reopening) with a written reason; every move is logged. The caller
commits. The round's settings are in settings.py (details, panel and voting) and parts.py (questions, criteria).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from grants.audit.chain import MAX_FACT_STRING
from grants.audit.checkpoints import milestones_for_move, record_checkpoint
from grants.auth.permissions.duties import conflicted_in_decision
from grants.database import DbSession
from grants.domain import StateTransitionError
from grants.models import Ratification, Round, RoundStatus, User
from grants.rounds.parts import MAX_QUESTIONS, MIN_QUESTIONS
from grants.rounds.settings import METHODS_WITH_APPROVAL_LIMIT, METHODS_WITH_RANKED_LIMIT, log_round_event


class MoveKind(enum.StrEnum):
    FORWARD = "forward"
    REOPEN = "reopen"  # a move backwards: needs a written reason, which is logged


S = RoundStatus
# Every move a round can make, and the only place that says so: forwards one step at a time, or back one step
# (reopening) with a reason. A draft round cannot go back to draft once it has been open: groups may have seen it.
MOVES: dict[tuple[RoundStatus, RoundStatus], MoveKind] = {
    (S.DRAFT, S.OPEN): MoveKind.FORWARD,
    (S.OPEN, S.CLOSED): MoveKind.FORWARD,
    (S.CLOSED, S.SCREENING): MoveKind.FORWARD,
    (S.SCREENING, S.SCORING): MoveKind.FORWARD,
    (S.SCORING, S.VOTING): MoveKind.FORWARD,
    (S.VOTING, S.DECIDED): MoveKind.FORWARD,
    (S.DECIDED, S.AWARDING): MoveKind.FORWARD,
    (S.AWARDING, S.COMPLETE): MoveKind.FORWARD,
    (S.CLOSED, S.OPEN): MoveKind.REOPEN,
    (S.SCREENING, S.CLOSED): MoveKind.REOPEN,
    (S.SCORING, S.SCREENING): MoveKind.REOPEN,
    (S.VOTING, S.SCORING): MoveKind.REOPEN,
    (S.DECIDED, S.VOTING): MoveKind.REOPEN,
    (S.AWARDING, S.DECIDED): MoveKind.REOPEN,
    (S.COMPLETE, S.AWARDING): MoveKind.REOPEN,
}
del S


def moves_from(status: RoundStatus) -> list[tuple[RoundStatus, MoveKind]]:
    """The moves a round in this status can make: the next step first, then any reopening."""
    moves = [(to, kind) for (frm, to), kind in MOVES.items() if frm == status]
    return sorted(moves, key=lambda m: m[1] != MoveKind.FORWARD)


def move_problems(session: DbSession, *, round: Round, to: RoundStatus, now: datetime) -> list[str]:
    """What must be put right before the round can move to `to` at `now` (empty when it can)."""
    problems: list[str] = []
    if to == RoundStatus.OPEN:
        problems.extend(m.text for m in missing_for_opening(round, now=now))
    elif to == RoundStatus.SCORING and round.scoring_closes_at is None:
        problems.append("Set when scoring closes, on the panel and voting page")
    elif to == RoundStatus.VOTING and round.voting_closes_at is None:
        problems.append("Set when voting closes, on the panel and voting page")
    return problems


class Missing(NamedTuple):
    """Something a round needs before it can open, and the part of its settings where it is put right."""

    text: str
    part: str  # "details", "questions", "criteria" or "voting"


def missing_for_opening(round_: Round, *, now: datetime) -> list[Missing]:
    """What a round still needs, at `now`, before groups can apply to it (empty when it is complete)."""
    missing: list[Missing] = []
    count = len(round_.questions)
    if count < MIN_QUESTIONS:
        missing.append(Missing(f"Add at least {MIN_QUESTIONS} questions (it has {count})", "questions"))
    elif count > MAX_QUESTIONS:
        missing.append(
            Missing(f"Remove questions: a round can have no more than {MAX_QUESTIONS} (it has {count})", "questions")
        )
    if not round_.criteria:
        missing.append(Missing("Add at least one scoring criterion", "criteria"))
    if round_.voting_method in METHODS_WITH_APPROVAL_LIMIT and round_.approval_limit is None:
        missing.append(Missing("Set how many bids each panellist can pick", "voting"))
    if round_.voting_method in METHODS_WITH_RANKED_LIMIT and round_.ranked_limit is None:
        missing.append(Missing("Set how many bids each panellist can rank", "voting"))
    if round_.closes_at <= now:
        missing.append(Missing("The closing time has passed: set a later closing time", "details"))
    return missing


def end_ratification(
    session: DbSession, *, round: Round, actor: User, reason: str, now: datetime
) -> Ratification | None:
    """End the round's ratification in force (kept, marked undone at `now`), logged with the reason; None if there is
    none."""
    ratification = session.scalar(
        sa.select(Ratification).where(Ratification.round_id == round.id, Ratification.undone_at.is_(None))
    )
    if ratification is None:
        return None
    ratification.undone_at = now
    session.flush()
    facts = {"round_id": round.id, "ratification_id": ratification.id, "reason": reason[:MAX_FACT_STRING]}
    log_round_event(session, "decision.undone", round=round, actor=actor, facts=facts)
    return ratification


REOPEN_NEEDS_SECOND_PERSON = (
    'Reopening a decided round needs a second member of staff: propose it with its reason under "Reopen the vote"'
    " on the tally page, and a colleague confirms it"
)
REOPEN_CONFLICTED = "You have a conflict with a bid in this round, so another member of staff must reopen it"


def _check_reopening_hands(round_: Round, *, actor: User, confirmed: bool) -> None:
    """Reopening a decided round undoes its decision: never by someone conflicted on it, and by two people where
    the funder asks for two (`confirmed`: the tally page's confirmation of a colleague's proposal)."""
    if conflicted_in_decision(actor, round_):
        raise StateTransitionError(REOPEN_CONFLICTED, "reason")
    if round_.funder.two_person_decisions and not confirmed:
        raise StateTransitionError(REOPEN_NEEDS_SECOND_PERSON, "reason")


def change_status(
    session: DbSession,
    *,
    round: Round,
    to: RoundStatus,
    actor: User,
    reason: str | None = None,
    expected_from: RoundStatus | None = None,
    now: datetime,
    confirmed: bool = False,
) -> None:
    """Move a round one step on, or back (reopening) with a written reason, at `now`; both are logged.

    `expected_from` is the status the person saw when they chose the move: if someone else has moved the round
    since, nothing happens and they are told. Services of other areas that move a round as part of their own work
    pass on their own `now`.
    """
    session.refresh(round, with_for_update=True)  # two staff pressing at once: the second sees the first's move
    frm = round.status
    if expected_from is not None and frm != expected_from:
        raise StateTransitionError(f"Someone has just moved this round to {frm.label.lower()}. Check it and try again")
    kind = MOVES.get((frm, to))
    if kind is None:
        raise StateTransitionError(f"A round cannot move from {frm.label.lower()} to {to.label.lower()}")
    reason = (reason or "").strip()
    if kind == MoveKind.REOPEN:
        if not reason:
            raise StateTransitionError("Enter why you are reopening the round", "reason")
        if len(reason) > MAX_FACT_STRING:
            raise StateTransitionError(f"The reason must be {MAX_FACT_STRING} characters or fewer", "reason")
    if frm == RoundStatus.DECIDED and to == RoundStatus.VOTING:
        _check_reopening_hands(round, actor=actor, confirmed=confirmed)
    problems = move_problems(session, round=round, to=to, now=now)
    if problems:
        raise StateTransitionError(problems[0])
    facts: dict[str, Any] = {"from": frm.value, "to": to.value}
    if kind == MoveKind.REOPEN:
        facts["reason"] = reason
    if to == RoundStatus.CLOSED and frm == RoundStatus.OPEN and now < round.closes_at:
        facts["closed_early"] = True
    round.status = to
    session.flush()
    log_round_event(session, "round.status_changed", round=round, actor=actor, facts=facts)
    for milestone in milestones_for_move(frm, to):
        record_checkpoint(session, round=round, milestone=milestone)
    if frm == RoundStatus.DECIDED and to == RoundStatus.VOTING:
        # Reopening the vote ends the decision in force, however the round was moved back.
        end_ratification(session, round=round, actor=actor, reason=reason, now=now)
