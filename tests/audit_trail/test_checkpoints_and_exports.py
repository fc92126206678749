"""Checkpoints of the audit chain at round milestones, `flask audit verify` checking them, and the exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from grants.audit.chain import record_event
from grants.audit.walk import verify_chain
from grants.csvsafe import formula_safe
from grants.models import AuditEvent, Checkpoint, Round, RoundStatus, utcnow
from grants.rounds.services import change_status
from tests.audit_trail.helpers import ratify, rewrite_chain
from tests.decisions.helpers import Setting, make_setting
from tests.support.db import app_session, raw_sql
from tests.support.factories import make_funder, make_round, make_staff, make_user
from tests.support.signin import sign_in

FUNDER = 1  # the setting's funder, whose chain holds the round's events


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _head(app: Flask) -> tuple[int, str]:
    with app_session(app) as s:
        row = s.execute(
            sa.select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.chain == FUNDER)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).one()
        return row.seq, row.hash


def test_a_checkpoint_is_recorded_at_each_milestone_move(app: Flask) -> None:
    now = utcnow()
    with app_session(app) as s:
        funder = make_funder(s)
        staff = make_staff(s, funder)
        open_round = make_round(s, funder)
        scoring = make_round(
            s,
            funder,
            status=RoundStatus.SCORING,
            opens_at=now - timedelta(days=9),
            closes_at=now - timedelta(days=2),
            scoring_closes_at=now - timedelta(days=1),
            voting_closes_at=now + timedelta(days=3),
        )
        change_status(s, round=open_round, to=RoundStatus.CLOSED, actor=staff, now=utcnow())
        closed_head = s.execute(
            sa.select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.chain == funder.id)
            .order_by(AuditEvent.seq.desc())
        ).first()
        change_status(s, round=scoring, to=RoundStatus.VOTING, actor=staff, now=utcnow())
        change_status(s, round=open_round, to=RoundStatus.SCREENING, actor=staff, now=utcnow())  # not a milestone
        ids = open_round.id, scoring.id
        assert closed_head is not None
        closed_seq, closed_hash = closed_head
    with app_session(app) as s:
        checkpoints = list(s.scalars(sa.select(Checkpoint).order_by(Checkpoint.id)))
        assert [(c.round_id, c.milestone) for c in checkpoints] == [(ids[0], "closed"), (ids[1], "scoring_closed")]
        assert (checkpoints[0].seq, checkpoints[0].hash) == (closed_seq, closed_hash)
        event = s.get(AuditEvent, (funder.id, closed_seq))
        assert event is not None and event.action == "round.status_changed" and event.object_id == ids[0]


def test_ratifying_records_voting_closed_and_decided_and_the_public_page_shows_them(
    app: Flask, setting: Setting
) -> None:
    ratify(app, setting)
    with app_session(app) as s:
        checkpoints = list(s.scalars(sa.select(Checkpoint).where(Checkpoint.round_id == setting.round_id)))
        assert [c.milestone for c in checkpoints] == ["voting_closed", "decided"]
        hashes = [c.hash for c in checkpoints]
    page = app.test_client().get(f"/rounds/{setting.round_id}").text
    assert "Published checkpoints of the audit chain" in page
    assert all(h in page for h in hashes) and "Voting closed" in page


def test_audit_verify_checks_checkpoints_and_catches_a_whole_chain_rewrite(app: Flask, setting: Setting) -> None:
    ratify(app, setting)
    with app_session(app) as s:
        record_event(s, "bid.submitted", about=setting.bids["D"], facts={"later": True})
        first = s.get(AuditEvent, (FUNDER, 1))
        assert first is not None
        forged_facts = {**first.facts, "forged": True}
        voting_closed = s.scalars(sa.select(Checkpoint).where(Checkpoint.milestone == "voting_closed")).one().seq
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output + ok.stderr
    assert "Checkpoints OK: 2 published checkpoints match the chain." in ok.output

    rewrite_chain(app, chain=FUNDER, seq=1, facts=forged_facts)
    with app_session(app) as s:
        assert verify_chain(s, FUNDER).ok  # the rewrite is consistent on its own...
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1  # ...but not with what was published
    assert (
        f"checkpoint for {setting.round_code} at voting_closed: the chain's event {voting_closed} has a different"
        " hash than was published"
    ) in broken.stderr


def test_the_csv_export_is_formula_safe_and_stamped_with_the_head(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        rogue = make_user(s, name='=HYPERLINK("http://evil")')
        record_event(
            s,
            "bid.withdrawn",
            by=rogue,
            role="-applicant",
            about=setting.bids["C"],
            facts={"round_id": setting.round_id, "note": "=1+1"},
        )
    auditor = app.test_client()
    sign_in(auditor, setting.auditor_email)
    response = auditor.get(f"/audit/rounds/{setting.round_id}/trail.csv")
    head_seq, head_hash = _head(app)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][0].startswith(f"# chain {FUNDER} head seq {head_seq} hash {head_hash} at export time ")
    assert rows[1][:6] == ["seq", "time_utc", "actor_id", "actor_name", "role", "action"]
    rogue_row = next(r for r in rows[2:] if r[5] == "bid.withdrawn")
    assert rogue_row[3] == '\'=HYPERLINK("http://evil")' and rogue_row[4] == "'-applicant"
    assert json.loads(rogue_row[8])["note"] == "=1+1"  # inside the JSON cell, which starts with "{"
    for row in rows[2:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


@pytest.mark.parametrize("text", ["=cmd", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_safe_quotes_every_dangerous_start(text: str) -> None:
    assert formula_safe(text) == "'" + text
    assert formula_safe("plain") == "plain" and formula_safe(None) == ""


def test_the_jsonl_export_carries_the_head_and_every_event_of_the_round(app: Flask, setting: Setting) -> None:
    ratify(app, setting)
    auditor = app.test_client()
    sign_in(auditor, setting.auditor_email)
    response = auditor.get(f"/audit/rounds/{setting.round_id}/log.jsonl")
    head_seq, head_hash = _head(app)
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines[0]["export"]["head_seq"] == head_seq and lines[0]["export"]["head_hash"] == head_hash
    actions = {line["action"] for line in lines[1:]}
    assert {"tally.recorded", "decision.departed", "decision.ratified", "round.status_changed"} <= actions
    with app_session(app) as s:
        for line in lines[1:]:
            event = s.get(AuditEvent, (line["chain"], line["seq"]))
            assert event is not None and event.hash == line["hash"]


def test_flask_audit_export_writes_both_formats(app: Flask, setting: Setting, tmp_path: Path) -> None:
    ratify(app, setting)
    runner = app.test_cli_runner()
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"export.{fmt}"
        result = runner.invoke(
            args=["audit", "export", "--round", str(setting.round_id), "--format", fmt, "--output", str(out)]
        )
        assert result.exit_code == 0, result.output + result.stderr
        text = out.read_text(encoding="utf-8")
        assert (f"# chain {FUNDER} head seq" in text) if fmt == "csv" else ('"head_hash"' in text.splitlines()[0])
    missing = runner.invoke(args=["audit", "export", "--round", "999999", "--format", "csv", "--output", "x"])
    assert missing.exit_code != 0 and "No round with id 999999" in missing.output + missing.stderr


def test_a_round_without_milestones_publishes_no_checkpoints(app: Flask) -> None:
    with app_session(app) as s:
        round_id = make_round(s, make_funder(s)).id
    page = app.test_client().get(f"/rounds/{round_id}")
    assert page.status_code == 200 and "Published checkpoints of the audit chain" not in page.text


def test_each_checkpoint_is_signed_and_the_public_key_is_published_on_the_funders_page(
    app: Flask, setting: Setting
) -> None:
    import base64

    import rfc8785
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    ratify(app, setting)
    client = app.test_client()
    with app_session(app) as s:
        checkpoints = list(s.scalars(sa.select(Checkpoint).where(Checkpoint.round_id == setting.round_id)))
        slug = s.get(Round, setting.round_id).funder.slug
    pem = client.get(f"/funders/{slug}/audit-key.pem")
    assert pem.status_code == 200 and pem.headers["Content-Disposition"].startswith("attachment;")
    public_key = load_pem_public_key(pem.data)
    for checkpoint in checkpoints:
        statement = {
            "statement": "common-pot checkpoint/1", "chain": FUNDER, "funder_id": FUNDER,
            "round_id": setting.round_id, "milestone": checkpoint.milestone, "seq": checkpoint.seq,
            "hash": checkpoint.hash, "recorded_at": checkpoint.recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "key_id": checkpoint.key_id,
        }  # fmt: skip
        public_key.verify(base64.b64decode(checkpoint.signature), rfc8785.dumps(statement))  # type: ignore[union-attr,call-arg]
    page = client.get(f"/funders/{slug}").text
    key_id = checkpoints[0].key_id
    assert " ".join(key_id[i : i + 4] for i in range(0, 32, 4)) in page
    assert checkpoints[0].signature in client.get(f"/rounds/{setting.round_id}").text


def test_audit_verify_catches_a_forged_checkpoint_signature(app: Flask, setting: Setting) -> None:
    ratify(app, setting)
    with app_session(app) as s:
        raw_sql(s, "UPDATE audit_checkpoint SET seq = seq - 1 WHERE milestone = 'decided'")
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"checkpoint for {setting.round_code} at decided: its signature does not hold" in broken.stderr
