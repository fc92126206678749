"""Once scoring has closed, the panel (and staff) see an anonymous summary: bids ranked by weighted mean score over
the scores that count, the spread of scores, bids with too few scorers, and the comments. The chair and staff
record notes of the discussion."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.decisions.inputs import tally_inputs
from grants.models import (
    AuditEvent,
    Bid,
    ConflictKind,
    DeliberationNote,
    PanelMember,
    Round,
    RoundStatus,
    VotingMethod,
    utcnow,
)
from grants.panel import queries
from tests.panel.helpers import PANELLIST, STAFF, Panel, declare, give_scores, make_panel
from tests.support.db import app_session, count
from tests.support.scenarios import set_round as update_round
from tests.support.signin import signed_in as sign_in_as

P2, P3 = "panel2@example.com", "panel3@example.com"


def _closed_panel(app: Flask) -> Panel:
    """Three panellists; scoring closed an hour ago. Weights: Local need 2, A good plan 1."""
    panel = make_panel(app, panellists=3)
    a, b, c = panel.bid_ids
    give_scores(app, panel.round_id, PANELLIST, a, [5, 2], comment="Warm rooms matter")  # (10+2)/3 = 4
    give_scores(app, panel.round_id, P2, a, [4, 4], comment="")  # 4
    give_scores(app, panel.round_id, P3, a, [1, 1], comment="Zebra: not convinced")  # 1, but recused later
    give_scores(app, panel.round_id, PANELLIST, b, [3, 3])  # 3
    give_scores(app, panel.round_id, P2, b, [5, 5], comment="Brilliant")  # 5
    give_scores(app, panel.round_id, PANELLIST, c, [5, 5])  # 5, one scorer only: under the quorum of 2
    declare(app, P3, a, ConflictKind.PERSONAL, "My sister")  # declared after scoring: their scores no longer count
    update_round(app, panel.round_id, scoring_closes_at=utcnow() - timedelta(hours=1))
    return panel


def _summary_url(panel: Panel) -> str:
    return f"/panel/rounds/{panel.round_id}/summary"


def test_the_summary_waits_until_scoring_has_closed(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, panellists=2)
    give_scores(app, panel.round_id, "panel2@example.com", panel.bid_ids[0], [1, 1], comment="Secret comment")
    sign_in_as(client, PANELLIST)
    page = client.get(_summary_url(panel)).text
    assert "It will be ready when scoring closes on" in page
    assert "Secret comment" not in page and "Ranking" not in page


def test_the_summary_ranks_by_weighted_mean_leaving_out_recused_scores(app: Flask) -> None:
    panel = _closed_panel(app)
    with app_session(app) as s:
        round_ = s.get(Round, panel.round_id)
        assert round_ is not None
        summary = queries.score_summary(s, round_)
        rows = [(b.bid.id, b.mean, b.scorers, b.under_quorum, b.excluded) for b in summary.bids]
        spread_a = next(b.spread for b in summary.bids if b.bid.id == panel.bid_ids[0])
    a, b, c = panel.bid_ids
    # c has mean 5 (one scorer); a and b both 4 with two scorers and the same amount: a was submitted first.
    assert rows == [
        (c, Fraction(5), 1, True, 0),
        (a, Fraction(4), 2, False, 2),
        (b, Fraction(4), 2, False, 0),
    ]
    assert spread_a == {1: 0, 2: 1, 3: 0, 4: 2, 5: 1}  # the recused panellist's two 1s are not in it


def test_the_summary_breaks_a_tie_as_the_tally_does(app: Flask) -> None:
    panel = make_panel(app, panellists=2, voting_method=VotingMethod.SCORES)
    a, b, c = panel.bid_ids
    with app_session(app) as s:
        # The same amount and submission time for every bid, and references in the opposite order to the bids'
        # ids: only the tally's last tie-break decides, and ordering by reference would not agree with it.
        sent = utcnow() - timedelta(days=20)
        bids = s.scalars(sa.select(Bid).where(Bid.id.in_(panel.bid_ids)).order_by(Bid.id)).all()
        for bid, number in zip(bids, (3000, 2000, 1000), strict=True):
            bid.submitted_at, bid.amount_pence, bid.number = sent, 500_00, number
    for email in (PANELLIST, P2):
        for bid_id in (c, a, b):
            give_scores(app, panel.round_id, email, bid_id, [3, 3])
    update_round(app, panel.round_id, scoring_closes_at=utcnow() - timedelta(hours=1))
    with app_session(app) as s:
        round_ = s.get(Round, panel.round_id)
        assert round_ is not None
        summary = queries.score_summary(s, round_)
        tally = tally_inputs(s, round_).run()
    assert [item.bid.id for item in summary.bids] == [result.bid_id for result in tally.bids] == [a, b, c]
    assert [(item.mean, item.scorers) for item in summary.bids] == [(r.mean_score, r.scorers) for r in tally.bids]


def test_panellists_see_the_anonymous_summary(app: Flask, client: FlaskClient) -> None:
    panel = _closed_panel(app)
    sign_in_as(client, PANELLIST)
    page = client.get(_summary_url(panel)).text
    order = [page.index(f"Bid from {name}</a>") for name in ("Riverside Food Share", "Elm Park Friends")]
    assert order == sorted(order)
    assert "5.00" in page and "4.00" in page
    assert "Fewer than 2 scorers" in page and "1 bid was scored by fewer than 2 panellists" in page
    assert "Warm rooms matter" in page and "Brilliant" in page
    assert "Zebra: not convinced" not in page  # a recused panellist's comment does not count either
    assert "2 scores from panellists who later declared a conflict of interest are not counted" in page
    assert "<svg" in page and "Scores given: 0 scored 1, 1 scored 2, 0 scored 3, 2 scored 4, 1 scored 5." in page
    for name in ("Panellist panel2", "Panellist panel3", P2, P3):  # the other panellists: never named
        assert name not in page, name


def test_a_recused_panellist_does_not_see_comments_on_that_bid(app: Flask, client: FlaskClient) -> None:
    panel = _closed_panel(app)
    sign_in_as(client, P3)
    page = client.get(_summary_url(panel)).text
    assert "Warm rooms matter" not in page and "its comments are not shown to you" in page
    assert "Brilliant" in page


def test_staff_see_the_summary_too(app: Flask, client: FlaskClient) -> None:
    panel = _closed_panel(app)
    sign_in_as(client, STAFF)
    page = client.get(f"/staff/rounds/{panel.round_id}/summary").text
    assert "Warm rooms matter" in page and "Fewer than 2 scorers" in page


def test_the_chair_and_staff_add_notes_shown_with_their_role_not_their_name(app: Flask, client: FlaskClient) -> None:
    panel = _closed_panel(app)
    with app_session(app) as s:
        seat = s.get(PanelMember, panel.member_ids[PANELLIST])
        assert seat is not None
        seat.is_chair = True
    sign_in_as(client, PANELLIST)
    response = client.post(_summary_url(panel), data={"text": "We agreed to look again at the football bid."})
    assert response.headers["Location"] == f"{_summary_url(panel)}#notes"
    client.post("/sign-out")
    sign_in_as(client, STAFF)
    response = client.post(f"/staff/rounds/{panel.round_id}/summary", data={"text": "Due diligence is fine."})
    assert response.status_code == 302
    page = client.get(f"/staff/rounds/{panel.round_id}/summary").text
    chair_note, staff_note = page.index("look again at the football"), page.index("Due diligence is fine.")
    assert chair_note < staff_note  # in time order
    assert "<strong>Chair</strong>" in page and "<strong>Staff</strong>" in page
    assert "Sam Staff</strong>" not in page
    with app_session(app) as s:
        notes = s.scalars(sa.select(DeliberationNote).order_by(DeliberationNote.id)).all()
        events = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "deliberation.note_added")).all()
        assert [(e.actor_role, e.facts) for e in events] == [
            ("chair", {"round_id": panel.round_id, "note_id": notes[0].id}),
            ("staff", {"round_id": panel.round_id, "note_id": notes[1].id}),
        ]


def test_a_panellist_who_is_not_the_chair_cannot_add_notes(app: Flask, client: FlaskClient) -> None:
    panel = _closed_panel(app)
    sign_in_as(client, PANELLIST)
    assert "Add a note of the discussion" not in client.get(_summary_url(panel)).text
    assert client.post(_summary_url(panel), data={"text": "Sneaky"}).status_code == 403
    assert count(app, DeliberationNote) == 0


def test_notes_must_be_written_and_short_enough(app: Flask, client: FlaskClient) -> None:
    panel = _closed_panel(app)
    sign_in_as(client, STAFF)
    url = f"/staff/rounds/{panel.round_id}/summary"
    assert "Write the note before saving it" in client.post(url, data={"text": "  "}).text
    assert "Keep the note to 5,000 characters or fewer" in client.post(url, data={"text": "x" * 5001}).text
    assert count(app, DeliberationNote) == 0


def test_notes_wait_for_scoring_to_close_and_stop_when_the_round_is_decided(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, STAFF)
    url = f"/staff/rounds/{panel.round_id}/summary"
    response = client.post(url, data={"text": "Too early"})
    assert response.status_code == 200 and "Notes can be added once scoring has closed" in response.text
    update_round(app, panel.round_id, status=RoundStatus.DECIDED)
    assert "no more notes can be added" in client.get(url).text
    assert "no more notes can be added" in client.post(url, data={"text": "Too late"}).text
    assert count(app, DeliberationNote) == 0
