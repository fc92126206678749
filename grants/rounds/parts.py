"""A round's questions and scoring criteria: what every bid answers, and what the panel scores it against.

Both are fixed once a group has submitted a bid (every bid must answer the same questions and be scored against
the same criteria), and frozen with the rest of the settings once the round is decided. The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Criterion, Question, Round, User
from grants.rounds import queries
from grants.rounds.settings import check_not_frozen, log_round_event, number_problem, raise_all, text_problem
from grants.text import MAX_WORD_LIMIT

MIN_QUESTIONS = 3
MAX_QUESTIONS = 6
MAX_CRITERIA = 6

LOCKED_MESSAGE = (
    "Questions and criteria cannot change now: a group has already submitted a bid to this round, and every bid "
    "must answer the same questions and be scored against the same criteria."
)


def questions_locked(session: DbSession, round_: Round) -> bool:
    """Questions and criteria are fixed once any bid in the round has been submitted."""
    return queries.has_submitted_bids(session, round_.id)


def _check_editable_parts(session: DbSession, round_: Round, field: str) -> None:
    check_not_frozen(round_)
    if questions_locked(session, round_):
        raise DomainError(LOCKED_MESSAGE, field)


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


def _replace_and_log(
    session: DbSession,
    *,
    round: Round,
    actor: User,
    part: str,
    make: type[Any],
    wanted: list[tuple[int | None, dict[str, Any]]],
    facts: Callable[[list[Any]], dict[str, Any]],
) -> None:
    """Replace the round's questions or criteria (`part`) with those wanted; log it only if something changed."""
    existing = list(getattr(round, part))
    names = list(wanted[0][1]) if wanted else []

    def snapshot(children: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [(child.id, *(getattr(child, name) for name in names)) for child in children]

    before = snapshot(existing)
    result = _replace_children(session, existing, wanted, make, round)
    session.expire(round, [part])
    if before != snapshot(result):
        log_round_event(session, "round.updated", round=round, actor=actor, facts={"part": part, **facts(result)})


def _removed_ids(existing: Sequence[Any], given: Sequence[QuestionInput] | Sequence[CriterionInput]) -> list[int]:
    """The ids of the round's rows that are not among those given."""
    kept = {item.id for item in given}
    return [child.id for child in existing if child.id not in kept]


def set_questions(session: DbSession, *, round: Round, actor: User, questions: Sequence[QuestionInput]) -> None:
    """Replace the round's questions (3 to 6) with those given, in that order."""
    _check_editable_parts(session, round, "questions")
    problems: list[DomainError | None] = []
    for i, q in enumerate(questions):
        field = f"questions.{i}"
        problems += [
            text_problem(
                q.prompt.strip(),
                f"{field}.prompt",
                300,
                missing="Enter the question",
                too_long="The question must be 300 characters or fewer",
            ),
            text_problem(
                q.help_text,
                f"{field}.help_text",
                2000,
                missing=None,
                too_long="Help text must be 2,000 characters or fewer",
            ),
            number_problem(
                q.word_limit,
                f"{field}.word_limit",
                1,
                MAX_WORD_LIMIT,
                missing="Enter a word limit, like 150",
                out_of_range=f"The word limit must be between 1 and {MAX_WORD_LIMIT:,}",
            ),
        ]
    if len(questions) < MIN_QUESTIONS:
        problems.append(DomainError(f"Add at least {MIN_QUESTIONS} questions", "questions"))
    elif len(questions) > MAX_QUESTIONS:
        problems.append(DomainError(f"A round can have no more than {MAX_QUESTIONS} questions", "questions"))
    removed = _removed_ids(round.questions, questions)
    if queries.answered_question_ids(session, removed):
        problems.append(
            DomainError(
                "A question that groups have started answering cannot be removed. You can change its wording",
                "questions",
            )
        )
    raise_all(problems)

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
    _replace_and_log(
        session,
        round=round,
        actor=actor,
        part="questions",
        make=Question,
        wanted=wanted,
        facts=lambda result: {
            "questions": [{"id": q.id, "word_limit": q.word_limit, "required": q.required} for q in result],
            "removed": removed,
        },
    )


def set_criteria(session: DbSession, *, round: Round, actor: User, criteria: Sequence[CriterionInput]) -> None:
    """Replace the round's scoring criteria (at least one, each weighted 1 to 10) with those given."""
    _check_editable_parts(session, round, "criteria")
    problems: list[DomainError | None] = []
    for i, c in enumerate(criteria):
        field = f"criteria.{i}"
        problems += [
            text_problem(
                c.name.strip(),
                f"{field}.name",
                120,
                missing="Enter the criterion's name",
                too_long="The name must be 120 characters or fewer",
            ),
            text_problem(
                c.guidance,
                f"{field}.guidance",
                2000,
                missing=None,
                too_long="Guidance must be 2,000 characters or fewer",
            ),
            number_problem(
                c.weight,
                f"{field}.weight",
                1,
                10,
                missing="Enter a weight from 1 to 10",
                out_of_range="The weight must be from 1 to 10",
            ),
        ]
    if not criteria:
        problems.append(DomainError("Add at least one criterion", "criteria"))
    elif len(criteria) > MAX_CRITERIA:
        problems.append(DomainError(f"A round can have no more than {MAX_CRITERIA} criteria", "criteria"))
    raise_all(problems)

    removed = _removed_ids(round.criteria, criteria)
    wanted = [(c.id, {"name": c.name.strip(), "guidance": c.guidance.strip(), "weight": c.weight}) for c in criteria]
    _replace_and_log(
        session,
        round=round,
        actor=actor,
        part="criteria",
        make=Criterion,
        wanted=wanted,
        facts=lambda result: {"criteria": [{"id": c.id, "weight": c.weight} for c in result], "removed": removed},
    )
