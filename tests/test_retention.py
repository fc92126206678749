"""Keeping only what is needed: what a group wrote in a bid that was not funded is removed once its funder's keeping
time has passed, and nothing the record needs goes with it (every tally re-runs to its digest, the chain verifies).
Funded bids, and bids of rounds still in progress, keep everything."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.audit.walk import verify_all_chains
from grants.decisions.verify import verify_round
from grants.models import (
    Answer,
    Attachment,
    AuditEvent,
    Bid,
    BidStatus,
    Funder,
    ProposalKind,
    Ratification,
    Round,
    utcnow,
)
from grants.retention.apply import apply_retention
from tests.decisions.helpers import make_setting, two_step
from tests.support.db import app_session
from tests.support.factories import (
    add_attachment,
    make_bid,
    make_group_with_member,
    make_round,
    make_screened_bid,
    make_user,
)
from tests.support.signin import sign_in


def _decided_long_ago(app: Flask, days: int) -> tuple[int, dict[str, int]]:
    """A decided round (A, B and C funded, D not), decided `days` ago, with answers and a file on every bid."""
    setting = make_setting(app)
    with app_session(app) as s:
        two_step(s, setting, ProposalKind.RATIFY)
    with app_session(app) as s:
        long_ago = utcnow() - timedelta(days=days)
        s.execute(sa.update(Ratification).values(created_at=long_ago))
        for bid_id in setting.bids.values():
            bid = s.get(Bid, bid_id)
            assert bid is not None
            for question in bid.round.questions:
                s.add(Answer(bid_id=bid.id, question_id=question.id, text="What the group wrote about their plans"))
            bid.recording_url = "https://example.org/our-video"
            add_attachment(s, bid)
    return setting.round_id, setting.bids


def test_an_unfunded_bid_loses_what_the_group_wrote_after_the_keeping_time_and_the_record_still_verifies(
    app: Flask,
) -> None:
    round_id, bids = _decided_long_ago(app, days=731)  # the default keeping time is 730 days
    with app_session(app) as s:
        done = apply_retention(s, now=utcnow())
        s.commit()
        assert [removed.bid_ids for removed in done] == [[bids["D"]]]
    with app_session(app) as s:
        unfunded, funded = s.get(Bid, bids["D"]), s.get(Bid, bids["A"])
        assert unfunded is not None and funded is not None
        assert unfunded.details_removed_at is not None and unfunded.recording_url == ""
        assert {a.text for a in unfunded.answers} == {""}
        assert s.scalar(sa.select(sa.func.count()).select_from(Attachment).where(Attachment.bid_id == unfunded.id)) == 0
        # What the record needs stays: reference, title, amount, status; the funded bid keeps everything.
        assert unfunded.title and unfunded.amount_pence and unfunded.status == BidStatus.ELIGIBLE
        assert funded.details_removed_at is None and funded.attachment is not None
        assert {a.text for a in funded.answers} == {"What the group wrote about their plans"}
        (event,) = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "retention.bid_details_removed"))
        assert event.facts == {"bid_ids": [bids["D"]], "kept_days": 730}
        assert all(report.ok for report in verify_all_chains(s))
        round_ = s.get(Round, round_id)
        assert round_ is not None and verify_round(s, round_).ok
        assert apply_retention(s, now=utcnow()) == []  # done once


def test_nothing_is_removed_before_the_funders_keeping_time_nor_from_a_round_still_in_progress(app: Flask) -> None:
    _, bids = _decided_long_ago(app, days=729)
    with app_session(app) as s:
        funder = s.scalars(sa.select(Funder)).first()
        assert funder is not None
        long_ago = utcnow() - timedelta(days=900)
        open_round = make_round(s, funder, code="OPEN9", opens_at=long_ago - timedelta(days=30), closes_at=long_ago)
        # A draft of a round that closed long ago never reached the panel: it goes; an eligible bid of a round
        # that was never decided stays, however old.
        draft = make_bid(s, open_round, make_group_with_member(s, make_user(s)), status=BidStatus.DRAFT)
        waiting = make_screened_bid(s, open_round, make_group_with_member(s, make_user(s)))
        draft_id, waiting_id = draft.id, waiting.id
        done = apply_retention(s, now=utcnow())
        assert [removed.bid_ids for removed in done] == [[draft_id]]
        assert s.get(Bid, waiting_id).details_removed_at is None  # type: ignore[union-attr]
        assert s.get(Bid, bids["D"]).details_removed_at is None  # type: ignore[union-attr]


def test_staff_set_their_funders_keeping_time_with_errors_by_the_field(app: Flask, client: FlaskClient) -> None:
    setting = make_setting(app)
    with app_session(app) as s:
        funder_id = s.get(Round, setting.round_id).funder_id  # type: ignore[union-attr]
    sign_in(client, setting.staff_email)
    assert "is removed 730 days after its round was decided" in client.get("/staff").text
    for typed, error in (("", "Enter a number of days"), ("٣٠٠", "as a whole number"), ("5", "between 30 days")):
        refused = client.post("/staff/retention", data={"funder_id": str(funder_id), "days": typed})
        assert refused.status_code == 200 and error in refused.text, typed
    saved = client.post("/staff/retention", data={"funder_id": str(funder_id), "days": "365"}, follow_redirects=True)
    assert "now keep their details for 365 days" in saved.text
    with app_session(app) as s:
        assert s.get(Funder, funder_id).unfunded_bids_kept_days == 365  # type: ignore[union-attr]
    client.post("/sign-out")
    sign_in(client, setting.other_staff_email)
    assert client.post("/staff/retention", data={"funder_id": str(funder_id), "days": "40"}).status_code == 404
