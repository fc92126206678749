"""Before scoring, a panellist says for each bid whether they have a conflict of interest. A conflict recuses them
from the bid: no scoring page, no place in their list, and any scores they gave it before no longer count."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import AuditEvent, ConflictDeclaration, ConflictKind, PanelMember, RoundStatus, Score, utcnow
from tests.panel.helpers import PANELLIST, STAFF, declare, give_scores, make_panel
from tests.support.db import app_session, count
from tests.support.scenarios import set_round as update_round
from tests.support.signin import signed_in as sign_in_as


def _url(round_id: int) -> str:
    return f"/panel/rounds/{round_id}/declarations"


def test_before_declaring_a_panellist_sees_only_each_groups_name_and_the_bids_title(
    app: Flask, client: FlaskClient
) -> None:
    panel = make_panel(app, declared=False)
    sign_in_as(client, PANELLIST)
    page = client.get(_url(panel.round_id)).text
    assert "Elm Park Friends: Bid from Elm Park Friends" in page
    assert "Open a warm room twice a week." not in page  # an answer
    assert "£500" not in page and "Heaters" not in page  # the amount and the breakdown
    assert "Hill Ward" not in page  # the group's area
    assert "You have answered for 0 of 3 bids" in page
    # The bids themselves stay closed until every bid has an answer.
    response = client.get(f"/panel/rounds/{panel.round_id}/bids/{panel.bid_ids[0]}")
    assert response.headers["Location"] == _url(panel.round_id)
    assert client.get(f"/panel/rounds/{panel.round_id}/bids").headers["Location"] == _url(panel.round_id)


def test_a_panellist_answers_some_bids_now_and_the_rest_later(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, declared=False)
    sign_in_as(client, PANELLIST)
    response = client.post(_url(panel.round_id), data={f"kind_{panel.bid_ids[0]}": "none"})
    assert response.headers["Location"] == _url(panel.round_id)
    assert "You still need to answer for 2 bids" in client.get(_url(panel.round_id)).text
    response = client.post(
        _url(panel.round_id),
        data={
            f"kind_{panel.bid_ids[0]}": "none",
            f"kind_{panel.bid_ids[1]}": "none",
            f"kind_{panel.bid_ids[2]}": "financial",
            f"note_{panel.bid_ids[2]}": "  I sell them their soup  ",
        },
    )
    assert response.headers["Location"] == f"/panel/rounds/{panel.round_id}"
    assert "You have answered for every bid" in client.get(response.headers["Location"]).text
    with app_session(app) as s:
        rows = {d.bid_id: d for d in s.scalars(sa.select(ConflictDeclaration))}
        assert [rows[b].kind for b in panel.bid_ids] == [ConflictKind.NONE, ConflictKind.NONE, ConflictKind.FINANCIAL]
        assert rows[panel.bid_ids[2]].note == "I sell them their soup" and not rows[panel.bid_ids[2]].by_system
        events = s.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("conflict.%"))).all()
    # The first bid was sent twice with the same answer: recorded once, and nothing logged the second time.
    assert [e.action for e in events] == ["conflict.declared"] * 3
    assert events[-1].facts == {
        "round_id": panel.round_id,
        "bid_id": panel.bid_ids[2],
        "kind": "financial",
        "by_system": False,
    }
    assert "soup" not in str([e.facts for e in events])  # the note is never in the audit chain


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "personal", "note": ""}, "Say in a few words what your conflict with Elm Park Friends is"),
        ({"kind": "other", "note": "   "}, "Say in a few words what your conflict with Elm Park Friends is"),
        ({"kind": "personal", "note": "x" * 501}, "Keep your note to 500 characters or fewer"),
        ({"kind": "bribery", "note": "x"}, "Choose one of the answers for Elm Park Friends"),
    ],
)
def test_a_conflict_needs_a_short_note_and_nothing_is_saved_without_one(
    app: Flask, client: FlaskClient, data: dict[str, str], message: str
) -> None:
    panel = make_panel(app, declared=False)
    sign_in_as(client, PANELLIST)
    response = client.post(
        _url(panel.round_id),
        data={
            f"kind_{panel.bid_ids[0]}": data["kind"],
            f"note_{panel.bid_ids[0]}": data["note"],
            f"kind_{panel.bid_ids[1]}": "none",
        },
    )
    assert response.status_code == 200 and message in response.text
    assert "There is a problem" in response.text
    assert count(app, ConflictDeclaration) == 0  # all or nothing: the valid answer was not saved either


def test_a_declared_conflict_recuses_the_panellist_from_the_bid(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, PANELLIST)
    client.post(
        _url(panel.round_id), data={f"kind_{panel.bid_ids[1]}": "personal", f"note_{panel.bid_ids[1]}": "My cousin"}
    )
    listing = client.get(f"/panel/rounds/{panel.round_id}/bids").text
    assert "Northside Youth Football" not in listing and "You have scored 0 of 2 bids" in listing
    assert "You are not scoring 1 bid because of a conflict of interest" in listing
    assert client.get(f"/panel/rounds/{panel.round_id}/bids/{panel.bid_ids[1]}").status_code == 404
    response = client.post(f"/panel/rounds/{panel.round_id}/bids/{panel.bid_ids[1]}", data={})
    assert response.status_code == 404
    assert client.get(f"/panel/rounds/{panel.round_id}/bids/{panel.bid_ids[1]}/attachment").status_code == 404
    assert count(app, Score) == 0


def test_a_conflict_declared_after_scoring_keeps_the_scores_but_says_they_will_not_count(
    app: Flask, client: FlaskClient
) -> None:
    panel = make_panel(app)
    give_scores(app, panel.round_id, PANELLIST, panel.bid_ids[0], [5, 5], comment="Lovely")
    sign_in_as(client, PANELLIST)
    response = client.post(
        _url(panel.round_id),
        data={f"kind_{panel.bid_ids[0]}": "personal", f"note_{panel.bid_ids[0]}": "My neighbour runs it"},
    )
    hub = client.get(response.headers["Location"]).text
    assert "Your 2 scores for this bid will not count." in hub
    page = client.get(_url(panel.round_id)).text
    assert "You gave this bid 2 scores before you declared this conflict. They are kept but will not count." in page
    assert count(app, Score) == 2  # kept, for the record; the summary and the tally leave them out
    with app_session(app) as s:
        event = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "conflict.changed")).one()
        assert event.facts["kind"] == "personal"


def test_a_conflict_withdrawn_while_scoring_is_open_needs_a_reason_and_is_logged(
    app: Flask, client: FlaskClient
) -> None:
    panel = make_panel(app)
    bid_id = panel.bid_ids[0]
    declare(app, PANELLIST, bid_id, ConflictKind.OTHER, "Not sure")
    sign_in_as(client, PANELLIST)
    assert "If you are withdrawing this conflict, say why" in client.get(_url(panel.round_id)).text

    refused = client.post(_url(panel.round_id), data={f"kind_{bid_id}": "none", f"note_{bid_id}": "x"})
    assert refused.status_code == 200 and "To withdraw it, say why" in refused.text
    with app_session(app) as s:
        row = s.scalars(sa.select(ConflictDeclaration).where(ConflictDeclaration.bid_id == bid_id)).one()
        assert row.kind == ConflictKind.OTHER

    reason = "I mixed this group up with another one"
    client.post(_url(panel.round_id), data={f"kind_{bid_id}": "none", f"withdrawal_{bid_id}": reason})
    with app_session(app) as s:
        row = s.scalars(sa.select(ConflictDeclaration).where(ConflictDeclaration.bid_id == bid_id)).one()
        assert (row.kind, row.note, row.withdrawal_reason) == (ConflictKind.NONE, "", reason)
        assert row.withdrawn_at is not None
        (event,) = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "conflict.withdrawn"))
        assert event.facts["withdrawn_kind"] == "other" and event.facts["bid_id"] == bid_id
        assert reason not in str(event.facts)  # free text stays on the row; the chain holds its hash
    assert client.get(f"/panel/rounds/{panel.round_id}/bids/{bid_id}").status_code == 200


def test_after_scoring_closes_a_new_conflict_can_be_declared_but_none_withdrawn(
    app: Flask, client: FlaskClient
) -> None:
    panel = make_panel(app, status=RoundStatus.VOTING, scoring_closes_at=utcnow() - timedelta(days=1))
    declare(app, PANELLIST, panel.bid_ids[1], ConflictKind.PERSONAL, "My cousin")
    sign_in_as(client, PANELLIST)
    page = client.get(_url(panel.round_id)).text
    assert "A conflict you have declared can no longer be withdrawn" in page
    response = client.post(_url(panel.round_id), data={f"kind_{panel.bid_ids[1]}": "none"})
    assert response.status_code == 200 and "Choose one of the answers" in response.text
    response = client.post(
        _url(panel.round_id), data={f"kind_{panel.bid_ids[0]}": "financial", f"note_{panel.bid_ids[0]}": "A supplier"}
    )
    assert response.status_code == 302
    with app_session(app) as s:
        kinds = {d.bid_id: d.kind for d in s.scalars(sa.select(ConflictDeclaration))}
    assert kinds[panel.bid_ids[0]] == ConflictKind.FINANCIAL and kinds[panel.bid_ids[1]] == ConflictKind.PERSONAL


@pytest.mark.parametrize(
    "round_values",
    [
        {"status": RoundStatus.DECIDED},
        {"status": RoundStatus.VOTING, "voting_closes_at": utcnow() - timedelta(minutes=1)},
    ],
)
def test_declarations_are_frozen_once_voting_has_closed(
    app: Flask, client: FlaskClient, round_values: dict[str, object]
) -> None:
    panel = make_panel(app, scoring_closes_at=utcnow() - timedelta(days=2))
    update_round(app, panel.round_id, **round_values)
    sign_in_as(client, PANELLIST)
    page = client.get(_url(panel.round_id)).text
    assert "can no longer be changed" in page and "Save your answers" not in page
    response = client.post(
        _url(panel.round_id), data={f"kind_{panel.bid_ids[0]}": "personal", f"note_{panel.bid_ids[0]}": "Late"}
    )
    assert response.status_code == 200 and "Declarations for this round are closed" in response.text
    assert count(app, ConflictDeclaration, ConflictDeclaration.kind != ConflictKind.NONE) == 0


def test_a_bid_made_eligible_later_needs_an_answer_before_scoring_goes_on(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    with app_session(app) as s:
        s.execute(sa.delete(ConflictDeclaration).where(ConflictDeclaration.bid_id == panel.bid_ids[2]))
    sign_in_as(client, PANELLIST)
    response = client.get(f"/panel/rounds/{panel.round_id}/bids")
    assert response.headers["Location"] == _url(panel.round_id)
    assert "You have answered for 2 of 3 bids" in client.get(_url(panel.round_id)).text


def test_the_chair_and_staff_see_each_withdrawn_conflict_and_its_reason(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, panellists=2)
    bid_id = panel.bid_ids[0]
    declare(app, "panel2@example.com", bid_id, ConflictKind.PERSONAL, "My neighbour")
    reason = "My neighbour left the group last year"
    other = sign_in_as(app.test_client(), "panel2@example.com")
    other.post(_url(panel.round_id), data={f"kind_{bid_id}": "none", f"withdrawal_{bid_id}": reason})
    with app_session(app) as s:
        seat = s.get(PanelMember, panel.member_ids[PANELLIST])
        assert seat is not None
        seat.is_chair = True

    sign_in_as(client, PANELLIST)
    chair_page = client.get(f"/panel/rounds/{panel.round_id}/summary").text
    assert "Conflicts withdrawn" in chair_page and reason in chair_page
    assert reason not in other.get(f"/panel/rounds/{panel.round_id}/summary").text  # not for the whole panel
    staff = sign_in_as(app.test_client(), STAFF)
    assert reason in staff.get(f"/staff/rounds/{panel.round_id}/panel").text
    assert reason in staff.get(f"/staff/rounds/{panel.round_id}/summary").text
