"""How far each chain is verified: the full verification records it, `--new` and the pages check only what came
after it, and an old event changed after it was verified is still found by the full verification."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.audit import verification
from grants.audit.chain import record_event
from grants.audit.walk import verify_rows
from grants.models import AuditEvent, ChainVerification
from tests.audit_trail.helpers import rewrite_chain
from tests.decisions.helpers import Setting, make_setting
from tests.support.db import app_session, raw_sql
from tests.support.signin import sign_in

FUNDER = 1  # the setting's funder, whose chain holds the round's events


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _add_events(app: Flask, setting: Setting, n: int) -> None:
    with app_session(app) as s:
        for i in range(n):
            record_event(s, "bid.submitted", about=setting.bids["D"], facts={"i": i})


def _head(app: Flask) -> int:
    with app_session(app) as s:
        return int(s.scalar(sa.select(sa.func.max(AuditEvent.seq)).where(AuditEvent.chain == FUNDER)) or 0)


def _recorded(app: Flask) -> ChainVerification:
    with app_session(app) as s:
        row = s.get(ChainVerification, FUNDER)
        assert row is not None
        s.expunge(row)
        return row


def _verify(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output + result.stderr


def _audit_page(app: Flask, setting: Setting) -> str:
    client: FlaskClient = app.test_client()
    sign_in(client, setting.auditor_email)
    response = client.get(f"/audit/rounds/{setting.round_id}")
    assert response.status_code == 200
    return response.text


def test_the_full_verification_records_how_far_each_chain_is_verified(app: Flask, setting: Setting) -> None:
    code, output = _verify(app)
    assert code == 0, output
    recorded = _recorded(app)
    with app_session(app) as s:
        head = s.get(AuditEvent, (FUNDER, _head(app)))
        assert head is not None
        assert (recorded.seq, recorded.hash, recorded.problem) == (head.seq, head.hash, "")
    assert recorded.full_verified_at is not None and recorded.full_verified_seq == head.seq


def test_verify_new_checks_only_the_events_recorded_since(app: Flask, setting: Setting) -> None:
    assert _verify(app)[0] == 0
    verified = _recorded(app).seq
    _add_events(app, setting, 3)
    code, output = _verify(app, "--new")
    assert code == 0, output
    assert f"Audit chain {FUNDER} (funder {FUNDER}'s) OK: 3 new events; head {verified + 3}" in output
    recorded = _recorded(app)
    assert recorded.seq == verified + 3
    assert recorded.full_verified_seq == verified  # the full verification's own record stays as it was


def test_an_old_event_changed_after_its_verification_is_found_by_the_full_verification(
    app: Flask, setting: Setting
) -> None:
    assert _verify(app)[0] == 0
    with app_session(app) as s:
        raw_sql(s, "UPDATE audit_event SET object_id = 99 WHERE chain = 1 AND seq = 2")
    _add_events(app, setting, 2)
    # Only new events are checked: the edit is before them. The page says what it knows, and since when.
    assert _verify(app, "--new")[0] == 0
    page = _audit_page(app, setting)
    assert "Intact:" in page and "Last full verification" in page
    # The full verification trusts nothing recorded: it finds the edit, and the pages say so from then on.
    code, output = _verify(app)
    assert code == 1 and "BROKEN at row 2: its content does not match its hash" in output
    recorded = _recorded(app)
    assert recorded.seq == 1 and recorded.problem.startswith("row 2:")
    page = _audit_page(app, setting)
    assert "Broken: row 2: its content does not match its hash (the row was edited)" in page
    assert "found by the verification on" in page
    # A check of new events leaves a recorded problem in place: only a full verification can clear it.
    code, output = _verify(app, "--new")
    assert code == 1 and "row 2" in output


def test_the_round_audit_page_shows_the_recorded_verification_and_checks_only_what_is_new(
    app: Flask, setting: Setting
) -> None:
    page = _audit_page(app, setting)  # nothing recorded yet: the page checks the (short) chain itself
    head = _head(app)
    assert f"Intact: {head} events verified" in page and f"Events 1 to {head} checked now" in page
    assert "Never. A full verification" in page
    assert _verify(app)[0] == 0
    _add_events(app, setting, 2)
    page = _audit_page(app, setting)
    assert f"Events 1 to {head} by the verification on" in page
    assert f"events {head + 1} to {head + 2} checked now, for this page" in page
    assert f"Intact: {head + 2} events verified" in page
    assert f"events 1 to {head}. Only a full verification" in page  # when the last full one ran, and how far


def test_a_page_leaves_more_new_events_than_it_checks_to_the_command(
    app: Flask, setting: Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _verify(app)[0] == 0
    verified = _recorded(app).seq
    _add_events(app, setting, 3)
    monkeypatch.setattr(verification, "PAGE_LIMIT", 2)
    with app_session(app) as s:
        status = verification.chain_status(s, FUNDER)
    assert (status.verified_seq, status.unverified, status.checked_now, status.ok) == (verified, 3, 0, True)
    page = _audit_page(app, setting)
    assert f"Not yet verified after event {verified}: the 3 events recorded since are more than a page" in page
    assert "flask audit verify --new" in page


def test_a_page_notices_a_verified_event_whose_hash_was_rewritten(app: Flask, setting: Setting) -> None:
    assert _verify(app)[0] == 0
    with app_session(app) as s:
        first = s.get(AuditEvent, (FUNDER, 1))
        assert first is not None
        facts = {**first.facts, "forged": True}
    rewrite_chain(app, chain=FUNDER, seq=1, facts=facts)  # consistent on its own, so only the record shows it
    with app_session(app) as s:
        status = verification.chain_status(s, FUNDER)
    assert not status.ok and status.problem is not None
    assert "its hash is not the one it had when it was verified" in status.problem


def test_a_page_finds_a_problem_in_the_new_events_without_recording_it(app: Flask, setting: Setting) -> None:
    assert _verify(app)[0] == 0
    verified = _recorded(app).seq
    _add_events(app, setting, 2)
    with app_session(app) as s:
        raw_sql(s, "UPDATE audit_event SET object_id = 99 WHERE chain = 1 AND seq = :seq", {"seq": verified + 2})
    page = _audit_page(app, setting)
    assert f"Broken: row {verified + 2}: its content does not match its hash" in page
    assert _recorded(app).problem == ""  # a GET writes nothing


def test_verification_reads_the_chain_in_pages_and_finds_a_gap_between_two(app: Flask, setting: Setting) -> None:
    _add_events(app, setting, 4)
    head = _head(app)
    with app_session(app) as s:
        whole = verify_rows(s, FUNDER, batch=3)
        assert (whole.ok, whole.count, whole.head_seq) == (True, head, head)
        raw_sql(s, "DELETE FROM audit_event WHERE chain = 1 AND seq = 4")
    with app_session(app) as s:
        broken = verify_rows(s, FUNDER, batch=3)  # rows 1-3 in the first page, 5 first in the second
    assert broken.problem == "row 5: expected sequence number 4; row 4 is missing" and broken.head_seq == 3


def test_the_audit_chain_page_shows_each_chain_as_far_as_it_was_verified(app: Flask, setting: Setting) -> None:
    client = app.test_client()
    sign_in(client, setting.auditor_email)
    page = client.get("/audit/chain").text
    assert "The chain is intact" in page and "checked now, for this page" in page
    with app_session(app) as s:
        raw_sql(s, "UPDATE audit_event SET object_id = 99 WHERE chain = 1 AND seq = 2")
    assert _verify(app)[0] == 1
    page = client.get("/audit/chain").text
    assert "The chain is broken" in page and "row 2: its content does not match its hash" in page


def test_an_intact_chain_verifies_on_the_fast_path_alone(
    app: Flask, setting: Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast reading (the database's text of each time and of the facts) gives the very bytes that were
    hashed: the slow check from the model, there for what the fast one cannot read, is never needed."""
    from grants.audit import walk

    _add_events(app, setting, 3)
    with app_session(app) as s:
        record_event(s, "bid.submitted", about=setting.bids["D"], facts={"name": "Café ☕ \U0001f600"})

    def refuse(*_: object) -> bool:
        raise AssertionError("the slow check was needed")

    monkeypatch.setattr(walk, "_matches_as_the_model_reads_it", refuse)
    with app_session(app) as s:
        report = verify_rows(s, FUNDER)
    assert report.ok and report.count == _head(app)
