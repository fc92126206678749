"""Helpers for the auditor's tests: a decided round built on the decisions helpers, and the chain's state."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from grants.audit.chain import compute_hash, event_payload, record_event
from grants.awards import services as awards
from grants.models import AuditEvent, Bid, GroupMember, ProposalKind, User, utcnow
from grants.models.audit import genesis_hash
from grants.timefmt import today_in_london
from tests.decisions.helpers import Setting, two_step
from tests.support.db import app_session, count, raw_sql
from tests.support.factories import make_user

REASON = "Failed due diligence."


def event_count(app: Flask) -> int:
    return count(app, AuditEvent)


def table_counts(app: Flask, *tables: str) -> dict[str, int]:
    with app_session(app) as s:
        # The table names are the tests' own constants, never input.
        return {t: s.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables}  # noqa: S608


def ratify(app: Flask, setting: Setting, *, depart: str | None = "B") -> None:
    """Staff depart (if asked) and ratify, each proposed by staff and confirmed by their colleague."""
    with app_session(app) as s:
        if depart:
            two_step(s, setting, ProposalKind.DEPART, bid=depart, text=REASON)
        two_step(s, setting, ProposalKind.RATIFY, text="Agreed at the panel meeting.")


def record_panel_events(app: Flask, setting: Setting) -> None:
    """The events the panel's services would have written for bid A (the decisions helpers insert rows directly)."""
    a, b = setting.bids["A"], setting.bids["B"]
    p1, p5 = setting.panellists[0], setting.panellists[4]
    with app_session(app) as s:
        round_id = setting.round_id
        record_event(
            s,
            "bid.submitted",
            by=setting.staff_id,
            role="staff",
            about=a,
            facts={"round_id": round_id, "group_id": 1, "on_behalf": True},
        )
        record_event(
            s,
            "bid.screened",
            by=setting.staff_id,
            role="staff",
            about=a,
            facts={"round_id": round_id, "outcome": "eligible", "previous": "submitted"},
        )
        record_event(
            s,
            "conflict.declared",
            by=p5,
            role="panellist",
            about=1,
            facts={"round_id": round_id, "bid_id": a, "kind": "personal", "by_system": False},
        )
        record_event(
            s,
            "score.given",
            by=p1,
            role="panellist",
            about=1,
            facts={"round_id": round_id, "bid_id": a, "criterion_id": setting.criteria[0], "value": 5},
        )
        record_event(
            s,
            "score.changed",
            by=p1,
            role="panellist",
            about=1,
            facts={"round_id": round_id, "bid_id": a, "criterion_id": setting.criteria[0], "value": 4},
        )
        record_event(
            s,
            "ballot.cast",
            by=p1,
            role="panellist",
            about=1,
            facts={
                "round_id": round_id,
                "ballot_id": 1,
                "panellist_id": p1,
                "method": "approval",
                "bids": [a, b],
                "on_paper": False,
                "replaces": None,
            },
        )
        # Another bid's score, which must stay out of A's trail.
        record_event(
            s,
            "score.given",
            by=p1,
            role="panellist",
            about=2,
            facts={"round_id": round_id, "bid_id": b, "criterion_id": setting.criteria[0], "value": 5},
        )


def award_and_pay(app: Flask, setting: Setting, bid_name: str = "A") -> int:
    """Offer the funded bid a grant, have its group accept, and record a payment, through the awards services."""
    with app_session(app) as s:
        bid, staff = s.get(Bid, setting.bids[bid_name]), s.get(User, setting.staff_id)
        assert bid is not None and staff is not None
        member = make_user(s, name="Maria Okafor")
        s.add(GroupMember(group_id=bid.group_id, user_id=member.id))
        s.flush()
        today = today_in_london()
        award = awards.make_offer(
            s,
            bid=bid,
            amount_pence=bid.amount_pence,
            reduced_reason="",
            conditions="",
            report_dates=[today + timedelta(days=90)],
            withhold_name=False,
            actor=staff,
            now=utcnow(),
        )
        awards.accept_offer(s, award=award, name="Maria Okafor", conditions_accepted=True, actor=member, now=utcnow())
        awards.record_payment(
            s, award=award, amount_pence=1_000_00, paid_on=today, reference="BACS 1", actor=staff, now=utcnow()
        )
        return award.id


def rewrite_chain(app: Flask, *, chain: int, seq: int, facts: dict[str, Any]) -> None:
    """Rewrite a whole chain from event `seq`: change its facts and recompute every later hash, so the chain
    verifies on its own (what someone with database access could do)."""
    with app_session(app) as s:
        pg = s.get_bind().dialect.name == "postgresql"
        rows = list(s.scalars(sa.select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)))
        prev = genesis_hash(chain)
        for row in rows:
            if row.seq < seq:
                prev = row.hash
                continue
            row_facts = facts if row.seq == seq else row.facts
            payload = event_payload(
                chain=chain,
                seq=row.seq,
                occurred_at=row.occurred_at,
                actor_id=row.actor_id,
                actor_role=row.actor_role,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                facts=row_facts,
            )
            new_hash = compute_hash(prev, payload)
            facts_sql = "CAST(:facts AS json)" if pg else ":facts"
            raw_sql(
                s,
                f"UPDATE audit_event SET facts = {facts_sql}, prev_hash = :prev, hash = :hash"  # noqa: S608
                " WHERE chain = :chain AND seq = :seq",
                {"facts": json.dumps(row_facts), "prev": prev, "hash": new_hash, "chain": chain, "seq": row.seq},
            )
            prev = new_hash
        s.expunge_all()
