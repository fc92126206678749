"""Helpers for the round tests: a complete draft round, and the form data the round pages post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from grants.models import Criterion, Funder, Question, Round, RoundStatus, utcnow
from grants.rounds import parts, settings
from tests.support.db import app_session
from tests.support.factories import make_funder, make_round, make_staff

QUESTIONS = [
    parts.QuestionInput(prompt="What do you want to do?", help_text="In your own words.", word_limit=250),
    parts.QuestionInput(prompt="Who will take part?", word_limit=150),
    parts.QuestionInput(prompt="Why does it matter here?", word_limit=150, required=False),
]


def make_complete_round(session: Session, funder: Funder, *, questions: int = 3, **overrides: Any) -> Round:
    """A round with 3 questions (or as many as asked for), one criterion and a panel timetable."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": RoundStatus.DRAFT,
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=14),
        "scoring_closes_at": now + timedelta(days=28),
        "voting_closes_at": now + timedelta(days=35),
    }
    values.update(overrides)
    round_ = make_round(session, funder, **values)
    for child in [*round_.questions, *round_.criteria]:  # the factory's one question and criterion
        session.delete(child)
    session.flush()
    session.expire(round_, ["questions", "criteria"])
    round_.questions = [
        Question(position=i, prompt=f"Question {i}?", help_text="", word_limit=100 + i, required=True)
        for i in range(1, questions + 1)
    ]
    round_.criteria = [Criterion(position=1, name="Local need", guidance="", weight=2)]
    session.flush()
    return round_


def details(**overrides: Any) -> settings.RoundDetails:
    values: dict[str, Any] = {
        "title": "Small Sparks 2027",
        "code": "rss27",
        "summary": "Grants for local groups.",
        "who_can_apply": "Any group of three local people.",
        "budget_pence": 10_000_00,
        "min_grant_pence": 250_00,
        "max_grant_pence": 2_000_00,
        "opens_at": datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        "closes_at": datetime(2026, 7, 1, 11, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return settings.RoundDetails(**values)


def details_form(**overrides: Any) -> dict[str, Any]:
    """What the round details page posts. Dates are three boxes sharing one name (day, month, year)."""
    data: dict[str, Any] = {
        "title": "Small Sparks 2027",
        "code": "RSS27",
        "summary": "Grants for local groups.",
        "who_can_apply": "Any group of three local people.",
        "budget": "£10,000",
        "min_grant": "250",
        "max_grant": "2000.50",
        "opens_at": ["1", "6", "2026"],
        "opens_at_time": "9am",
        "closes_at": ["1", "7", "2026"],
        "closes_at_time": "12:00",
    }
    data.update(overrides)
    return data


def questions_form(rows: list[dict[str, str]], *, total: int = parts.MAX_QUESTIONS) -> dict[str, str]:
    """What the questions page posts: `total` rows, the first filled from `rows`, the rest blank."""
    data: dict[str, str] = {}
    for i in range(total):
        row = rows[i] if i < len(rows) else {}
        data[f"questions-{i}-item_id"] = row.get("item_id", "")
        data[f"questions-{i}-prompt"] = row.get("prompt", "")
        data[f"questions-{i}-help_text"] = row.get("help_text", "")
        data[f"questions-{i}-word_limit"] = row.get("word_limit", "150")
        if row.get("required", "y"):
            data[f"questions-{i}-required"] = "y"
    return data


def criteria_form(rows: list[dict[str, str]], *, total: int = parts.MAX_CRITERIA) -> dict[str, str]:
    data: dict[str, str] = {}
    for i in range(total):
        row = rows[i] if i < len(rows) else {}
        data[f"criteria-{i}-item_id"] = row.get("item_id", "")
        data[f"criteria-{i}-name"] = row.get("name", "")
        data[f"criteria-{i}-guidance"] = row.get("guidance", "")
        data[f"criteria-{i}-weight"] = row.get("weight", "1")
    return data


@dataclass(frozen=True)
class Setting:
    """Ids and emails for a funder with a staff member and a complete draft round, and another funder's staff."""

    funder_id: int
    round_id: int
    staff_email: str
    staff_id: int
    other_staff_email: str


def make_setting(app: Flask, **round_overrides: Any) -> Setting:
    with app_session(app) as s:
        funder = make_funder(s, name="Riverside Community Fund")
        staff = make_staff(s, funder)
        round_ = make_complete_round(s, funder, **round_overrides)
        other = make_staff(s, make_funder(s))
        return Setting(funder.id, round_.id, staff.email, staff.id, other.email)
