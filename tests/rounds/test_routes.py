"""Round pages as people use them: staff set up and run a round; anyone reads the rounds open for bids."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import AuditEvent, BidStatus, Question, Round, RoundStatus, VotingMethod, utcnow
from tests.rounds.helpers import Setting, criteria_form, details_form, make_setting, questions_form
from tests.support.db import app_session
from tests.support.factories import (
    make_auditor,
    make_bid,
    make_funder,
    make_group_with_member,
    make_panellist,
    make_round,
    make_user,
)
from tests.support.signin import sign_in


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


@pytest.fixture
def staff_client(client: FlaskClient, setting: Setting) -> FlaskClient:
    sign_in(client, setting.staff_email)
    return client


def _round(app: Flask, round_id: int) -> Round:
    with app_session(app) as s:
        round_ = s.get(Round, round_id)
        assert round_ is not None
        _ = round_.questions, round_.criteria
        s.expunge_all()
        return round_


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app_session(app) as s:
        events = list(s.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))
        s.expunge_all()
        return events


def _error_next_to(html: str, field_id: str) -> str:
    """The error message shown next to a field (for a date, its three boxes share one message)."""
    field_id = field_id.removesuffix("-day")
    match = re.search(rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    assert match, f"no error message next to {field_id}"
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).replace("Error:", "").split())


def _text(response: Any) -> str:
    """The page's HTML with its runs of white space made single spaces, as a browser shows it."""
    return " ".join(response.text.split())


def _summary_links(html: str) -> list[str]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="#([^"]+)"', summary)


# --- creating a round ----------------------------------------------------------------------------------------


def test_staff_create_a_round_through_the_form(app: Flask, staff_client: FlaskClient, setting: Setting) -> None:
    page = staff_client.get(f"/staff/funders/{setting.funder_id}/rounds/new")
    assert page.status_code == 200 and "Create a round" in page.text
    response = staff_client.post(f"/staff/funders/{setting.funder_id}/rounds/new", data=details_form())
    assert response.status_code == 302
    with app_session(app) as s:
        round_ = s.scalar(sa.select(Round).where(Round.code == "RSS27"))
        assert round_ is not None
        assert (round_.status, round_.budget_pence, round_.min_grant_pence, round_.max_grant_pence) == (
            RoundStatus.DRAFT,
            10_000_00,
            250_00,
            2_000_50,
        )
        # typed as UK time in summer (BST): 9am and 12 noon are 8:00 and 11:00 UTC
        assert round_.opens_at == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
        assert round_.closes_at == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
        round_id = round_.id
    assert response.headers["Location"] == f"/staff/rounds/{round_id}"
    overview = staff_client.get(response.headers["Location"])
    assert "has been created as a draft" in overview.text
    assert "1 July 2026 at 12:00pm" in overview.text and "£2,000.50" in overview.text
    assert [e.object_id for e in _events(app, "round.created")][-1] == round_id


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"budget": "lots"}, "budget", "Enter the budget in pounds, like 10000"),
        ({"budget": ""}, "budget", "Enter the budget, in pounds"),
        ({"min_grant": "0"}, "min_grant", "The smallest grant must be more than £0"),
        ({"max_grant": "100"}, "max_grant", "The largest grant must be the same as or more than the smallest grant"),
        ({"max_grant": "£20,000"}, "max_grant", "The largest grant must be no more than the budget (£10,000)"),
        ({"closes_at": ["1", "5", "2026"]}, "closes_at-day", "must be after the opening date and time"),
        ({"closes_at": ["31", "6", "2026"]}, "closes_at-day", "The closing date must be a real date"),
        ({"opens_at": ["1", "", "2026"]}, "opens_at-day", "The opening date must include a month"),
        ({"closes_at_time": "noonish"}, "closes_at_time", "Enter the closing time like 12pm or 17:00"),
        ({"opens_at_time": ""}, "opens_at_time", "Enter the opening time"),
        ({"code": "R 1!"}, "code", "Enter a code of 2 to 10 letters or numbers, like RSS27"),
        ({"title": ""}, "title", "Enter the round's title"),
    ],
)
def test_bad_round_details_are_shown_next_to_their_field_and_nothing_is_saved(
    app: Flask,
    staff_client: FlaskClient,
    setting: Setting,
    overrides: dict[str, Any],
    field_id: str,
    message: str,
) -> None:
    data = details_form(summary="Grants for <local> groups.", **overrides)
    response = staff_client.post(f"/staff/funders/{setting.funder_id}/rounds/new", data=data)
    assert response.status_code == 200
    assert message in _error_next_to(response.text, field_id)
    assert field_id in _summary_links(response.text)
    assert "<title>Error: Create a round" in response.text
    # what was typed is still there, exactly as typed
    assert "Grants for &lt;local&gt; groups." in response.text
    typed = overrides.get(field_id.removesuffix("-day"), "")
    if isinstance(typed, str) and typed:
        assert f'value="{typed}"' in response.text
    assert 'value="£10,000"' in response.text or field_id == "budget"
    with app_session(app) as s:
        assert s.scalar(sa.select(Round.id).where(Round.code != "R0", Round.title == "Small Sparks 2027")) is None


def test_editing_details_keeps_what_was_typed_and_changes_nothing(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    before = _round(app, setting.round_id)
    page = staff_client.get(f"/staff/rounds/{setting.round_id}/details")
    assert f'value="{before.code}"' in page.text and 'value="100"' in page.text  # £100 smallest grant
    data = details_form(code=before.code, title="A new title", budget="£500", max_grant="2000")
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/details", data=data)
    assert "The largest grant must be no more than the budget (£500)" in _error_next_to(response.text, "max_grant")
    assert 'value="A new title"' in response.text and 'value="£500"' in response.text
    after = _round(app, setting.round_id)
    assert (after.title, after.budget_pence) == (before.title, before.budget_pence)
    assert _events(app, "round.updated") == []

    response = staff_client.post(f"/staff/rounds/{setting.round_id}/details", data={**data, "budget": "50000"})
    assert response.status_code == 302
    assert _round(app, setting.round_id).budget_pence == 50_000_00
    assert _events(app, "round.updated")[0].facts["part"] == "details"


# --- questions and criteria -----------------------------------------------------------------------------------


def test_questions_page_saves_filled_rows_and_leaves_out_blank_ones(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    page = staff_client.get(f"/staff/rounds/{setting.round_id}/questions")
    assert page.status_code == 200 and 'value="Question 1?"' in page.text
    rows = [
        {"prompt": "What will you do?", "word_limit": "200"},
        {"prompt": "", "word_limit": "not a number"},  # a blank row, whatever its word limit says
        {"prompt": "Who benefits?", "help_text": "Roughly how many people?", "word_limit": "100", "required": ""},
        {"prompt": "Why here?", "word_limit": "100"},
    ]
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/questions", data=questions_form(rows))
    assert response.status_code == 302
    questions = _round(app, setting.round_id).questions
    assert [(q.position, q.prompt, q.word_limit, q.required) for q in questions] == [
        (1, "What will you do?", 200, True),
        (2, "Who benefits?", 100, False),
        (3, "Why here?", 100, True),
    ]


def test_fewer_than_3_questions_is_shown_where_the_next_one_goes(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    before = [q.id for q in _round(app, setting.round_id).questions]
    rows = [{"prompt": "What will you do?"}, {"prompt": "Who benefits?", "help_text": "Keep it short"}]
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/questions", data=questions_form(rows))
    assert response.status_code == 200
    assert _error_next_to(response.text, "questions-2-prompt") == "Add at least 3 questions"
    assert _summary_links(response.text) == ["questions-2-prompt"]
    assert 'value="Who benefits?"' in response.text and "Keep it short" in response.text
    assert [q.id for q in _round(app, setting.round_id).questions] == before


def test_a_question_row_with_help_text_but_no_question_is_pointed_out(
    staff_client: FlaskClient, setting: Setting
) -> None:
    rows = [{"prompt": "One?"}, {"prompt": "Two?"}, {"prompt": "Three?"}, {"prompt": "", "help_text": "Orphan help"}]
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/questions", data=questions_form(rows))
    assert _error_next_to(response.text, "questions-3-prompt") == "Enter the question"
    rows[1]["word_limit"] = "lots"
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/questions", data=questions_form(rows))
    assert "Enter the word limit as a number" in _error_next_to(response.text, "questions-1-word_limit")
    assert 'value="lots"' in response.text


def test_no_criteria_is_shown_next_to_the_first_criterion(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/criteria", data=criteria_form([]))
    assert _error_next_to(response.text, "criteria-0-name") == "Add at least one criterion"
    assert len(_round(app, setting.round_id).criteria) == 1
    rows = [{"name": "Local need", "guidance": "Said by neighbours", "weight": "3"}, {"name": "Doable", "weight": "11"}]
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/criteria", data=criteria_form(rows))
    assert _error_next_to(response.text, "criteria-1-weight") == "The weight must be from 1 to 10"
    assert 'value="Doable"' in response.text and 'value="11"' in response.text
    rows[1]["weight"] = "1"
    assert staff_client.post(f"/staff/rounds/{setting.round_id}/criteria", data=criteria_form(rows)).status_code == 302
    assert [(c.name, c.weight) for c in _round(app, setting.round_id).criteria] == [("Local need", 3), ("Doable", 1)]


def test_after_a_submitted_bid_the_pages_say_why_questions_and_criteria_cannot_change(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        round_.status = RoundStatus.OPEN
        make_bid(s, round_, make_group_with_member(s, make_user(s)), status=BidStatus.SUBMITTED)
    before = [(q.id, q.prompt) for q in _round(app, setting.round_id).questions]
    for part in ("questions", "criteria"):
        page = staff_client.get(f"/staff/rounds/{setting.round_id}/{part}")
        assert "cannot change now: a group has already submitted a bid" in page.text
        assert "<form" not in page.text.split('id="main-content"', 1)[1]
    response = staff_client.post(
        f"/staff/rounds/{setting.round_id}/questions", data=questions_form([{"prompt": "Sneaky?"}] * 3)
    )
    assert "already submitted a bid" in response.text
    assert [(q.id, q.prompt) for q in _round(app, setting.round_id).questions] == before
    overview = staff_client.get(f"/staff/rounds/{setting.round_id}")
    assert "Locked: a group has already submitted a bid" in overview.text
    assert f'href="/staff/rounds/{setting.round_id}/questions"' not in overview.text


def test_a_decided_round_says_its_settings_are_frozen(app: Flask, staff_client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        round_.status = RoundStatus.DECIDED
    overview = staff_client.get(f"/staff/rounds/{setting.round_id}")
    assert "reached the decided stage, so its settings are frozen" in overview.text
    assert ">Change<" not in overview.text
    for part in ("details", "questions", "criteria", "voting"):
        page = staff_client.get(f"/staff/rounds/{setting.round_id}/{part}")
        assert "settings are frozen" in page.text and "<form" not in page.text.split('id="main-content"', 1)[1]
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/details", data=details_form(budget="1"))
    assert response.status_code == 200
    assert _round(app, setting.round_id).budget_pence == 10_000_00


# --- panel and voting -------------------------------------------------------------------------------------------


def _panel_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "voting_method": "scores",
        "approval_limit": "",
        "ranked_limit": "",
        "quorum": "3",
        "scoring_closes_at": ["", "", ""],
        "scoring_closes_at_time": "",
        "voting_closes_at": ["", "", ""],
        "voting_closes_at_time": "",
    }
    data.update(overrides)
    return data


def test_approval_without_k_is_shown_next_to_k(app: Flask, staff_client: FlaskClient, setting: Setting) -> None:
    url = f"/staff/rounds/{setting.round_id}/voting"
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, data=_panel_form(voting_method="approval", quorum="4"))
    assert _error_next_to(response.text, "approval_limit") == "Enter how many bids each panellist can pick, like 3"
    assert 'value="approval" checked' in response.text and 'value="4"' in response.text
    assert _round(app, setting.round_id).voting_method == VotingMethod.SCORES

    response = staff_client.post(url, data=_panel_form(voting_method="approval", approval_limit="3"))
    assert response.status_code == 302
    round_ = _round(app, setting.round_id)
    assert (round_.voting_method, round_.approval_limit) == (VotingMethod.APPROVAL, 3)


def test_panel_timetable_is_entered_in_uk_time_and_checked(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    url = f"/staff/rounds/{setting.round_id}/voting"
    closes = _round(app, setting.round_id).closes_at
    day = closes + timedelta(days=30)
    date_parts = [str(day.day), str(day.month), str(day.year)]
    response = staff_client.post(url, data=_panel_form(scoring_closes_at=date_parts))
    assert _error_next_to(response.text, "scoring_closes_at_time") == "Enter the scoring closing time"
    response = staff_client.post(
        url,
        data=_panel_form(
            scoring_closes_at=date_parts,
            scoring_closes_at_time="5pm",
            voting_closes_at=date_parts,
            voting_closes_at_time="4pm",
        ),
    )
    assert _error_next_to(response.text, "voting_closes_at-day") == "Voting must close after scoring closes"
    response = staff_client.post(
        url,
        data=_panel_form(
            scoring_closes_at=date_parts,
            scoring_closes_at_time="5pm",
            voting_closes_at=date_parts,
            voting_closes_at_time="9pm",
        ),
    )
    assert response.status_code == 302
    round_ = _round(app, setting.round_id)
    assert round_.scoring_closes_at is not None and round_.voting_closes_at is not None
    assert round_.voting_closes_at - round_.scoring_closes_at == timedelta(hours=4)


# --- moving a round through its stages -------------------------------------------------------------------------


def test_opening_a_round_is_confirmed_then_done_and_logged(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        round_.opens_at = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)
        round_.closes_at = datetime(2030, 7, 1, 11, 0, tzinfo=UTC)
        round_.scoring_closes_at = round_.voting_closes_at = None
    overview = staff_client.get(f"/staff/rounds/{setting.round_id}")
    assert f'href="/staff/rounds/{setting.round_id}/move/open"' in overview.text
    confirm = staff_client.get(f"/staff/rounds/{setting.round_id}/move/open")
    assert "lets groups submit bids from 1 June 2030 at 9:00am until 1 July 2030 at 12:00pm" in confirm.text
    assert 'method="post"' in confirm.text and "Yes, open the round" in confirm.text
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/move/open", data={"seen_status": "draft"})
    assert response.status_code == 302
    assert _round(app, setting.round_id).status == RoundStatus.OPEN
    [event] = _events(app, "round.status_changed")
    assert event.facts == {"from": "draft", "to": "open"} and event.actor_id == setting.staff_id


def test_an_incomplete_round_cannot_be_opened_and_the_page_says_why(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    with app_session(app) as s:
        s.execute(sa.delete(Question).where(Question.round_id == setting.round_id, Question.position == 3))
    overview = staff_client.get(f"/staff/rounds/{setting.round_id}")
    assert "Add at least 3 questions (it has 2)" in overview.text
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/move/open", data={"seen_status": "draft"})
    assert response.status_code == 200 and "Add at least 3 questions (it has 2)" in response.text
    assert _round(app, setting.round_id).status == RoundStatus.DRAFT


def test_closing_early_warns_before_it_is_done(app: Flask, staff_client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        round_.status = RoundStatus.OPEN
        make_bid(s, round_, make_group_with_member(s, make_user(s)))
    confirm = staff_client.get(f"/staff/rounds/{setting.round_id}/move/closed")
    assert (
        "has not passed yet. Closing now ends the round early: 1 draft bid has not been submitted yet" in confirm.text
    )
    staff_client.post(f"/staff/rounds/{setting.round_id}/move/closed", data={"seen_status": "open"})
    assert _round(app, setting.round_id).status == RoundStatus.CLOSED
    assert _events(app, "round.status_changed")[0].facts["closed_early"] is True


def test_skipping_a_step_is_refused(app: Flask, staff_client: FlaskClient, setting: Setting) -> None:
    assert staff_client.get(f"/staff/rounds/{setting.round_id}/move/closed").status_code == 404
    assert staff_client.get(f"/staff/rounds/{setting.round_id}/move/nonsense").status_code == 404
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/move/scoring", data={"seen_status": "draft"})
    assert "A round cannot move from draft to scoring" in response.text
    assert _round(app, setting.round_id).status == RoundStatus.DRAFT


def test_reopening_asks_for_a_reason_and_logs_it(app: Flask, staff_client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        round_.status = RoundStatus.CLOSED
    url = f"/staff/rounds/{setting.round_id}/move/open"
    confirm = staff_client.get(url)
    assert "Why are you reopening the round?" in confirm.text and "lets groups submit bids again" in confirm.text
    response = staff_client.post(url, data={"seen_status": "closed", "reason": "  "})
    assert _error_next_to(response.text, "reason") == "Enter why you are reopening the round"
    assert _round(app, setting.round_id).status == RoundStatus.CLOSED
    long_reason = "The website was down for a day. " * 20
    response = staff_client.post(url, data={"seen_status": "closed", "reason": long_reason})
    assert "500 characters or fewer" in _error_next_to(response.text, "reason")
    assert "The website was down for a day." in response.text
    response = staff_client.post(url, data={"seen_status": "closed", "reason": "The website was down for a day."})
    assert response.status_code == 302
    assert _round(app, setting.round_id).status == RoundStatus.OPEN
    [event] = _events(app, "round.status_changed")
    assert event.facts == {"from": "closed", "to": "open", "reason": "The website was down for a day."}


def test_a_stale_confirmation_does_not_move_the_round_twice(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        round_.status = RoundStatus.CLOSED  # a colleague closed it after this page was opened
    response = staff_client.post(f"/staff/rounds/{setting.round_id}/move/screening", data={"seen_status": "open"})
    assert "Someone has just moved this round to closed" in response.text
    assert _round(app, setting.round_id).status == RoundStatus.CLOSED


# --- preview and the staff home page ---------------------------------------------------------------------------


def test_preview_shows_a_draft_as_groups_will_see_it(staff_client: FlaskClient, setting: Setting) -> None:
    page = staff_client.get(f"/staff/rounds/{setting.round_id}/preview")
    assert page.status_code == 200
    assert "This is how groups will see this round." in page.text
    assert "Question 1?" in page.text and "Up to 101 words" in page.text
    assert "/apply" not in page.text


def test_staff_home_links_each_round_and_offers_to_create_one(staff_client: FlaskClient, setting: Setting) -> None:
    page = staff_client.get("/staff")
    assert f'href="/staff/rounds/{setting.round_id}"' in page.text
    assert f'href="/staff/funders/{setting.funder_id}/rounds/new"' in page.text and "Create a round" in page.text


# --- who may do what --------------------------------------------------------------------------------------------

STAFF_PAGES = ["", "/details", "/questions", "/criteria", "/voting", "/preview", "/move/open"]
STAFF_POSTS = ["/details", "/questions", "/criteria", "/voting", "/move/open"]


def _staff_urls(setting: Setting) -> list[tuple[str, str]]:
    urls = [("GET", f"/staff/rounds/{setting.round_id}{p}") for p in STAFF_PAGES]
    urls += [("POST", f"/staff/rounds/{setting.round_id}{p}") for p in STAFF_POSTS]
    new = f"/staff/funders/{setting.funder_id}/rounds/new"
    return [*urls, ("GET", new), ("POST", new)]


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, setting: Setting) -> None:
    for method, url in _staff_urls(setting):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/sign-in?next="), (method, url)


@pytest.mark.parametrize("role", ["applicant", "panellist", "auditor"])
def test_people_without_the_staff_role_get_403(app: Flask, client: FlaskClient, setting: Setting, role: str) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        if role == "applicant":
            make_group_with_member(s, make_user(s, email="someone@example.com"))
        elif role == "panellist":
            make_panellist(s, round_, email="someone@example.com")
        else:
            make_auditor(s, round_.funder, email="someone@example.com")
    sign_in(client, "someone@example.com")
    for method, url in _staff_urls(setting):
        assert client.open(url, method=method, data=details_form()).status_code == 403, (role, method, url)
    assert _round(app, setting.round_id).status == RoundStatus.DRAFT


def test_staff_of_another_funder_get_404(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.other_staff_email)
    for method, url in _staff_urls(setting):
        assert client.open(url, method=method, data=details_form()).status_code == 404, (method, url)
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Round)) == 1
    assert _round(app, setting.round_id).status == RoundStatus.DRAFT


# --- the public pages ------------------------------------------------------------------------------------------


def _public_rounds(app: Flask) -> dict[str, int]:
    now = utcnow()
    with app_session(app) as s:
        funder = make_funder(s, name="Northside Trust")
        rounds = {
            "open": make_round(
                s,
                funder,
                title="Open round",
                summary="Money for <b>street parties</b>.",
                closes_at=datetime(2099, 7, 1, 11, 0, tzinfo=UTC),
                min_grant_pence=250_00,
                max_grant_pence=1_500_00,
            ),
            "draft": make_round(s, funder, title="Draft round", status=RoundStatus.DRAFT),
            "closed": make_round(
                s,
                funder,
                title="Closed round",
                status=RoundStatus.CLOSED,
                closes_at=now - timedelta(days=1),
                opens_at=now - timedelta(days=30),
            ),
            "past_deadline": make_round(
                s,
                funder,
                title="Past its deadline",
                closes_at=now - timedelta(minutes=1),
                opens_at=now - timedelta(days=30),
            ),
            "not_yet": make_round(
                s, funder, title="Opens later", opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=30)
            ),
        }
        return {name: r.id for name, r in rounds.items()}


def test_open_rounds_page_lists_only_rounds_taking_bids_now(app: Flask, client: FlaskClient) -> None:
    ids = _public_rounds(app)
    page = client.get("/rounds")
    assert page.status_code == 200
    assert "Open round" in page.text and "Northside Trust" in page.text
    assert "Money for &lt;b&gt;street parties&lt;/b&gt;." in page.text
    assert "£250 to £1,500" in page.text and "1 July 2099 at 12:00pm" in page.text
    for hidden in ("Draft round", "Closed round", "Past its deadline", "Opens later"):
        assert hidden not in page.text
    assert f'href="/rounds/{ids["open"]}"' in page.text


def test_an_open_rounds_page_tells_groups_what_they_need_and_links_to_apply(app: Flask, client: FlaskClient) -> None:
    ids = _public_rounds(app)
    with app_session(app) as s:
        round_ = s.get(Round, ids["open"])
        assert round_ is not None
        round_.voting_method, round_.approval_limit = VotingMethod.APPROVAL, 3
    page = client.get(f"/rounds/{ids['open']}")
    assert page.status_code == 200
    assert "Any local group." in page.text and "£250 to £1,500" in page.text and "£10,000" in page.text
    assert "Deadline" in page.text and "1 July 2099 at 12:00pm" in page.text  # 11:00 UTC is noon BST
    assert "community panel of local residents" in page.text
    assert "Each panellist picks up to 3 bids they support" in page.text
    assert "What will you do?" in page.text and "Up to 200 words" in page.text and "Need" in page.text
    assert f'href="/rounds/{ids["open"]}/apply"' in page.text
    assert "not open for bids" not in page.text


@pytest.mark.parametrize(
    ("method", "words"),
    [
        (VotingMethod.SCORES, "average score"),
        (VotingMethod.BUDGET, "keeping within the round's budget"),
        (VotingMethod.RANKED, "Borda count"),
        (VotingMethod.EQUAL_SHARES, "every part of the community gets a say"),
    ],
)
def test_the_voting_method_is_explained_in_plain_words(
    app: Flask, client: FlaskClient, method: VotingMethod, words: str
) -> None:
    with app_session(app) as s:
        round_id = make_round(s, make_funder(s), voting_method=method, approval_limit=2, ranked_limit=4).id
    assert words in _text(client.get(f"/rounds/{round_id}"))


def test_a_draft_round_is_not_public(app: Flask, client: FlaskClient) -> None:
    ids = _public_rounds(app)
    assert client.get(f"/rounds/{ids['draft']}").status_code == 404
    assert client.get("/rounds/999999").status_code == 404


@pytest.mark.parametrize(
    ("name", "detail"), [("closed", "It closed on"), ("past_deadline", "It closed on"), ("not_yet", "It opens on")]
)
def test_a_round_not_taking_bids_says_so_and_offers_no_start(
    app: Flask, client: FlaskClient, name: str, detail: str
) -> None:
    ids = _public_rounds(app)
    page = client.get(f"/rounds/{ids[name]}")
    assert page.status_code == 200
    assert "This round is not open for bids." in page.text and detail in page.text
    assert "/apply" not in page.text


def test_winter_times_are_shown_in_gmt(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        round_id = make_round(
            s,
            make_funder(s),
            opens_at=datetime(2099, 1, 1, tzinfo=UTC),
            closes_at=datetime(2099, 12, 1, 17, 0, tzinfo=UTC),
        ).id
    assert "1 December 2099 at 5:00pm" in client.get(f"/rounds/{round_id}").text


def test_staff_write_the_panels_code_of_conduct_for_the_round(
    app: Flask, staff_client: FlaskClient, setting: Setting
) -> None:
    url = f"/staff/rounds/{setting.round_id}/voting"
    code = "Be kind. Declare every conflict. Keep what you read to yourself."
    response = staff_client.post(url, data=_panel_form(code_of_conduct=code))
    assert response.status_code == 302
    assert _round(app, setting.round_id).code_of_conduct == code
    assert "Written for this round" in staff_client.get(f"/staff/rounds/{setting.round_id}").text
    too_long = staff_client.post(url, data=_panel_form(code_of_conduct="x" * 10_001))
    assert "Keep the code of conduct to 10,000 characters or fewer" in too_long.text
    assert _round(app, setting.round_id).code_of_conduct == code
