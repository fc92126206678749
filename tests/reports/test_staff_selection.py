"""The most significant change: staff open and close the selection; panellists (and staff) pick up to two sent
stories of their round, each with a reason, and may change their picks while it is open."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from grants.models import Round, StoryChoice, StorySelection
from tests.reports.staff_helpers import Stories, make_stories
from tests.support.db import app_session, emails, events
from tests.support.factories import make_round
from tests.support.signin import signed_in


def _open(client: FlaskClient, st: Stories) -> None:
    signed_in(client, st.setting.staff_email)
    assert client.post(f"/staff/rounds/{st.round_id}/stories").status_code == 302
    client.post("/sign-out")


def _picks(app: Flask, user_id: int | None = None) -> dict[int, str]:
    with app_session(app) as s:
        query = sa.select(StoryChoice)
        if user_id is not None:
            query = query.where(StoryChoice.user_id == user_id)
        return {c.report_id: c.reason for c in s.scalars(query)}


def _choose(client: FlaskClient, round_id: int, picks: dict[int, str]) -> TestResponse:
    data: dict[str, object] = {"story": [str(i) for i in picks]}
    data.update({f"reason_{i}": reason for i, reason in picks.items()})
    return client.post(f"/rounds/{round_id}/stories", data=data)


def test_staff_open_the_selection_and_the_panel_is_emailed(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    assert "Not opened" in client.get(f"/staff/rounds/{st.round_id}/stories").text
    assert client.post(f"/staff/rounds/{st.round_id}/stories").status_code == 302
    assert "Open</strong>" in client.get(f"/staff/rounds/{st.round_id}/stories").text
    invited = [e.to_address for e in emails(app) if e.subject.startswith("Choose the most significant stories")]
    assert st.setting.panellist_email in invited and st.other_panellist_email not in invited
    assert any(f"http://localhost/rounds/{st.round_id}/stories" in e.body_text for e in emails(app))
    # Opening twice is refused.
    response = client.post(f"/staff/rounds/{st.round_id}/stories")
    assert response.status_code == 200 and "already open" in response.text
    assert [e.facts["round_id"] for e in events(app, "story.selection_opened")] == [st.round_id]


def test_panellist_picks_two_stories_with_reasons_and_changes_them(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    _open(client, st)
    signed_in(client, st.setting.panellist_email)
    page = client.get(f"/rounds/{st.round_id}/stories").text
    assert "knew their neighbours by name" in page and "trained as coaches" in page
    assert "A draft nobody has sent yet" not in page and "Something in another round" not in page
    picks = {st.report_id: "People stopped being lonely.", st.report2_id: "Young people now lead."}
    assert _choose(client, st.round_id, picks).status_code == 302
    assert _picks(app, st.panellist_id) == picks
    page = client.get(f"/rounds/{st.round_id}/stories").text
    assert "People stopped being lonely." in page and "checked" in page
    # Change: drop one, reword the other.
    assert _choose(client, st.round_id, {st.report2_id: "They run it themselves now."}).status_code == 302
    assert _picks(app, st.panellist_id) == {st.report2_id: "They run it themselves now."}
    chosen = events(app, "story.chosen")
    assert [e.facts for e in chosen] == [
        {"round_id": st.round_id, "report_id": st.report_id, "chosen_as": "panellist"},
        {"round_id": st.round_id, "report_id": st.report2_id, "chosen_as": "panellist"},
        {"round_id": st.round_id, "report_id": st.report2_id, "chosen_as": "panellist"},
    ]
    assert [e.facts["report_id"] for e in events(app, "story.unchosen")] == [st.report_id]


def test_more_than_two_is_refused(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    _open(client, st)
    signed_in(client, st.setting.panellist_email)
    picks = {st.report_id: "a", st.report2_id: "b", st.other_report_id: "c"}
    response = _choose(client, st.round_id, picks)
    assert response.status_code == 200 and "Choose at most 2 stories" in response.text
    assert _picks(app) == {}


def test_a_story_from_another_round_or_a_draft_is_refused(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    _open(client, st)
    signed_in(client, st.setting.panellist_email)
    for report_id in (st.other_report_id, st.draft_id):
        response = _choose(client, st.round_id, {report_id: "Moving."})
        assert response.status_code == 200 and "Choose from the stories sent in this round" in response.text
    assert _picks(app) == {}


def test_a_reason_is_required_and_limited(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    _open(client, st)
    signed_in(client, st.setting.panellist_email)
    response = _choose(client, st.round_id, {st.report_id: "   "})
    assert response.status_code == 200 and "Say why you chose this story" in response.text
    assert f'href="#reason_{st.report_id}"' in response.text
    response = _choose(client, st.round_id, {st.report_id: "x" * 1001})
    assert response.status_code == 200 and "1,000 characters or fewer" in response.text
    assert _picks(app) == {}


def test_picks_are_refused_before_opening_and_after_closing(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.panellist_email)
    response = _choose(client, st.round_id, {st.report_id: "Moving."})
    assert response.status_code == 200 and "is not open" in response.text
    client.post("/sign-out")
    _open(client, st)
    signed_in(client, st.setting.panellist_email)
    assert _choose(client, st.round_id, {st.report_id: "Moving."}).status_code == 302
    client.post("/sign-out")
    signed_in(client, st.setting.staff_email)
    assert client.post(f"/staff/rounds/{st.round_id}/stories/close").status_code == 302
    with app_session(app) as s:
        assert s.scalars(sa.select(StorySelection.closed_at)).one() is not None
    client.post("/sign-out")
    signed_in(client, st.setting.panellist_email)
    response = _choose(client, st.round_id, {st.report2_id: "Changed my mind."})
    assert response.status_code == 200 and "has closed" in response.text
    assert _picks(app, st.panellist_id) == {st.report_id: "Moving."}
    assert "The selection closed on" in client.get(f"/rounds/{st.round_id}/stories").text


def test_staff_may_pick_too_and_their_pick_is_recorded_as_staffs(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    _open(client, st)
    signed_in(client, st.setting.staff_email)
    assert _choose(client, st.round_id, {st.report2_id: "A model for others."}).status_code == 302
    assert _picks(app, st.setting.staff_id) == {st.report2_id: "A model for others."}
    with app_session(app) as s:
        assert s.scalars(sa.select(StoryChoice.chosen_as)).one() == "staff"
    (event,) = events(app, "story.chosen")
    assert event.actor_id == st.setting.staff_id and event.facts["chosen_as"] == "staff"


def test_a_closed_selection_reopens_only_with_a_reason_that_is_logged(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    _open(client, st)
    signed_in(client, st.setting.staff_email)
    client.post(f"/staff/rounds/{st.round_id}/stories/close")

    plain = client.post(f"/staff/rounds/{st.round_id}/stories")
    assert plain.status_code == 200 and "To reopen it, say why" in plain.text
    no_reason = client.post(f"/staff/rounds/{st.round_id}/stories/reopen", data={"reason": " "})
    assert no_reason.status_code == 200 and "Say why you are reopening the selection" in no_reason.text
    with app_session(app) as s:
        assert s.scalars(sa.select(StorySelection.closed_at)).one() is not None

    reason = "One panellist was in hospital when it closed"
    assert client.post(f"/staff/rounds/{st.round_id}/stories/reopen", data={"reason": reason}).status_code == 302
    with app_session(app) as s:
        assert s.scalars(sa.select(StorySelection.closed_at)).one() is None
    (event,) = events(app, "story.selection_reopened")
    assert event.facts["reason"] == reason and event.actor_id == st.setting.staff_id


def test_selection_cannot_open_with_no_stories(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    with app_session(app) as s:
        round_ = s.get(Round, st.round_id)
        assert round_ is not None
        empty_id = make_round(s, round_.funder).id
    signed_in(client, st.setting.staff_email)
    response = client.post(f"/staff/rounds/{empty_id}/stories")
    assert response.status_code == 200 and "No group in this round has sent its story yet" in response.text
