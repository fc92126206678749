"""Setting up and running rounds: the rules, with no Flask routing. The caller commits.

Every change writes an audit event in the same transaction, with ids, codes, amounts, times and statuses only.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from grants.audit.chain import MAX_FACT_STRING, record_event
from grants.audit.checkpoints import milestones_for_move, record_checkpoint
from grants.database import DbSession
from grants.models import (
    Criterion,
    Funder,
    Question,
    Ratification,
    Role,
    Round,
    RoundStatus,
    User,
    VotingMethod,
    utcnow,
)
from grants.money import format_pounds
from grants.rounds import queries
from grants.timefmt import london_time

MIN_QUESTIONS = 3
MAX_QUESTIONS = 6
MAX_CRITERIA = 6
MAX_WORD_LIMIT = 1000
MAX_QUORUM = 50
MAX_BUDGET_PENCE = 10_000_000_00  # well inside a 32-bit integer column
CODE_PATTERN = re.compile(r"[A-Z0-9]{2,10}")
METHODS_WITH_APPROVAL_LIMIT = frozenset({VotingMethod.APPROVAL, VotingMethod.EQUAL_SHARES})
METHODS_WITH_RANKED_LIMIT = frozenset({VotingMethod.RANKED})
STAFF = Role.STAFF.value


class RoundError(Exception):
    """A rule about rounds was broken.

    `field` names what the message belongs next to: a form field ("budget", "closes_at"), "questions" or
    "criteria" for the list as a whole, or "questions.2.word_limit" for one item of the list given (0-based).
    `problems` holds this error and any others found at the same time, so a page can show them all at once.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems: list[RoundError] = [self]


class StateTransitionError(RoundError):
    """A move between round statuses that the table of moves does not allow, or whose conditions are unmet."""


def _raise_all(problems: list[RoundError]) -> None:
    if problems:
        first = problems[0]
        first.problems = problems
        raise first


def _time_fact(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


# --- the round's details ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundDetails:
    """What the "Round details" page asks for. Money in pennies, times timezone-aware."""

    title: str
    code: str
    summary: str
    who_can_apply: str
    budget_pence: int
    min_grant_pence: int
    max_grant_pence: int
    opens_at: datetime
    closes_at: datetime


def normalise_code(code: str) -> str:
    return re.sub(r"\s+", "", code).upper()


def frozen_reason(round_: Round) -> str | None:
    """Why the round's settings cannot change, or None when they can."""
    if not round_.is_decided:
        return None
    return (
        f"This round has reached the {round_.status.label.lower()} stage, so its settings are frozen. To change "
        "them, first move the round back to voting (reopening it), giving a reason."
    )


def _check_not_frozen(round_: Round) -> None:
    reason = frozen_reason(round_)
    if reason is not None:
        raise RoundError(reason, None)


def _details_problems(
    session: DbSession, *, funder_id: int, details: RoundDetails, round_: Round | None
) -> list[RoundError]:
    problems: list[RoundError] = []
    for field, value, label, limit in (
        ("title", details.title, "The title", 200),
        ("summary", details.summary, "The summary", 5000),
        ("who_can_apply", details.who_can_apply, "Who can apply", 5000),
    ):
        if not value.strip():
            problems.append(RoundError(f"Enter {label[0].lower() + label[1:]}", field))
        elif len(value) > limit:
            problems.append(RoundError(f"{label} must be {limit:,} characters or fewer", field))

    code = details.code
    if not CODE_PATTERN.fullmatch(code):
        problems.append(RoundError("Enter a code of 2 to 10 letters or numbers, like RSS27", "code"))
    else:
        clash = sa.select(Round.id).where(Round.funder_id == funder_id, Round.code == code)
        if round_ is not None:
            clash = clash.where(Round.id != round_.id)
        if session.scalar(clash) is not None:
            problems.append(RoundError(f"Another of your rounds already uses the code {code}. Choose another", "code"))
        elif round_ is not None and code != round_.code and queries.has_bids(session, round_.id):
            problems.append(
                RoundError(f"The code cannot change now: bids already have references like {round_.code}-0001", "code")
            )

    budget, smallest, largest = details.budget_pence, details.min_grant_pence, details.max_grant_pence
    if budget <= 0:
        problems.append(RoundError("The budget must be more than £0", "budget"))
    elif budget > MAX_BUDGET_PENCE:
        problems.append(RoundError(f"The budget must be {format_pounds(MAX_BUDGET_PENCE)} or less", "budget"))
    if smallest <= 0:
        problems.append(RoundError("The smallest grant must be more than £0", "min_grant"))
    if largest < smallest:
        problems.append(
            RoundError("The largest grant must be the same as or more than the smallest grant", "max_grant")
        )
    elif 0 < budget <= MAX_BUDGET_PENCE and largest > budget:
        problems.append(
            RoundError(f"The largest grant must be no more than the budget ({format_pounds(budget)})", "max_grant")
        )

    if details.closes_at <= details.opens_at:
        problems.append(RoundError("The closing date and time must be after the opening date and time", "closes_at"))
    elif round_ is not None and round_.scoring_closes_at is not None and details.closes_at >= round_.scoring_closes_at:
        problems.append(
            RoundError(
                "The round must close for bids before scoring closes "
                f"({london_time(round_.scoring_closes_at)}). Change the panel timetable first",
                "closes_at",
            )
        )
    return problems


def _details_facts(round_: Round) -> dict[str, Any]:
    return {
        "code": round_.code,
        "budget_pence": round_.budget_pence,
        "min_grant_pence": round_.min_grant_pence,
        "max_grant_pence": round_.max_grant_pence,
        "opens_at": _time_fact(round_.opens_at),
        "closes_at": _time_fact(round_.closes_at),
    }


def create_round(session: DbSession, *, funder: Funder, actor: User, details: RoundDetails) -> Round:
    """Create a draft round for a funder. Questions, criteria and the panel's settings are added next."""
    details = _clean(details)
    _raise_all(_details_problems(session, funder_id=funder.id, details=details, round_=None))
    round_ = Round(
        funder_id=funder.id,
        status=RoundStatus.DRAFT,
        voting_method=VotingMethod.SCORES,
        quorum=3,
        **_details_values(details),
    )
    session.add(round_)
    session.flush()
    record_event(
        session,
        "round.created",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="round",
        object_id=round_.id,
        facts={"funder_id": funder.id, "status": round_.status.value, **_details_facts(round_)},
    )
    return round_


def update_details(session: DbSession, *, round: Round, actor: User, details: RoundDetails) -> None:
    """Change a round's title, code, text, money and times."""
    _check_not_frozen(round)
    details = _clean(details)
    _raise_all(_details_problems(session, funder_id=round.funder_id, details=details, round_=round))
    _apply_changes(
        session, round=round, actor=actor, part="details", values=_details_values(details), facts=_details_facts
    )


def _apply_changes(
    session: DbSession,
    *,
    round: Round,
    actor: User,
    part: str,
    values: dict[str, Any],
    facts: Callable[[Round], dict[str, Any]],
) -> None:
    """Set the round's values that changed and log which, with the facts of the part's new state; no-op if none."""
    changed = sorted(name for name, value in values.items() if getattr(round, name) != value)
    if not changed:
        return
    for name, value in values.items():
        setattr(round, name, value)
    session.flush()
    record_event(
        session,
        "round.updated",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="round",
        object_id=round.id,
        facts={"part": part, "changed": changed, **facts(round)},
    )


def _clean(details: RoundDetails) -> RoundDetails:
    return RoundDetails(
        title=details.title.strip(),
        code=normalise_code(details.code),
        summary=details.summary.strip(),
        who_can_apply=details.who_can_apply.strip(),
        budget_pence=details.budget_pence,
        min_grant_pence=details.min_grant_pence,
        max_grant_pence=details.max_grant_pence,
        opens_at=details.opens_at.astimezone(UTC),
        closes_at=details.closes_at.astimezone(UTC),
    )


def _details_values(details: RoundDetails) -> dict[str, Any]:
    return {
        "title": details.title,
        "code": details.code,
        "summary": details.summary,
        "who_can_apply": details.who_can_apply,
        "budget_pence": details.budget_pence,
        "min_grant_pence": details.min_grant_pence,
        "max_grant_pence": details.max_grant_pence,
        "opens_at": details.opens_at,
        "closes_at": details.closes_at,
    }


# --- questions and criteria -------------------------------------------------------------------------------------

LOCKED_MESSAGE = (
    "Questions and criteria cannot change now: a group has already submitted a bid to this round, and every bid "
    "must answer the same questions and be scored against the same criteria."
)


def questions_locked(session: DbSession, round_: Round) -> bool:
    """Questions and criteria are fixed once any bid in the round has been submitted."""
    return queries.has_submitted_bids(session, round_.id)


def _check_editable_parts(session: DbSession, round_: Round, field: str) -> None:
    _check_not_frozen(round_)
    if questions_locked(session, round_):
        raise RoundError(LOCKED_MESSAGE, field)


@dataclass(frozen=True)
class QuestionInput:
    """One question as staff typed it. `id` names an existing question to change; None adds a new one."""

    prompt: str
    help_text: str = ""
    word_limit: int | None = None
    required: bool = True
    id: int | None = None


@dataclass(frozen=True)
class CriterionInput:
    """One criterion as staff typed it. `id` names an existing criterion to change; None adds a new one."""

    name: str
    guidance: str = ""
    weight: int | None = None
    id: int | None = None


def _replace_children(
    session: DbSession,
    existing: Sequence[Any],
    wanted: list[tuple[int | None, dict[str, Any]]],
    make: type[Any],
    round_: Round,
) -> list[Any]:
    """Update kept rows in place, add new ones and delete the rest, renumbering positions 1, 2, 3...

    Positions are unique per round, so kept rows are first moved out of the way (negative positions) and the
    removed rows deleted, before the final numbering is written.
    """
    by_id = {child.id: child for child in existing}
    wanted_ids: list[int | None] = []
    for child_id, _ in wanted:  # an id given twice (or not this round's) keeps its row once; others are new
        wanted_ids.append(child_id if child_id in by_id and child_id not in wanted_ids else None)
    kept_ids = {child_id for child_id in wanted_ids if child_id is not None}
    for child in existing:
        if child.id not in kept_ids:
            session.delete(child)
    session.flush()
    for child in existing:
        if child.id in kept_ids:
            child.position = -child.position - 1000
    session.flush()
    result = []
    for position, (child_id, (_, values)) in enumerate(zip(wanted_ids, wanted, strict=True), start=1):
        child = by_id[child_id] if child_id is not None else None
        if child is None:
            child = make(round_id=round_.id, position=position, **values)
            session.add(child)
        else:
            child.position = position
            for name, value in values.items():
                setattr(child, name, value)
        result.append(child)
    session.flush()
    return result


def set_questions(session: DbSession, *, round: Round, actor: User, questions: Sequence[QuestionInput]) -> None:
    """Replace the round's questions (3 to 6) with those given, in that order."""
    _check_editable_parts(session, round, "questions")
    problems: list[RoundError] = []
    for i, q in enumerate(questions):
        if not q.prompt.strip():
            problems.append(RoundError("Enter the question", f"questions.{i}.prompt"))
        elif len(q.prompt.strip()) > 300:
            problems.append(RoundError("The question must be 300 characters or fewer", f"questions.{i}.prompt"))
        if len(q.help_text) > 2000:
            problems.append(RoundError("Help text must be 2,000 characters or fewer", f"questions.{i}.help_text"))
        if q.word_limit is None:
            problems.append(RoundError("Enter a word limit, like 150", f"questions.{i}.word_limit"))
        elif not 1 <= q.word_limit <= MAX_WORD_LIMIT:
            problems.append(
                RoundError(f"The word limit must be between 1 and {MAX_WORD_LIMIT:,}", f"questions.{i}.word_limit")
            )
    if len(questions) < MIN_QUESTIONS:
        problems.append(RoundError(f"Add at least {MIN_QUESTIONS} questions", "questions"))
    elif len(questions) > MAX_QUESTIONS:
        problems.append(RoundError(f"A round can have no more than {MAX_QUESTIONS} questions", "questions"))

    existing = list(round.questions)
    existing_ids = {q.id for q in existing}
    kept = {q.id for q in questions if q.id in existing_ids}
    removed = [q.id for q in existing if q.id not in kept]
    if queries.answered_question_ids(session, removed):
        problems.append(
            RoundError(
                "A question that groups have started answering cannot be removed. You can change its wording",
                "questions",
            )
        )
    _raise_all(problems)

    queries.delete_answers_to(session, removed)
    wanted = [
        (
            q.id,
            {
                "prompt": q.prompt.strip(),
                "help_text": q.help_text.strip(),
                "word_limit": q.word_limit,
                "required": q.required,
            },
        )
        for q in questions
    ]
    before = [(q.id, q.prompt, q.help_text, q.word_limit, q.required) for q in existing]
    result = _replace_children(session, existing, wanted, Question, round)
    session.expire(round, ["questions"])
    after = [(q.id, q.prompt, q.help_text, q.word_limit, q.required) for q in result]
    if before == after:
        return
    record_event(
        session,
        "round.updated",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="round",
        object_id=round.id,
        facts={
            "part": "questions",
            "questions": [{"id": q.id, "word_limit": q.word_limit, "required": q.required} for q in result],
            "removed": removed,
        },
    )


def set_criteria(session: DbSession, *, round: Round, actor: User, criteria: Sequence[CriterionInput]) -> None:
    """Replace the round's scoring criteria (at least one, each weighted 1 to 10) with those given."""
    _check_editable_parts(session, round, "criteria")
    problems: list[RoundError] = []
    for i, c in enumerate(criteria):
        if not c.name.strip():
            problems.append(RoundError("Enter the criterion's name", f"criteria.{i}.name"))
        elif len(c.name.strip()) > 120:
            problems.append(RoundError("The name must be 120 characters or fewer", f"criteria.{i}.name"))
        if len(c.guidance) > 2000:
            problems.append(RoundError("Guidance must be 2,000 characters or fewer", f"criteria.{i}.guidance"))
        if c.weight is None:
            problems.append(RoundError("Enter a weight from 1 to 10", f"criteria.{i}.weight"))
        elif not 1 <= c.weight <= 10:
            problems.append(RoundError("The weight must be from 1 to 10", f"criteria.{i}.weight"))
    if not criteria:
        problems.append(RoundError("Add at least one criterion", "criteria"))
    elif len(criteria) > MAX_CRITERIA:
        problems.append(RoundError(f"A round can have no more than {MAX_CRITERIA} criteria", "criteria"))
    _raise_all(problems)

    existing = list(round.criteria)
    existing_ids = {c.id for c in existing}
    removed = [c.id for c in existing if c.id not in {x.id for x in criteria if x.id in existing_ids}]
    wanted = [(c.id, {"name": c.name.strip(), "guidance": c.guidance.strip(), "weight": c.weight}) for c in criteria]
    before = [(c.id, c.name, c.guidance, c.weight) for c in existing]
    result = _replace_children(session, existing, wanted, Criterion, round)
    session.expire(round, ["criteria"])
    if before == [(c.id, c.name, c.guidance, c.weight) for c in result]:
        return
    record_event(
        session,
        "round.updated",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="round",
        object_id=round.id,
        facts={"part": "criteria", "criteria": [{"id": c.id, "weight": c.weight} for c in result], "removed": removed},
    )


# --- the panel and the vote -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelSettings:
    """What the "Panel and voting" page asks for. Times are timezone-aware, or None when not yet set."""

    voting_method: VotingMethod
    approval_limit: int | None
    ranked_limit: int | None
    quorum: int | None
    scoring_closes_at: datetime | None
    voting_closes_at: datetime | None
    code_of_conduct: str = ""


MAX_CODE_OF_CONDUCT = 10_000


def method_locked(round_: Round) -> bool:
    """The voting method (and K or N) is fixed once voting has begun: ballots are cast under it."""
    return round_.status.at_least(RoundStatus.VOTING)


def set_panel_and_voting(session: DbSession, *, round: Round, actor: User, settings: PanelSettings) -> None:
    """Set the voting method (with K or N where it needs one), the quorum and the panel's timetable."""
    _check_not_frozen(round)
    problems: list[RoundError] = []
    method = settings.voting_method
    approval_limit = settings.approval_limit if method in METHODS_WITH_APPROVAL_LIMIT else None
    ranked_limit = settings.ranked_limit if method in METHODS_WITH_RANKED_LIMIT else None
    if method_locked(round) and (method, approval_limit, ranked_limit) != (
        round.voting_method,
        round.approval_limit,
        round.ranked_limit,
    ):
        problems.append(RoundError("The voting method cannot change once voting has begun", "voting_method"))
    if method in METHODS_WITH_APPROVAL_LIMIT:
        if approval_limit is None:
            problems.append(RoundError("Enter how many bids each panellist can pick, like 3", "approval_limit"))
        elif not 1 <= approval_limit <= 100:
            problems.append(
                RoundError("The number of bids each panellist can pick must be from 1 to 100", "approval_limit")
            )
    if method in METHODS_WITH_RANKED_LIMIT:
        if ranked_limit is None:
            problems.append(RoundError("Enter how many bids each panellist can rank, like 5", "ranked_limit"))
        elif not 1 <= ranked_limit <= 100:
            problems.append(
                RoundError("The number of bids each panellist can rank must be from 1 to 100", "ranked_limit")
            )
    if settings.quorum is None:
        problems.append(RoundError("Enter the quorum, like 3", "quorum"))
    elif not 1 <= settings.quorum <= MAX_QUORUM:
        problems.append(RoundError(f"The quorum must be from 1 to {MAX_QUORUM}", "quorum"))

    scoring, voting = settings.scoring_closes_at, settings.voting_closes_at
    if scoring is not None and scoring <= round.closes_at:
        problems.append(
            RoundError(
                f"Scoring must close after the round closes for bids ({london_time(round.closes_at)})",
                "scoring_closes_at",
            )
        )
    if voting is not None:
        if scoring is None:
            problems.append(RoundError("Enter when scoring closes, before voting closes", "scoring_closes_at"))
        elif voting <= scoring:
            problems.append(RoundError("Voting must close after scoring closes", "voting_closes_at"))
    if len(settings.code_of_conduct) > MAX_CODE_OF_CONDUCT:
        problems.append(
            RoundError(f"Keep the code of conduct to {MAX_CODE_OF_CONDUCT:,} characters or fewer", "code_of_conduct")
        )
    _raise_all(problems)

    values: dict[str, Any] = {
        "code_of_conduct": settings.code_of_conduct.strip(),
        "voting_method": method,
        "approval_limit": approval_limit,
        "ranked_limit": ranked_limit,
        "quorum": settings.quorum,
        "scoring_closes_at": scoring.astimezone(UTC) if scoring is not None else None,
        "voting_closes_at": voting.astimezone(UTC) if voting is not None else None,
    }
    _apply_changes(session, round=round, actor=actor, part="panel", values=values, facts=_panel_facts)


def _panel_facts(round_: Round) -> dict[str, Any]:
    return {
        "method": round_.voting_method.value,
        "approval_limit": round_.approval_limit,
        "ranked_limit": round_.ranked_limit,
        "quorum": round_.quorum,
        "scoring_closes_at": _time_fact(round_.scoring_closes_at),
        "voting_closes_at": _time_fact(round_.voting_closes_at),
    }


# --- moving through the round's stages -----------------------------------------------------------------------


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


def move_problems(session: DbSession, *, round: Round, to: RoundStatus, now: datetime | None = None) -> list[str]:
    """What must be put right before the round can move to `to` (empty when it can)."""
    now = now or utcnow()
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


def missing_for_opening(round_: Round, *, now: datetime | None = None) -> list[Missing]:
    """What a round still needs before groups can apply to it (empty when it is complete)."""
    now = now or utcnow()
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


def end_ratification(session: DbSession, *, round: Round, actor: User, reason: str) -> Ratification | None:
    """End the round's ratification in force (kept, marked undone), logged with the reason; None if there is none."""
    ratification = session.scalar(
        sa.select(Ratification).where(Ratification.round_id == round.id, Ratification.undone_at.is_(None))
    )
    if ratification is None:
        return None
    ratification.undone_at = utcnow()
    session.flush()
    record_event(
        session,
        "decision.undone",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="round",
        object_id=round.id,
        facts={"round_id": round.id, "ratification_id": ratification.id, "reason": reason[:MAX_FACT_STRING]},
    )
    return ratification


def change_status(
    session: DbSession,
    *,
    round: Round,
    to: RoundStatus,
    actor: User,
    reason: str | None = None,
    expected_from: RoundStatus | None = None,
) -> None:
    """Move a round one step on, or back (reopening) with a written reason; both are logged.

    `expected_from` is the status the person saw when they chose the move: if someone else has moved the round
    since, nothing happens and they are told.
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
    problems = move_problems(session, round=round, to=to)
    if problems:
        raise StateTransitionError(problems[0])
    now = utcnow()
    facts: dict[str, Any] = {"from": frm.value, "to": to.value}
    if kind == MoveKind.REOPEN:
        facts["reason"] = reason
    if to == RoundStatus.CLOSED and frm == RoundStatus.OPEN and now < round.closes_at:
        facts["closed_early"] = True
    round.status = to
    session.flush()
    record_event(
        session,
        "round.status_changed",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="round",
        object_id=round.id,
        facts=facts,
    )
    for milestone in milestones_for_move(frm, to):
        record_checkpoint(session, round=round, milestone=milestone)
    if frm == RoundStatus.DECIDED and to == RoundStatus.VOTING:
        # Reopening the vote ends the decision in force, however the round was moved back.
        end_ratification(session, round=round, actor=actor, reason=reason)
