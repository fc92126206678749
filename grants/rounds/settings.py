"""A round's settings: its details (title, code, text, money and times) and how its panel decides.

Staff change them while the round is being set up and run; once the round is decided they are frozen. Every
change writes an audit event in the same transaction, with ids, codes, amounts, times and statuses only. The
caller commits. The questions and criteria are in parts.py; moving the round through its stages in services.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Funder, Role, Round, RoundStatus, User, VotingMethod
from grants.money import format_pounds
from grants.rounds import queries
from grants.timefmt import london_time

MAX_QUORUM = 50
MAX_BUDGET_PENCE = 10_000_000_00  # well inside a 32-bit integer column
MAX_CODE_OF_CONDUCT = 10_000
CODE_PATTERN = re.compile(r"[A-Z0-9]{2,10}")
METHODS_WITH_APPROVAL_LIMIT = frozenset({VotingMethod.APPROVAL, VotingMethod.EQUAL_SHARES})
METHODS_WITH_RANKED_LIMIT = frozenset({VotingMethod.RANKED})
STAFF = Role.STAFF.value


class RoundProblems(DomainError):
    """Every problem found at once with what staff typed into one page of a round's settings.

    It reads as its first problem; `problems` holds them all, so the page shows each next to its field. A field
    is a form field ("budget", "closes_at"), "questions" or "criteria" for a list as a whole, or
    "questions.2.word_limit" for one item of the list given (0-based).
    """

    def __init__(self, problems: Sequence[DomainError]) -> None:
        first = problems[0]
        # An item of a list ("criteria.0.weight") belongs by that item, and also by the list as the form names it.
        super().__init__(first.message, [*first.fields, *(f.partition(".")[0] for f in first.fields if "." in f)])
        self.problems = list(problems)


def raise_all(problems: Iterable[DomainError | None]) -> None:
    """Refuse with every problem found (None is a check that found nothing), if there are any."""
    found = [problem for problem in problems if problem is not None]
    if found:
        raise RoundProblems(found)


def time_fact(value: datetime | None) -> str | None:
    """A time as the audit chain records it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def check_not_frozen(round_: Round) -> None:
    """Refuse any change to the settings of a round that has been decided."""
    reason = frozen_reason(round_)
    if reason is not None:
        raise DomainError(reason)


def frozen_reason(round_: Round) -> str | None:
    """Why the round's settings cannot change, or None when they can."""
    if not round_.is_decided:
        return None
    return (
        f"This round has reached the {round_.status.label.lower()} stage, so its settings are frozen. To change "
        "them, first move the round back to voting (reopening it), giving a reason."
    )


def text_problem(text: str, field: str, limit: int, *, missing: str | None, too_long: str) -> DomainError | None:
    """What is wrong with a piece of typed text: nothing typed (when it is needed) or more than `limit` characters."""
    if missing is not None and not text.strip():
        return DomainError(missing, field)
    if len(text) > limit:
        return DomainError(too_long, field)
    return None


def number_problem(
    value: int | None, field: str, low: int, high: int, *, missing: str, out_of_range: str
) -> DomainError | None:
    """What is wrong with a whole number typed into a setting: none given, or outside low to high."""
    if value is None:
        return DomainError(missing, field)
    if not low <= value <= high:
        return DomainError(out_of_range, field)
    return None


def log_round_event(session: DbSession, action: str, *, round: Round, actor: User, facts: dict[str, Any]) -> None:
    """Record what staff did to the round in the audit chain."""
    record_event(session, action, by=actor, role=STAFF, about=round, facts=facts)


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
    facts_now = {"part": part, "changed": changed, **facts(round)}
    log_round_event(session, "round.updated", round=round, actor=actor, facts=facts_now)


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


def _details_problems(
    session: DbSession, *, funder_id: int, details: RoundDetails, round_: Round | None
) -> list[DomainError | None]:
    problems: list[DomainError | None] = []
    for field, value, label, limit in (
        ("title", details.title, "The title", 200),
        ("summary", details.summary, "The summary", 5000),
        ("who_can_apply", details.who_can_apply, "Who can apply", 5000),
    ):
        missing, too_long = f"Enter {label[0].lower() + label[1:]}", f"{label} must be {limit:,} characters or fewer"
        problems.append(text_problem(value, field, limit, missing=missing, too_long=too_long))

    code = details.code
    if not CODE_PATTERN.fullmatch(code):
        problems.append(DomainError("Enter a code of 2 to 10 letters or numbers, like RSS27", "code"))
    else:
        clash = sa.select(Round.id).where(Round.funder_id == funder_id, Round.code == code)
        if round_ is not None:
            clash = clash.where(Round.id != round_.id)
        if session.scalar(clash) is not None:
            problems.append(DomainError(f"Another of your rounds already uses the code {code}. Choose another", "code"))
        elif round_ is not None and code != round_.code and queries.has_bids(session, round_.id):
            problems.append(
                DomainError(f"The code cannot change now: bids already have references like {round_.code}-0001", "code")
            )

    budget, smallest, largest = details.budget_pence, details.min_grant_pence, details.max_grant_pence
    if budget <= 0:
        problems.append(DomainError("The budget must be more than £0", "budget"))
    elif budget > MAX_BUDGET_PENCE:
        problems.append(DomainError(f"The budget must be {format_pounds(MAX_BUDGET_PENCE)} or less", "budget"))
    if smallest <= 0:
        problems.append(DomainError("The smallest grant must be more than £0", "min_grant"))
    if largest < smallest:
        problems.append(
            DomainError("The largest grant must be the same as or more than the smallest grant", "max_grant")
        )
    elif 0 < budget <= MAX_BUDGET_PENCE and largest > budget:
        problems.append(
            DomainError(f"The largest grant must be no more than the budget ({format_pounds(budget)})", "max_grant")
        )

    if details.closes_at <= details.opens_at:
        problems.append(DomainError("The closing date and time must be after the opening date and time", "closes_at"))
    elif round_ is not None and round_.scoring_closes_at is not None and details.closes_at >= round_.scoring_closes_at:
        problems.append(
            DomainError(
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
        "opens_at": time_fact(round_.opens_at),
        "closes_at": time_fact(round_.closes_at),
    }


def create_round(session: DbSession, *, funder: Funder, actor: User, details: RoundDetails) -> Round:
    """Create a draft round for a funder. Questions, criteria and the panel's settings are added next."""
    details = _clean(details)
    raise_all(_details_problems(session, funder_id=funder.id, details=details, round_=None))
    round_ = Round(
        funder_id=funder.id,
        status=RoundStatus.DRAFT,
        voting_method=VotingMethod.SCORES,
        quorum=3,
        **_details_values(details),
    )
    session.add(round_)
    session.flush()
    facts = {"funder_id": funder.id, "status": round_.status.value, **_details_facts(round_)}
    log_round_event(session, "round.created", round=round_, actor=actor, facts=facts)
    return round_


def update_details(session: DbSession, *, round: Round, actor: User, details: RoundDetails) -> None:
    """Change a round's title, code, text, money and times."""
    check_not_frozen(round)
    details = _clean(details)
    raise_all(_details_problems(session, funder_id=round.funder_id, details=details, round_=round))
    _apply_changes(
        session, round=round, actor=actor, part="details", values=_details_values(details), facts=_details_facts
    )


def _clean(details: RoundDetails) -> RoundDetails:
    return replace(
        details,
        title=details.title.strip(),
        code=normalise_code(details.code),
        summary=details.summary.strip(),
        who_can_apply=details.who_can_apply.strip(),
        opens_at=details.opens_at.astimezone(UTC),
        closes_at=details.closes_at.astimezone(UTC),
    )


def _details_values(details: RoundDetails) -> dict[str, Any]:
    return asdict(details)


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


def method_locked(round_: Round) -> bool:
    """The voting method (and K or N) is fixed once voting has begun: ballots are cast under it."""
    return round_.status.at_least(RoundStatus.VOTING)


def set_panel_and_voting(session: DbSession, *, round: Round, actor: User, settings: PanelSettings) -> None:
    """Set the voting method (with K or N where it needs one), the quorum and the panel's timetable."""
    check_not_frozen(round)
    problems: list[DomainError | None] = []
    method = settings.voting_method
    approval_limit = settings.approval_limit if method in METHODS_WITH_APPROVAL_LIMIT else None
    ranked_limit = settings.ranked_limit if method in METHODS_WITH_RANKED_LIMIT else None
    if method_locked(round) and (method, approval_limit, ranked_limit) != (
        round.voting_method,
        round.approval_limit,
        round.ranked_limit,
    ):
        problems.append(DomainError("The voting method cannot change once voting has begun", "voting_method"))
    for methods, limit, field, verb, example in (
        (METHODS_WITH_APPROVAL_LIMIT, approval_limit, "approval_limit", "pick", 3),
        (METHODS_WITH_RANKED_LIMIT, ranked_limit, "ranked_limit", "rank", 5),
    ):
        if method not in methods:
            continue
        problems.append(
            number_problem(
                limit,
                field,
                1,
                100,
                missing=f"Enter how many bids each panellist can {verb}, like {example}",
                out_of_range=f"The number of bids each panellist can {verb} must be from 1 to 100",
            )
        )
    problems.append(
        number_problem(
            settings.quorum,
            "quorum",
            1,
            MAX_QUORUM,
            missing="Enter the quorum, like 3",
            out_of_range=f"The quorum must be from 1 to {MAX_QUORUM}",
        )
    )

    scoring, voting = settings.scoring_closes_at, settings.voting_closes_at
    if scoring is not None and scoring <= round.closes_at:
        problems.append(
            DomainError(
                f"Scoring must close after the round closes for bids ({london_time(round.closes_at)})",
                "scoring_closes_at",
            )
        )
    if voting is not None:
        if scoring is None:
            problems.append(DomainError("Enter when scoring closes, before voting closes", "scoring_closes_at"))
        elif voting <= scoring:
            problems.append(DomainError("Voting must close after scoring closes", "voting_closes_at"))
    problems.append(
        text_problem(
            settings.code_of_conduct,
            "code_of_conduct",
            MAX_CODE_OF_CONDUCT,
            missing=None,
            too_long=f"Keep the code of conduct to {MAX_CODE_OF_CONDUCT:,} characters or fewer",
        )
    )
    raise_all(problems)

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
        "scoring_closes_at": time_fact(round_.scoring_closes_at),
        "voting_closes_at": time_fact(round_.voting_closes_at),
    }
