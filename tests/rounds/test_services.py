"""The rules for setting up and running rounds, tested without HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grants.audit.walk import verify_all_chains
from grants.domain import DomainError, StateTransitionError
from grants.forms_fields import london_to_utc, parse_time
from grants.models import Answer, AuditEvent, BidStatus, Question, Round, RoundStatus, User, VotingMethod, utcnow
from grants.rounds import parts, services, settings
from grants.rounds.services import MoveKind
from tests.rounds.helpers import QUESTIONS, details, make_complete_round
from tests.support.factories import make_bid, make_funder, make_group_with_member, make_staff, make_user


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def _round_count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Round)) or 0


@pytest.fixture
def staff(session: Session) -> User:
    return make_staff(session, make_funder(session))


def _funder(staff: User) -> Any:
    return next(g.funder for g in staff.role_grants if g.funder is not None)


def _submitted_bid(session: Session, round_: Round) -> None:
    make_bid(session, round_, make_group_with_member(session, make_user(session)), status=BidStatus.SUBMITTED)


# --- reading what people type --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:30", time(14, 30)),
        ("9am", time(9)),
        ("2.30pm", time(14, 30)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("midday", time(12)),
        ("09:05", time(9, 5)),
        ("5 p.m.", time(17)),
    ],
)
def test_times_are_read_as_people_type_them(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["9", "25:00", "13pm", "12:60", "noonish", ""])
def test_unclear_times_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_time(typed)


def test_london_times_become_utc_across_the_clock_change() -> None:
    summer = london_to_utc(datetime(2026, 7, 1).date(), time(12))
    winter = london_to_utc(datetime(2026, 12, 1).date(), time(12))
    assert summer == datetime(2026, 7, 1, 11, tzinfo=UTC)
    assert winter == datetime(2026, 12, 1, 12, tzinfo=UTC)
    with pytest.raises(ValueError):
        london_to_utc(datetime(2026, 3, 29).date(), time(1, 30))  # the clocks skip from 1am to 2am


# --- creating and changing a round ---------------------------------------------------------------------------


def test_create_round_saves_a_draft_and_logs_only_codes_and_amounts(session: Session, staff: User) -> None:
    round_ = settings.create_round(session, funder=_funder(staff), actor=staff, details=details())
    assert round_.status == RoundStatus.DRAFT
    assert round_.code == "RSS27"  # typed in lower case
    assert round_.voting_method == VotingMethod.SCORES and round_.quorum == 3
    [event] = _events(session, "round.created")
    assert (event.actor_id, event.actor_role, event.object_type, event.object_id) == (
        staff.id,
        "staff",
        "round",
        round_.id,
    )
    assert event.facts["code"] == "RSS27" and event.facts["budget_pence"] == 10_000_00
    assert event.facts["closes_at"] == "2026-07-01T11:00:00Z"
    assert "Small Sparks" not in str(event.facts) and "local groups" not in str(event.facts)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"budget_pence": 0}, "budget", "The budget must be more than £0"),
        ({"min_grant_pence": 0}, "min_grant", "The smallest grant must be more than £0"),
        ({"min_grant_pence": 500_00, "max_grant_pence": 400_00}, "max_grant", "the same as or more than the smallest"),
        ({"max_grant_pence": 20_000_00}, "max_grant", "no more than the budget (£10,000)"),
        ({"budget_pence": 20_000_000_00}, "budget", "£10,000,000 or less"),
        ({"closes_at": datetime(2026, 6, 1, 8, 0, tzinfo=UTC)}, "closes_at", "must be after the opening"),
        ({"code": "R-1"}, "code", "2 to 10 letters or numbers"),
        ({"title": "  "}, "title", "Enter the title"),
    ],
)
def test_create_round_refuses_bad_details_and_saves_nothing(
    session: Session, staff: User, overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(DomainError) as caught:
        settings.create_round(session, funder=_funder(staff), actor=staff, details=details(**overrides))
    assert [(p.field, message in p.message) for p in caught.value.problems] == [(field, True)]
    assert _round_count(session) == 0
    assert _events(session, "round.created") == []


def test_every_problem_is_reported_at_once(session: Session, staff: User) -> None:
    bad = details(budget_pence=0, min_grant_pence=0, closes_at=datetime(2026, 5, 1, tzinfo=UTC))
    with pytest.raises(DomainError) as caught:
        settings.create_round(session, funder=_funder(staff), actor=staff, details=bad)
    assert {p.field for p in caught.value.problems} == {"budget", "min_grant", "closes_at"}


def test_codes_are_unique_per_funder_only(session: Session, staff: User) -> None:
    settings.create_round(session, funder=_funder(staff), actor=staff, details=details())
    with pytest.raises(DomainError, match="already uses the code RSS27") as caught:
        settings.create_round(session, funder=_funder(staff), actor=staff, details=details(code="RSS27"))
    assert caught.value.field == "code"
    other_staff = make_staff(session, make_funder(session))
    settings.create_round(session, funder=_funder(other_staff), actor=other_staff, details=details())


def test_code_cannot_change_once_a_bid_has_a_reference(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), code="OLD1")
    make_bid(session, round_, make_group_with_member(session, make_user(session)))  # a draft is enough
    with pytest.raises(DomainError, match="OLD1-0001"):
        settings.update_details(session, round=round_, actor=staff, details=details(code="NEW1"))
    assert round_.code == "OLD1"


def test_update_details_records_what_changed(session: Session, staff: User) -> None:
    round_ = settings.create_round(session, funder=_funder(staff), actor=staff, details=details())
    settings.update_details(session, round=round_, actor=staff, details=details(budget_pence=12_000_00))
    settings.update_details(session, round=round_, actor=staff, details=details(budget_pence=12_000_00))  # no change
    [event] = _events(session, "round.updated")
    assert event.facts["part"] == "details"
    assert event.facts["changed"] == ["budget_pence"] and event.facts["budget_pence"] == 12_000_00


def test_closing_time_must_stay_before_scoring_closes(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff))
    assert round_.scoring_closes_at is not None
    later = round_.scoring_closes_at + timedelta(hours=1)
    with pytest.raises(DomainError, match="before scoring closes") as caught:
        settings.update_details(
            session, round=round_, actor=staff, details=details(code=round_.code, opens_at=utcnow(), closes_at=later)
        )
    assert caught.value.field == "closes_at"


# --- questions and criteria ----------------------------------------------------------------------------------


def test_set_questions_saves_them_in_order_and_logs_ids_and_limits(session: Session, staff: User) -> None:
    round_ = settings.create_round(session, funder=_funder(staff), actor=staff, details=details())
    parts.set_questions(session, round=round_, actor=staff, questions=QUESTIONS)
    assert [(q.position, q.prompt, q.word_limit, q.required) for q in round_.questions] == [
        (1, "What do you want to do?", 250, True),
        (2, "Who will take part?", 150, True),
        (3, "Why does it matter here?", 150, False),
    ]
    [event] = _events(session, "round.updated")
    assert event.facts["part"] == "questions"
    assert [q["word_limit"] for q in event.facts["questions"]] == [250, 150, 150]
    assert "What do you want" not in str(event.facts)


@pytest.mark.parametrize("count", [0, 2, 7])
def test_a_round_needs_3_to_6_questions(session: Session, staff: User, count: int) -> None:
    round_ = make_complete_round(session, _funder(staff))
    before = [q.id for q in round_.questions]
    questions = [parts.QuestionInput(prompt=f"Q{i}?", word_limit=100) for i in range(count)]
    with pytest.raises(DomainError, match=r"at least 3 questions|no more than 6 questions") as caught:
        parts.set_questions(session, round=round_, actor=staff, questions=questions)
    assert caught.value.field == "questions"
    assert [q.id for q in round_.questions] == before


def test_each_question_needs_a_prompt_and_a_sensible_word_limit(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff))
    questions = [
        parts.QuestionInput(prompt="", help_text="Only help", word_limit=100),
        parts.QuestionInput(prompt="Fine?", word_limit=None),
        parts.QuestionInput(prompt="Too long?", word_limit=5000),
    ]
    with pytest.raises(DomainError) as caught:
        parts.set_questions(session, round=round_, actor=staff, questions=questions)
    assert [p.field for p in caught.value.problems] == [
        "questions.0.prompt",
        "questions.1.word_limit",
        "questions.2.word_limit",
    ]


def test_questions_are_changed_in_place_reordered_and_removed(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), questions=4)
    q1, q2, q3, q4 = round_.questions
    bid = make_bid(session, round_, make_group_with_member(session, make_user(session)))
    session.add(Answer(bid_id=bid.id, question_id=q2.id, text="Our draft answer"))
    session.add(Answer(bid_id=bid.id, question_id=q1.id, text="   "))
    session.flush()
    wanted = [
        parts.QuestionInput(id=q2.id, prompt="Second, now first?", word_limit=80),
        parts.QuestionInput(id=q3.id, prompt=q3.prompt, word_limit=q3.word_limit),
        parts.QuestionInput(prompt="A new one?", word_limit=60, required=False),
        parts.QuestionInput(id=q4.id, prompt=q4.prompt, word_limit=q4.word_limit),
    ]
    parts.set_questions(session, round=round_, actor=staff, questions=wanted)
    kept = list(session.scalars(sa.select(Question).where(Question.round_id == round_.id).order_by(Question.position)))
    assert [q.id for q in kept][:2] == [q2.id, q3.id] and kept[3].id == q4.id
    assert [(q.position, q.prompt) for q in kept][:3] == [(1, "Second, now first?"), (2, q3.prompt), (3, "A new one?")]
    # the draft answer still belongs to its question; the blank answer to the removed question went with it
    assert session.scalars(sa.select(Answer.question_id).where(Answer.bid_id == bid.id)).all() == [q2.id]
    [event] = _events(session, "round.updated")
    assert event.facts["removed"] == [q1.id]


def test_a_question_id_given_twice_keeps_its_row_once(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff))
    first = round_.questions[0]
    doubled = [parts.QuestionInput(id=first.id, prompt=f"Q{i}?", word_limit=100) for i in range(3)]
    parts.set_questions(session, round=round_, actor=staff, questions=doubled)
    assert [q.prompt for q in round_.questions] == ["Q0?", "Q1?", "Q2?"]
    assert round_.questions[0].id == first.id and len({q.id for q in round_.questions}) == 3


def test_a_question_groups_have_started_answering_cannot_be_removed(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), questions=4)
    first = round_.questions[0]
    bid = make_bid(session, round_, make_group_with_member(session, make_user(session)))
    session.add(Answer(bid_id=bid.id, question_id=first.id, text="We want to plant trees"))
    session.flush()
    keep = [parts.QuestionInput(id=q.id, prompt=q.prompt, word_limit=q.word_limit) for q in round_.questions[1:]]
    with pytest.raises(DomainError, match="started answering"):
        parts.set_questions(session, round=round_, actor=staff, questions=keep)


def test_a_round_needs_at_least_one_criterion_weighted_1_to_10(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff))
    with pytest.raises(DomainError, match="at least one criterion") as caught:
        parts.set_criteria(session, round=round_, actor=staff, criteria=[])
    assert caught.value.field == "criteria"
    with pytest.raises(DomainError, match="from 1 to 10") as caught:
        parts.set_criteria(session, round=round_, actor=staff, criteria=[parts.CriterionInput(name="Need", weight=11)])
    assert caught.value.field == "criteria.0.weight"
    parts.set_criteria(
        session,
        round=round_,
        actor=staff,
        criteria=[parts.CriterionInput(name="Need", weight=3), parts.CriterionInput(name="Doable", weight=1)],
    )
    assert [(c.name, c.weight) for c in round_.criteria] == [("Need", 3), ("Doable", 1)]
    assert _events(session, "round.updated")[-1].facts["part"] == "criteria"


def test_questions_and_criteria_lock_once_a_bid_is_submitted(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), status=RoundStatus.OPEN)
    make_bid(session, round_, make_group_with_member(session, make_user(session)))  # a draft does not lock
    assert not parts.questions_locked(session, round_)
    _submitted_bid(session, round_)
    assert parts.questions_locked(session, round_)
    with pytest.raises(DomainError, match="already submitted a bid"):
        parts.set_questions(session, round=round_, actor=staff, questions=QUESTIONS)
    with pytest.raises(DomainError, match="already submitted a bid"):
        parts.set_criteria(session, round=round_, actor=staff, criteria=[parts.CriterionInput("X", weight=1)])
    assert len(round_.questions) == 3 and _events(session, "round.updated") == []


def test_a_withdrawn_bid_still_locks_the_questions(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), status=RoundStatus.OPEN)
    make_bid(session, round_, make_group_with_member(session, make_user(session)), status=BidStatus.WITHDRAWN)
    assert parts.questions_locked(session, round_)


# --- the panel and the vote ---------------------------------------------------------------------------------


def _settings(round_: Round, **overrides: Any) -> settings.PanelSettings:
    values: dict[str, Any] = {
        "voting_method": VotingMethod.SCORES,
        "approval_limit": None,
        "ranked_limit": None,
        "quorum": 3,
        "scoring_closes_at": round_.closes_at + timedelta(days=7),
        "voting_closes_at": round_.closes_at + timedelta(days=14),
    }
    values.update(overrides)
    return settings.PanelSettings(**values)


@pytest.mark.parametrize(
    ("method", "field"),
    [
        (VotingMethod.APPROVAL, "approval_limit"),
        (VotingMethod.EQUAL_SHARES, "approval_limit"),
        (VotingMethod.RANKED, "ranked_limit"),
    ],
)
def test_approval_equal_shares_and_ranked_need_their_limit(
    session: Session, staff: User, method: VotingMethod, field: str
) -> None:
    round_ = make_complete_round(session, _funder(staff))
    with pytest.raises(DomainError) as caught:
        settings.set_panel_and_voting(
            session, round=round_, actor=staff, settings=_settings(round_, voting_method=method)
        )
    assert caught.value.field == field
    assert round_.voting_method == VotingMethod.SCORES


def test_panel_settings_are_saved_and_a_limit_the_method_does_not_use_is_dropped(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff))
    panel = _settings(round_, voting_method=VotingMethod.APPROVAL, approval_limit=3, ranked_limit=5, quorum=4)
    settings.set_panel_and_voting(session, round=round_, actor=staff, settings=panel)
    assert (round_.voting_method, round_.approval_limit, round_.ranked_limit, round_.quorum) == (
        VotingMethod.APPROVAL,
        3,
        None,
        4,
    )
    event = _events(session, "round.updated")[-1]
    assert event.facts["part"] == "panel" and event.facts["method"] == "approval" and event.facts["approval_limit"] == 3


def test_panel_timetable_runs_after_closing_and_voting_after_scoring(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff))
    early = _settings(round_, scoring_closes_at=round_.closes_at - timedelta(hours=1))
    with pytest.raises(DomainError, match="after the round closes") as caught:
        settings.set_panel_and_voting(session, round=round_, actor=staff, settings=early)
    assert caught.value.field == "scoring_closes_at"
    backwards = _settings(round_, voting_closes_at=round_.closes_at + timedelta(days=2))
    with pytest.raises(DomainError, match="Voting must close after scoring closes") as caught:
        settings.set_panel_and_voting(session, round=round_, actor=staff, settings=backwards)
    assert caught.value.field == "voting_closes_at"
    with pytest.raises(DomainError, match="Enter the quorum"):
        settings.set_panel_and_voting(session, round=round_, actor=staff, settings=_settings(round_, quorum=None))


# --- moving through the stages -------------------------------------------------------------------------------


def test_the_table_of_moves_goes_forward_one_step_or_back_one_step() -> None:
    order = list(RoundStatus)
    for (frm, to), kind in services.MOVES.items():
        step = order.index(to) - order.index(frm)
        assert (kind, step) in {(MoveKind.FORWARD, 1), (MoveKind.REOPEN, -1)}
    assert services.moves_from(RoundStatus.DRAFT) == [(RoundStatus.OPEN, MoveKind.FORWARD)]
    assert services.moves_from(RoundStatus.CLOSED) == [
        (RoundStatus.SCREENING, MoveKind.FORWARD),
        (RoundStatus.OPEN, MoveKind.REOPEN),
    ]
    assert services.moves_from(RoundStatus.COMPLETE) == [(RoundStatus.AWARDING, MoveKind.REOPEN)]


def test_a_round_moves_forward_one_step_at_a_time_to_complete(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff))
    for to in list(RoundStatus)[1:]:
        services.change_status(session, round=round_, to=to, actor=staff, now=utcnow())
        assert round_.status == to
    events = _events(session, "round.status_changed")
    assert [(e.facts["from"], e.facts["to"]) for e in events] == [
        (a.value, b.value) for a, b in zip(list(RoundStatus), list(RoundStatus)[1:], strict=False)
    ]
    assert all(e.actor_id == staff.id and e.object_id == round_.id for e in events)
    assert all(report.ok for report in verify_all_chains(session))


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (RoundStatus.DRAFT, RoundStatus.CLOSED),
        (RoundStatus.OPEN, RoundStatus.SCORING),
        (RoundStatus.VOTING, RoundStatus.COMPLETE),
        (RoundStatus.OPEN, RoundStatus.DRAFT),
        (RoundStatus.DECIDED, RoundStatus.OPEN),
        (RoundStatus.OPEN, RoundStatus.OPEN),
    ],
)
def test_skipping_steps_is_refused(session: Session, staff: User, start: RoundStatus, to: RoundStatus) -> None:
    round_ = make_complete_round(session, _funder(staff), status=start)
    with pytest.raises(StateTransitionError, match="cannot move"):
        services.change_status(session, round=round_, to=to, actor=staff, reason="Because", now=utcnow())
    assert round_.status == start
    assert _events(session, "round.status_changed") == []


def test_reopening_needs_a_reason_which_goes_into_the_audit_log(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), status=RoundStatus.DECIDED)
    round_.funder.two_person_decisions = False  # one person may reopen (the two-person rule: tests/decisions)
    for reason in (None, "   "):
        with pytest.raises(StateTransitionError, match="Enter why you are reopening") as caught:
            services.change_status(
                session, round=round_, to=RoundStatus.VOTING, actor=staff, reason=reason, now=utcnow()
            )
        assert caught.value.field == "reason"
    with pytest.raises(StateTransitionError, match="500 characters or fewer"):
        services.change_status(
            session, round=round_, to=RoundStatus.VOTING, actor=staff, reason="x" * 501, now=utcnow()
        )
    assert round_.status == RoundStatus.DECIDED
    services.change_status(
        session,
        round=round_,
        to=RoundStatus.VOTING,
        actor=staff,
        reason=" A panellist's ballot was lost. ",
        now=utcnow(),
    )
    assert round_.status == RoundStatus.VOTING
    [event] = _events(session, "round.status_changed")
    assert event.facts == {"from": "decided", "to": "voting", "reason": "A panellist's ballot was lost."}


def test_opening_needs_a_complete_round(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), questions=2)
    with pytest.raises(StateTransitionError, match="Add at least 3 questions"):
        services.change_status(session, round=round_, to=RoundStatus.OPEN, actor=staff, now=utcnow())
    round_.criteria = []
    round_.voting_method, round_.approval_limit = VotingMethod.APPROVAL, None
    round_.closes_at = utcnow() - timedelta(minutes=1)
    session.flush()
    assert [m.text for m in services.missing_for_opening(round_, now=utcnow())] == [
        "Add at least 3 questions (it has 2)",
        "Add at least one scoring criterion",
        "Set how many bids each panellist can pick",
        "The closing time has passed: set a later closing time",
    ]
    assert round_.status == RoundStatus.DRAFT


def test_closing_early_is_allowed_and_logged_as_early(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), status=RoundStatus.OPEN)
    services.change_status(session, round=round_, to=RoundStatus.CLOSED, actor=staff, now=utcnow())
    [event] = _events(session, "round.status_changed")
    assert event.facts == {"from": "open", "to": "closed", "closed_early": True}


def test_scoring_and_voting_need_their_closing_times(session: Session, staff: User) -> None:
    round_ = make_complete_round(
        session, _funder(staff), status=RoundStatus.SCREENING, scoring_closes_at=None, voting_closes_at=None
    )
    with pytest.raises(StateTransitionError, match="Set when scoring closes"):
        services.change_status(session, round=round_, to=RoundStatus.SCORING, actor=staff, now=utcnow())


def test_a_move_made_by_someone_else_meanwhile_is_not_repeated(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), status=RoundStatus.CLOSED)
    with pytest.raises(StateTransitionError, match="Someone has just moved this round to closed"):
        services.change_status(
            session, round=round_, to=RoundStatus.CLOSED, actor=staff, expected_from=RoundStatus.OPEN, now=utcnow()
        )


def test_a_decided_round_is_frozen_until_reopened(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), status=RoundStatus.DECIDED)
    round_.funder.two_person_decisions = False  # one person may reopen (the two-person rule: tests/decisions)
    with pytest.raises(DomainError, match="frozen"):
        settings.update_details(session, round=round_, actor=staff, details=details(code=round_.code))
    with pytest.raises(DomainError, match="frozen"):
        settings.set_panel_and_voting(session, round=round_, actor=staff, settings=_settings(round_, quorum=5))
    services.change_status(session, round=round_, to=RoundStatus.VOTING, actor=staff, reason="Recount", now=utcnow())
    assert not round_.is_decided


def test_the_voting_method_is_fixed_once_voting_begins(session: Session, staff: User) -> None:
    round_ = make_complete_round(session, _funder(staff), status=RoundStatus.VOTING)
    with pytest.raises(DomainError, match="cannot change once voting has begun") as caught:
        settings.set_panel_and_voting(
            session, round=round_, actor=staff, settings=_settings(round_, voting_method=VotingMethod.BUDGET)
        )
    assert caught.value.field == "voting_method"
    settings.set_panel_and_voting(session, round=round_, actor=staff, settings=_settings(round_, quorum=2))
    assert round_.quorum == 2
