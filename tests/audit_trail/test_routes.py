"""The auditor's pages: read-only access, the decision trail, re-running the tally."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import AuditEvent
from tests.audit_trail.helpers import award_and_pay, event_count, ratify, record_panel_events, table_counts
from tests.decisions.helpers import Setting, make_setting
from tests.support.db import app_session
from tests.support.factories import make_auditor, make_funder
from tests.support.signin import sign_in

DECISION_TABLES = ("score", "ballot", "tally_run", "ratification", "departure", "award", "payment", "round", "bid")


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def _auditor_urls(setting: Setting) -> list[str]:
    rid = setting.round_id
    return [
        f"/audit/rounds/{rid}",
        *(f"/audit/bids/{bid_id}" for bid_id in setting.bids.values()),
        f"/audit/rounds/{rid}/trail.csv",
        f"/audit/rounds/{rid}/log.jsonl",
    ]


def test_auditor_reads_every_audit_page_and_changes_nothing(app: Flask, setting: Setting) -> None:
    ratify(app, setting)
    auditor = _client(app, setting.auditor_email)
    events, rows = event_count(app), table_counts(app, *DECISION_TABLES)
    for url in _auditor_urls(setting):
        response = auditor.get(url)
        assert response.status_code == 200, url
    assert event_count(app) == events
    assert table_counts(app, *DECISION_TABLES) == rows
    # The home page links each round to its audit.
    assert f'href="/audit/rounds/{setting.round_id}"' in auditor.get("/audit").text


def test_rerunning_the_tally_writes_only_its_own_audit_event(app: Flask, setting: Setting) -> None:
    ratify(app, setting)
    auditor = _client(app, setting.auditor_email)
    events, rows = event_count(app), table_counts(app, *DECISION_TABLES)
    response = auditor.post(f"/audit/rounds/{setting.round_id}/rerun")
    assert response.status_code == 200
    assert "The tally matches" in response.text
    assert table_counts(app, *DECISION_TABLES) == rows
    assert event_count(app) == events + 1
    with app_session(app) as s:
        last = s.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert last.action == "audit.tally_rerun" and last.actor_role == "auditor"
        assert last.facts == {"round_id": setting.round_id, "matched": True, "differences": 0}


def test_rerun_names_a_score_changed_behind_the_tallys_back(app: Flask, setting: Setting) -> None:
    ratify(app, setting)
    p1, bid_c, reach = setting.panellists[0], setting.bids["C"], setting.criteria[1]
    with app_session(app) as s:
        s.execute(
            sa.text("UPDATE score SET value = 5 WHERE user_id = :u AND bid_id = :b AND criterion_id = :c"),
            {"u": p1, "b": bid_c, "c": reach},
        )
    response = _client(app, setting.auditor_email).post(f"/audit/rounds/{setting.round_id}/rerun")
    assert response.status_code == 200
    assert "The tally does not match" in response.text
    assert f"panellist {p1}&#39;s score for bid {bid_c} on criterion {reach}: value was 3 when recorded, 5 now" in (
        response.text
    )
    with app_session(app) as s:
        last = s.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert last.action == "audit.tally_rerun" and last.facts["matched"] is False


def test_round_audit_shows_the_tally_chain_notes_and_bids(app: Flask, setting: Setting) -> None:
    ratify(app, setting)
    with app_session(app) as s:
        from grants.models import DeliberationNote

        s.add(DeliberationNote(round_id=setting.round_id, author_id=setting.staff_id, text="B needs a visit."))
    page = _client(app, setting.auditor_email).get(f"/audit/rounds/{setting.round_id}").text
    assert f'href="/rounds/{setting.round_id}/decision"' in page
    assert "Intact:" in page and "B needs a visit." in page
    assert "Voting closed" in page and "Decided" in page  # the checkpoints ratification recorded
    for bid_id in setting.bids.values():
        assert f'href="/audit/bids/{bid_id}"' in page


def test_a_bids_trail_holds_every_kind_of_event_about_it(app: Flask, setting: Setting) -> None:
    record_panel_events(app, setting)
    ratify(app, setting, depart="B")
    award_and_pay(app, setting, "A")
    auditor = _client(app, setting.auditor_email)
    page = auditor.get(f"/audit/bids/{setting.bids['A']}").text
    actions = [
        "bid.submitted",
        "bid.screened",
        "conflict.declared",
        "score.given",
        "score.changed",
        "ballot.cast",
        "tally.recorded",
        "decision.ratified",
        "award.offered",
        "award.accepted",
        "payment.recorded",
    ]
    positions = [page.index(f'data-action="{action}"') for action in actions]
    assert positions == sorted(positions)  # in chain order
    assert page.count('data-action="score.given"') == 1  # bid B's score is not in A's trail
    assert "Panellist 1 (panellist)" in page and "personal conflict: recused from this bid" in page
    assert "included this bid (position 1 of 2)" in page and "this bid funded" in page
    # B's trail has the departure, with its reason.
    b_page = auditor.get(f"/audit/bids/{setting.bids['B']}").text
    assert 'data-action="decision.departed"' in b_page and "Failed due diligence." in b_page
    assert 'data-action="payment.recorded"' not in b_page


def test_staff_read_the_trail_without_panellists_names(app: Flask, setting: Setting) -> None:
    record_panel_events(app, setting)
    staff = _client(app, setting.staff_email)
    page = staff.get(f"/audit/bids/{setting.bids['A']}")
    assert page.status_code == 200
    assert "Panellist 1" not in page.text and "A panellist (panellist)" in page.text
    assert staff.get(f"/audit/rounds/{setting.round_id}").status_code == 200
    assert staff.get(f"/audit/rounds/{setting.round_id}/trail.csv").status_code == 403


def test_staff_actions_refuse_auditors(app: Flask, setting: Setting) -> None:
    auditor = _client(app, setting.auditor_email)
    rid, bid_b = setting.round_id, setting.bids["B"]
    events, rows = event_count(app), table_counts(app, *DECISION_TABLES)
    posts = [
        (f"/staff/rounds/{rid}/tally/ratify", {"note": "x"}),
        (f"/staff/rounds/{rid}/tally/departures", {"bid_id": str(bid_b), "reason": "x"}),
        (f"/staff/rounds/{rid}/tally/reopen", {"reopen_reason": "x"}),
        (f"/staff/rounds/{rid}/move/decided", {"seen_status": "voting"}),
        (f"/staff/bids/{bid_b}", {"outcome": "ineligible"}),
    ]
    for url, data in posts:
        assert auditor.post(url, data=data).status_code == 403, url
    for url in (f"/staff/rounds/{rid}/tally", f"/staff/rounds/{rid}/details", "/staff"):
        assert auditor.get(url).status_code == 403, url
    assert event_count(app) == events
    assert table_counts(app, *DECISION_TABLES) == rows


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, setting: Setting) -> None:
    for url in [*_auditor_urls(setting)]:
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
    response = client.post(f"/audit/rounds/{setting.round_id}/rerun")
    assert response.status_code == 302


def test_applicants_and_panellists_are_refused(app: Flask, setting: Setting) -> None:
    for email in (setting.applicant_email, setting.other_panellist_email, setting.panellist_emails[0]):
        someone = _client(app, email)
        for url in _auditor_urls(setting):
            assert someone.get(url).status_code == 403, (email, url)
        assert someone.post(f"/audit/rounds/{setting.round_id}/rerun").status_code == 403


def test_another_funders_auditor_and_staff_get_not_found(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        other_auditor = make_auditor(s, make_funder(s)).email
    events = event_count(app)
    for email in (other_auditor, setting.other_staff_email):
        someone = _client(app, email)
        for url in _auditor_urls(setting):
            assert someone.get(url).status_code == 404, (email, url)
        assert someone.post(f"/audit/rounds/{setting.round_id}/rerun").status_code == 404
    assert someone.get("/audit/rounds/999999").status_code == 404
    assert someone.get("/audit/bids/999999").status_code == 404
    # Accepting the auditor's invitation grants a role; the audit pages wrote nothing.
    with app_session(app) as s:
        actions = set(s.scalars(sa.select(AuditEvent.action).where(AuditEvent.seq > events)))
    assert actions <= {"role.granted", "invitation.accepted"}
