"""A panellist reads each bid they are not conflicted on and scores it from 1 to 5 against each criterion, while
scoring is open (by the server's clock); they can change their scores until it closes."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import Attachment, AuditEvent, Bid, RoundStatus, Score, utcnow
from grants.panel import rules
from tests.panel.helpers import PANELLIST, Panel, make_panel, score_form
from tests.support.db import app_session, count
from tests.support.factories import PASSWORD
from tests.support.scenarios import set_round as update_round
from tests.support.signin import signed_in as sign_in_as
from tests.support.threads import run_together


def _url(panel: Panel, i: int = 0) -> str:
    return f"/panel/rounds/{panel.round_id}/bids/{panel.bid_ids[i]}"


def _scores(app: Flask) -> list[tuple[int, int, int, str]]:
    with app_session(app) as s:
        return [
            (r.bid_id, r.criterion_id, r.value, r.comment)
            for r in s.scalars(sa.select(Score).order_by(Score.bid_id, Score.criterion_id))
        ]


def test_the_scoring_page_shows_the_whole_bid_and_each_criterion(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    with app_session(app) as s:
        bid = s.get(Bid, panel.bid_ids[0])
        assert bid is not None
        bid.recording_url = "https://video.example.org/elm-park"
        content = b"%PDF-1.4 leaflet"
        s.add(
            Attachment(
                bid_id=bid.id,
                filename="leaflet.pdf",
                content_type="application/pdf",
                size_bytes=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
            )
        )
    sign_in_as(client, PANELLIST)
    page = client.get(_url(panel)).text
    for text in (
        "Bid from Elm Park Friends",
        "Elm Park Friends",
        "Hill Ward, RV9",
        "Informal group",
        "What will you do?",
        "Open a warm room twice a week.",
        "£500",
        "Heaters",
        "https://video.example.org/elm-park",
        "Download leaflet.pdf",
        "Local need",
        "Does the area need this?",
        "Weight 2",
        "A good plan",
        "1: Poor",
        "5: Excellent",
        "Comment on Local need (optional)",
    ):
        assert text in page, text
    file = client.get(f"{_url(panel)}/attachment")
    assert file.status_code == 200 and file.data == b"%PDF-1.4 leaflet"
    assert file.headers["X-Content-Type-Options"] == "nosniff"
    assert file.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in file.headers["Content-Disposition"]
    assert client.get(f"{_url(panel, 1)}/attachment").status_code == 404  # that bid has no file


def test_scores_are_saved_together_and_progress_is_shown(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, PANELLIST)
    assert "You have scored 0 of 3 bids" in client.get(f"/panel/rounds/{panel.round_id}/bids").text
    response = client.post(_url(panel), data=score_form(panel, [4, 2], ["Real need on the estate", ""]))
    assert response.headers["Location"] == f"/panel/rounds/{panel.round_id}/bids"
    listing = client.get(response.headers["Location"]).text
    assert "Your scores for Elm Park Friends are saved. You have scored 1 of 3 bids." in listing
    assert "You have scored 1 of 3 bids" in listing and "Scored" in listing
    need, plan = panel.criterion_ids
    assert _scores(app) == [(panel.bid_ids[0], need, 4, "Real need on the estate"), (panel.bid_ids[0], plan, 2, "")]
    with app_session(app) as s:
        events = s.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("score.%")).order_by(AuditEvent.seq))
        facts = [(e.action, e.facts) for e in events]
    assert facts == [
        ("score.given", {"round_id": panel.round_id, "bid_id": panel.bid_ids[0], "criterion_id": need, "value": 4}),
        ("score.given", {"round_id": panel.round_id, "bid_id": panel.bid_ids[0], "criterion_id": plan, "value": 2}),
    ]
    hub = client.get(f"/panel/rounds/{panel.round_id}").text
    assert "You have scored 1 of 3 bids" in hub


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([None, 3], "Choose a score from 1 to 5 for Local need"),
        ([4, None], "Choose a score from 1 to 5 for A good plan"),
        ([0, 3], "Choose a score from 1 to 5 for Local need"),
        ([6, 3], "Choose a score from 1 to 5 for Local need"),
        (["3.5", 3], "Choose a score from 1 to 5 for Local need"),
        (["-1", 3], "Choose a score from 1 to 5 for Local need"),
        (["five", 3], "Choose a score from 1 to 5 for Local need"),
    ],
)
def test_a_missing_or_tampered_score_is_refused_and_nothing_is_saved(
    app: Flask, client: FlaskClient, values: list[object], message: str
) -> None:
    panel = make_panel(app)
    sign_in_as(client, PANELLIST)
    response = client.post(_url(panel), data=score_form(panel, values))
    assert response.status_code == 200
    assert "There is a problem" in response.text and message in response.text
    assert 'class="govuk-error-message"' in response.text  # next to the field, not only in the summary
    assert count(app, Score) == 0


def test_a_comment_over_the_limit_is_refused(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, PANELLIST)
    response = client.post(_url(panel), data=score_form(panel, [3, 3], ["x" * 1001, ""]))
    assert response.status_code == 200 and "Keep your comment to 1,000 characters or fewer" in response.text
    assert count(app, Score) == 0


def test_changing_a_score_updates_the_same_rows(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, PANELLIST)
    client.post(_url(panel), data=score_form(panel, [4, 2]))
    page = client.get(_url(panel)).text
    assert 'value="4" checked' in page and 'value="2" checked' in page  # what they gave is shown to change
    client.post(_url(panel), data=score_form(panel, [4, 5], ["", "A clear plan after all"]))
    need, plan = panel.criterion_ids
    assert _scores(app) == [(panel.bid_ids[0], need, 4, ""), (panel.bid_ids[0], plan, 5, "A clear plan after all")]
    with app_session(app) as s:
        changed = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "score.changed")).all()
    assert [e.facts["criterion_id"] for e in changed] == [plan]  # the unchanged score is not logged again
    assert "clear plan" not in str(changed[0].facts)


def test_a_double_click_makes_no_second_row(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, PANELLIST)
    for _ in range(2):
        assert client.post(_url(panel), data=score_form(panel, [3, 3])).status_code == 302
    assert count(app, Score) == 2
    assert count(app, AuditEvent, AuditEvent.action.like("score.%")) == 2


def test_two_tabs_saving_at_the_same_moment_make_one_score_per_criterion(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = make_panel(app)
    # Widen the race: a slow read between taking the seat's lock and looking for existing scores, so two saves
    # without the lock would both find none and both insert.
    real = rules.recused_bid_ids

    def slow(*args: Any, **kwargs: Any) -> set[int]:
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(rules, "recused_bid_ids", slow)
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        c.post("/sign-in", data={"email": PANELLIST, "password": PASSWORD})
    statuses: list[int] = []

    def save(i: int) -> None:
        value = (2, 4)[i]
        statuses.append(clients[i].post(_url(panel), data=score_form(panel, [value, value])).status_code)

    errors = run_together(len(clients), save, timeout=30)
    assert statuses == [302, 302], errors
    rows = _scores(app)
    assert len(rows) == 2 and len({r[2] for r in rows}) == 1  # one row per criterion, both from the same save


def test_scoring_is_refused_before_it_opens(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, status=RoundStatus.SCREENING)
    sign_in_as(client, PANELLIST)
    listing = client.get(f"/panel/rounds/{panel.round_id}/bids").text
    assert "Scoring has not opened yet" in listing and f'href="{_url(panel)}"' not in listing
    response = client.post(_url(panel), data=score_form(panel, [3, 3]))
    assert response.headers["Location"] == f"/panel/rounds/{panel.round_id}/bids"
    assert client.get(f"{_url(panel)}/attachment").status_code == 404
    assert count(app, Score) == 0


def test_scoring_is_refused_once_the_closing_time_has_passed(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, PANELLIST)
    client.post(_url(panel), data=score_form(panel, [3, 3]))
    page = client.get(_url(panel)).text  # the page was opened while scoring was open...
    assert "Save your scores" in page
    update_round(app, panel.round_id, scoring_closes_at=utcnow() - timedelta(seconds=1))  # ...and then it closed
    response = client.post(_url(panel), data=score_form(panel, [5, 5]))
    assert response.status_code == 200
    assert "Scoring closed on" in response.text and "Nothing was saved" in response.text
    assert {r[2] for r in _scores(app)} == {3}
    page = client.get(_url(panel)).text
    assert "Save your scores" not in page and "3: Fair" in page  # read-only, showing what they gave


def test_scoring_is_refused_after_the_round_is_decided(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, status=RoundStatus.DECIDED)
    sign_in_as(client, PANELLIST)
    response = client.post(_url(panel), data=score_form(panel, [3, 3]))
    assert response.status_code == 200 and "Scoring has closed" in response.text
    assert count(app, Score) == 0


def test_a_bid_that_is_not_with_the_panel_is_not_found(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    with app_session(app) as s:
        bid = s.get(Bid, panel.bid_ids[2])
        assert bid is not None
        bid.status = bid.status.INELIGIBLE
    sign_in_as(client, PANELLIST)
    assert client.get(_url(panel, 2)).status_code == 404
    assert client.get(f"/panel/rounds/{panel.round_id}/bids/{panel.bid_ids[0] + 1000}").status_code == 404
    assert client.get(f"/panel/rounds/{panel.other_round_id}/bids/{panel.bid_ids[0]}").status_code == 404
