"""Staff invite residents onto a round's panel; a resident joins, agrees to the code of conduct, and only then
sees anything of the bids. Staff follow each member's progress and appoint the chair."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.extensions import db
from grants.models import (
    AuditEvent,
    Ballot,
    ConflictDeclaration,
    ConflictKind,
    GroupMember,
    Invitation,
    OutboxEmail,
    PanelMember,
    Round,
    User,
    utcnow,
)
from tests.panel.helpers import APPLICANT, PANELLIST, STAFF, give_scores, link_in, make_panel, score_form
from tests.support.db import app_session, count
from tests.support.factories import make_panellist
from tests.support.signin import signed_in as sign_in_as


def _invite(client: FlaskClient, round_id: int, email: str) -> str:
    response = client.post(f"/staff/rounds/{round_id}/panel", data={"email": email})
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def _last_link(app: Flask, email: str) -> str:
    with app_session(app) as s:
        mail = s.scalars(
            sa.select(OutboxEmail).where(OutboxEmail.to_address == email).order_by(OutboxEmail.id.desc())
        ).first()
        assert mail is not None
        return link_in(mail.body_text)


def test_invited_resident_joins_and_must_agree_to_the_code_of_conduct_first(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, STAFF)
    assert _invite(client, panel.round_id, "Nia@Example.com") == f"/staff/rounds/{panel.round_id}/panel"
    assert "nia@example.com" in client.get(f"/staff/rounds/{panel.round_id}/panel").text
    link = _last_link(app, "nia@example.com")
    client.post("/sign-out")

    response = client.post(
        link, data={"name": "Nia Jones", "password": "a long password", "confirm": "a long password"}
    )
    assert response.headers["Location"] == "/panel"
    home = client.get("/panel").text
    assert "Winter Warmth" in home and "Read the code of conduct" in home
    assert f'href="/panel/rounds/{panel.round_id}"' in home

    # Nothing about the bids before agreeing: each panel page sends them back to the code of conduct.
    for path in ("declarations", "bids", f"bids/{panel.bid_ids[0]}", "summary"):
        response = client.get(f"/panel/rounds/{panel.round_id}/{path}")
        assert response.headers["Location"] == f"/panel/rounds/{panel.round_id}", path
    page = client.get(f"/panel/rounds/{panel.round_id}").text
    assert "code of conduct" in page and "Do not lobby" in page and "personal data" in page
    assert "Elm Park Friends" not in page

    response = client.post(f"/panel/rounds/{panel.round_id}/code-of-conduct")
    assert response.headers["Location"] == f"/panel/rounds/{panel.round_id}"
    hub = client.get(f"/panel/rounds/{panel.round_id}").text
    assert "Thank you for agreeing" in hub and "Your panel tasks" in hub
    assert "Say if you have a conflict with any bid" in hub and "You have answered for 0 of 3 bids" in hub
    assert "Scoring is open until" in hub
    with app_session(app) as s:
        seat = s.scalars(sa.select(PanelMember).join(User).where(User.email == "nia@example.com")).one()
        assert seat.conduct_accepted_at is not None
        events = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "panel.conduct_accepted")).all()
        assert [(e.object_id, e.facts) for e in events] == [(seat.id, {"round_id": panel.round_id})]
    # Agreeing twice (a double click) records it once.
    client.post(f"/panel/rounds/{panel.round_id}/code-of-conduct")
    assert count(app, AuditEvent, AuditEvent.action == "panel.conduct_accepted") == 1


def test_a_round_can_write_its_own_code_of_conduct(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, accepted=False, code_of_conduct="Be kind.\n\nNo phones at meetings.")
    sign_in_as(client, PANELLIST)
    page = client.get(f"/panel/rounds/{panel.round_id}").text
    assert "No phones at meetings." in page and "Do not lobby" not in page


def test_a_member_of_a_bidding_group_is_recused_from_its_bid_by_the_system(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, accepted=False)
    with app_session(app) as s:
        user = s.scalars(sa.select(User).where(User.email == PANELLIST)).one()
        s.add(GroupMember(group_id=panel.group_ids[1], user_id=user.id))
    sign_in_as(client, PANELLIST)
    client.post(f"/panel/rounds/{panel.round_id}/code-of-conduct")
    hub = client.get(f"/panel/rounds/{panel.round_id}").text
    assert "You are a member of Northside Youth Football, so you will not score or vote on its bid." in hub
    with app_session(app) as s:
        row = s.scalars(sa.select(ConflictDeclaration).where(ConflictDeclaration.bid_id == panel.bid_ids[1])).one()
        assert (row.kind, row.by_system, row.note) == (
            ConflictKind.ORGANISATIONAL,
            True,
            "You are a member of this group",
        )
        event = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "conflict.declared")).one()
        assert event.facts == {
            "round_id": panel.round_id,
            "bid_id": panel.bid_ids[1],
            "kind": "organisational",
            "by_system": True,
        }
    page = client.get(f"/panel/rounds/{panel.round_id}/declarations").text
    assert "You are a member of Northside Youth Football" in page and "cannot be changed" in page
    assert f'name="kind_{panel.bid_ids[1]}"' not in page  # no question to answer for it
    # Sending an answer for it anyway (a tampered form) changes nothing.
    client.post(f"/panel/rounds/{panel.round_id}/declarations", data={f"kind_{panel.bid_ids[1]}": "none"})
    assert count(app, ConflictDeclaration, ConflictDeclaration.kind == ConflictKind.NONE) == 0
    # Once they have answered for the others, the bid is absent from their list and its page is not theirs.
    client.post(
        f"/panel/rounds/{panel.round_id}/declarations",
        data={f"kind_{panel.bid_ids[0]}": "none", f"kind_{panel.bid_ids[2]}": "none"},
    )
    listing = client.get(f"/panel/rounds/{panel.round_id}/bids").text
    assert "You have scored 0 of 2 bids" in listing and "Northside Youth Football" not in listing
    assert client.get(f"/panel/rounds/{panel.round_id}/bids/{panel.bid_ids[1]}").status_code == 404


def test_joining_a_bidding_group_later_recuses_at_once_and_is_recorded_at_the_next_answer(
    app: Flask, client: FlaskClient
) -> None:
    panel = make_panel(app)
    give_scores(app, panel.round_id, PANELLIST, panel.bid_ids[2], [4, 4])
    with app_session(app) as s:
        user = s.scalars(sa.select(User).where(User.email == PANELLIST)).one()
        s.add(GroupMember(group_id=panel.group_ids[2], user_id=user.id))
    sign_in_as(client, PANELLIST)
    url = f"/panel/rounds/{panel.round_id}/declarations"
    page = client.get(url).text
    assert "You are a member of Riverside Food Share" in page and "Your 2 scores for it will not count" in page
    # Opening the page writes nothing (a GET never writes): the rules recuse them already.
    with app_session(app) as s:
        row = s.scalars(sa.select(ConflictDeclaration).where(ConflictDeclaration.bid_id == panel.bid_ids[2])).one()
        assert not row.by_system and row.kind == ConflictKind.NONE
    assert count(app, AuditEvent, AuditEvent.action.like("conflict.%")) == 0
    assert client.get(f"/panel/rounds/{panel.round_id}/bids/{panel.bid_ids[2]}").status_code == 404

    # Their next answer records the recusal, with its audit event, and tells them.
    response = client.post(url, data={})
    assert response.status_code == 302
    hub = client.get(response.headers["Location"]).text
    assert "You are a member of Riverside Food Share" in hub and "Your 2 scores for it will not count" in hub
    with app_session(app) as s:
        row = s.scalars(sa.select(ConflictDeclaration).where(ConflictDeclaration.bid_id == panel.bid_ids[2])).one()
        assert row.by_system and row.kind == ConflictKind.ORGANISATIONAL
        assert s.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("conflict.%"))).all() == [
            "conflict.changed"
        ]
    page = client.get(url).text  # opening it again records nothing new, and tells them no more
    assert "Your 2 scores for it will not count" not in page and "cannot be changed" in page
    client.post(url, data={})  # nor does answering again
    assert count(app, AuditEvent, AuditEvent.action.like("conflict.%")) == 1


def test_a_score_also_records_an_own_groups_recusal(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    with app_session(app) as s:
        user = s.scalars(sa.select(User).where(User.email == PANELLIST)).one()
        s.add(GroupMember(group_id=panel.group_ids[1], user_id=user.id))
    sign_in_as(client, PANELLIST)
    data = score_form(panel, [4, 4])
    response = client.post(f"/panel/rounds/{panel.round_id}/bids/{panel.bid_ids[0]}", data=data)
    assert response.status_code == 302
    assert "You are a member of Northside Youth Football" in client.get(response.headers["Location"]).text
    with app_session(app) as s:
        row = s.scalars(sa.select(ConflictDeclaration).where(ConflictDeclaration.bid_id == panel.bid_ids[1])).one()
        assert row.by_system
    assert count(app, AuditEvent, AuditEvent.action == "conflict.changed") == 1


def test_staff_resend_gives_a_new_link_and_the_old_one_stops_working(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, STAFF)
    _invite(client, panel.round_id, "nia@example.com")
    old_link = _last_link(app, "nia@example.com")
    with app_session(app) as s:
        old_id = s.scalars(sa.select(Invitation.id).where(Invitation.email == "nia@example.com")).one()
    response = client.post(f"/staff/rounds/{panel.round_id}/panel/invitations/{old_id}/resend")
    assert response.status_code == 302
    assert "A new invitation has been sent to nia@example.com" in client.get(response.headers["Location"]).text
    new_link = _last_link(app, "nia@example.com")
    assert new_link != old_link
    with app_session(app) as s:
        old = s.get(Invitation, old_id)
        assert old is not None and old.revoked_at is not None
        event = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.revoked")).one()
        assert event.facts == {"round_id": panel.round_id, "resent": True}
    client.post("/sign-out")
    assert client.get(old_link).status_code == 400
    assert "withdrawn" in client.get(old_link).text
    assert client.get(new_link).status_code == 200


def test_staff_revoke_an_invitation(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, STAFF)
    with app_session(app) as s:
        email = s.get(Invitation, panel.invitation_id).email  # type: ignore[union-attr]
    page = client.get(f"/staff/rounds/{panel.round_id}/panel").text
    assert email in page
    response = client.post(f"/staff/rounds/{panel.round_id}/panel/invitations/{panel.invitation_id}/revoke")
    page = client.get(response.headers["Location"]).text
    assert f"The invitation to {email} has been withdrawn" in page
    assert "None." in page  # no invitations left waiting
    with app_session(app) as s:
        assert s.get(Invitation, panel.invitation_id).revoked_at is not None  # type: ignore[union-attr]
        event = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.revoked")).one()
        assert (event.object_id, event.facts) == (panel.invitation_id, {"round_id": panel.round_id, "resent": False})
    # Withdrawing it again, or sending it again, is refused with a message.
    response = client.post(f"/staff/rounds/{panel.round_id}/panel/invitations/{panel.invitation_id}/resend")
    assert "already been withdrawn" in client.get(response.headers["Location"]).text
    assert count(app, Invitation, Invitation.email == email) == 1


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter the email address of the resident you want to invite"),
        ("not an email", "Enter an email address in the correct format"),
        (PANELLIST, "is already on this panel"),
        ("invited@example.com", "has already been invited"),
    ],
)
def test_invitations_that_make_no_sense_are_refused(app: Flask, client: FlaskClient, email: str, message: str) -> None:
    panel = make_panel(app)
    sign_in_as(client, STAFF)
    before = count(app, Invitation)
    response = client.post(f"/staff/rounds/{panel.round_id}/panel", data={"email": email})
    assert response.status_code == 200 and message in response.text
    assert count(app, Invitation) == before


def test_staff_see_each_members_progress(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, panellists=3)
    give_scores(app, panel.round_id, PANELLIST, panel.bid_ids[0], [4, 3])
    give_scores(app, panel.round_id, PANELLIST, panel.bid_ids[1], [2, 5])
    with app_session(app) as s:
        user = s.scalars(sa.select(User).where(User.email == PANELLIST)).one()
        s.add(Ballot(round_id=panel.round_id, user_id=user.id, receipt_salt="x", receipt_code="CODE1"))
        third = s.scalars(sa.select(User).where(User.email == "panel3@example.com")).one()
        seat = s.scalars(sa.select(PanelMember).where(PanelMember.user_id == third.id)).one()
        seat.conduct_accepted_at = None
        s.execute(sa.delete(ConflictDeclaration).where(ConflictDeclaration.user_id == third.id))
        second = s.scalars(sa.select(User).where(User.email == "panel2@example.com")).one()
        declaration = s.scalars(
            sa.select(ConflictDeclaration).where(
                ConflictDeclaration.user_id == second.id, ConflictDeclaration.bid_id == panel.bid_ids[0]
            )
        ).one()
        declaration.kind, declaration.note = ConflictKind.PERSONAL, "My cousin"
    sign_in_as(client, STAFF)
    page = client.get(f"/staff/rounds/{panel.round_id}/panel").text
    rows = page.split('<tr class="govuk-table__row">')
    mine = next(r for r in rows if PANELLIST in r)
    assert "Accepted" in mine and "3 of 3" in mine and "2 of 3" in mine and ">Yes<" in mine
    second_row = next(r for r in rows if "panel2@example.com" in r)
    assert "3 of 3" in second_row and "1 conflict" in second_row and "0 of 2" in second_row and ">No<" in second_row
    third_row = next(r for r in rows if "panel3@example.com" in r)
    assert "Not yet" in third_row and "0 of 3" in third_row


def _queries(app: Flask, client: FlaskClient, path: str) -> int:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count_it(*args: object) -> None:
        statements.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", count_it)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_it)
    return len(statements)


def test_the_staff_panel_page_takes_the_same_number_of_queries_for_any_panel_size(
    app: Flask, client: FlaskClient
) -> None:
    panel = make_panel(app, panellists=2)
    sign_in_as(client, STAFF)
    path = f"/staff/rounds/{panel.round_id}/panel"
    client.get(path)
    small = _queries(app, client, path)
    with app_session(app) as s:
        round_ = s.get(Round, panel.round_id)
        assert round_ is not None
        for i in range(5):
            make_panellist(s, round_, email=f"more{i}@example.com")
    assert _queries(app, client, path) == small


def test_staff_make_a_member_the_chair_and_the_previous_chair_steps_down(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, panellists=2)
    sign_in_as(client, STAFF)
    first, second = panel.member_ids[PANELLIST], panel.member_ids["panel2@example.com"]
    client.post(f"/staff/rounds/{panel.round_id}/panel/members/{first}/chair")
    response = client.post(f"/staff/rounds/{panel.round_id}/panel/members/{second}/chair")
    page = client.get(response.headers["Location"]).text
    assert "is now the panel&#39;s chair" in page and "is no longer the chair" in page
    with app_session(app) as s:
        chairs = s.scalars(sa.select(PanelMember.id).where(PanelMember.is_chair.is_(True))).all()
        assert chairs == [second]
        facts = [e.facts for e in s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "panel.chair_appointed"))]
    assert facts == [
        {"round_id": panel.round_id, "member_id": first, "previous_member_id": None},
        {"round_id": panel.round_id, "member_id": second, "previous_member_id": first},
    ]


def test_the_panellists_home_links_each_round_and_shows_progress(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    give_scores(app, panel.round_id, PANELLIST, panel.bid_ids[0], [4, 3])
    sign_in_as(client, PANELLIST)
    home = client.get("/panel").text
    assert f'href="/panel/rounds/{panel.round_id}"' in home and "You have scored 1 of 3 bids" in home


def test_an_expired_invitation_is_shown_and_can_be_sent_again(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    with app_session(app) as s:
        invitation = s.get(Invitation, panel.invitation_id)
        assert invitation is not None
        invitation.expires_at = utcnow() - timedelta(days=1)
    sign_in_as(client, STAFF)
    assert "Expired" in client.get(f"/staff/rounds/{panel.round_id}/panel").text
    client.post(f"/staff/rounds/{panel.round_id}/panel/invitations/{panel.invitation_id}/resend")
    assert count(app, Invitation, Invitation.revoked_at.is_(None), Invitation.accepted_at.is_(None)) == 1


def test_an_applicant_is_not_shown_the_panel_home(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app)
    sign_in_as(client, APPLICANT)
    assert client.get(f"/panel/rounds/{panel.round_id}").status_code == 403
