"""The decision services on real rows: reading the inputs, recording runs, ratifying, departing, reopening."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
import rfc8785
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.audit.walk import verify_all_chains
from grants.decisions import services, tallies, wording
from grants.decisions.inputs import tally_inputs
from grants.decisions.queries import current_ratification, funded_bid_ids
from grants.domain import DomainError
from grants.models import AuditEvent, Bid, Departure, Ratification, Round, RoundStatus, TallyRun, User, utcnow
from grants.panel import rules
from grants.panel.services import ScoreEntry, save_scores
from grants.tally import BallotInput, BidInput, Criterion, Recusal, RoundSettings, ScoreInput, run_tally, tally_digest
from grants.voting.services import VotingClosed, cast_ballot
from tests.decisions.helpers import BUDGET, Setting, make_setting

DUE_DILIGENCE = "The group could not show a bank account in its name: failed due diligence."


@pytest.fixture
def setting(app: Flask) -> Setting:
    """A funder that lets one member of staff decide: these tests are about the decisions' own rules (the two-person
    rule is tests/decisions/test_confirmations.py's)."""
    return make_setting(app, two_people=False)


@pytest.fixture
def ctx(session: Session, setting: Setting) -> Iterator[tuple[Session, Round, User]]:
    round_ = session.get(Round, setting.round_id)
    staff = session.get(User, setting.staff_id)
    assert round_ is not None and staff is not None
    yield session, round_, staff


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_inputs_are_read_from_the_database(ctx: tuple[Session, Round, User], setting: Setting) -> None:
    session, round_, _ = ctx
    inputs = tally_inputs(session, round_)
    a, b, c, d = (setting.bids[n] for n in "ABCD")
    p1, p2, p3, p4, p5 = setting.panellists
    assert inputs.settings == RoundSettings(
        budget_pence=BUDGET,
        method="approval",
        criteria=(Criterion(setting.criteria[0], 1), Criterion(setting.criteria[1], 2)),
        approval_limit=2,
        ranked_limit=None,
        quorum=3,
    )
    assert [bid.id for bid in inputs.bids] == [a, b, c, d]
    assert inputs.bids[0].amount_pence == 4_000_00
    # Every score is read, the recused panellist's too: the tally drops those, and the record shows them.
    assert len(inputs.scores) == 2 * (5 + 5 + 5 + 2)
    assert inputs.recusals == (Recusal(panellist_id=p5, bid_id=a),)
    assert inputs.ballots == (
        BallotInput(panellist_id=p1, approvals=(a, b)),
        BallotInput(panellist_id=p2, approvals=(a, c)),
        BallotInput(panellist_id=p3, approvals=(b, a)),
        BallotInput(panellist_id=p4, approvals=(b, d)),  # the current ballot, not the replaced one
        BallotInput(panellist_id=p5, approvals=(c, a)),
    )
    document = inputs.as_json()
    assert hashlib.sha256(rfc8785.dumps(document)).hexdigest() == inputs.digest()


def test_recorded_panel_run_matches_the_tally_on_the_same_inputs(
    ctx: tuple[Session, Round, User], setting: Setting
) -> None:
    session, round_, staff = ctx
    run = tallies.record_panel_tally(session, round_=round_, actor=staff, now=utcnow())
    a, b, c, d = (setting.bids[n] for n in "ABCD")
    p1, p2, p3, p4, p5 = setting.panellists
    k1, k2 = setting.criteria

    # The same inputs, written out by hand from the rows the helper made.
    bids = session.scalars(sa.select(Bid).where(Bid.id.in_([a, b, c, d])).order_by(Bid.id)).all()
    scores = [ScoreInput(p, a, k, 5) for p in (p1, p2, p3, p4) for k in (k1, k2)]
    scores += [ScoreInput(p5, a, k1, 1), ScoreInput(p5, a, k2, 1)]
    scores += [ScoreInput(p, b, k, v) for p in (p1, p2, p3, p4, p5) for k, v in ((k1, 5), (k2, 4))]
    scores += [ScoreInput(p, c, k, 3) for p in (p1, p2, p3, p4, p5) for k in (k1, k2)]
    scores += [ScoreInput(p, d, k, 2) for p in (p1, p2) for k in (k1, k2)]
    expected_inputs = {
        "settings": RoundSettings(BUDGET, "approval", (Criterion(k1, 1), Criterion(k2, 2)), 2, None, 3),
        "bids": [BidInput(x.id, x.amount_pence or 0, x.submitted_at or "") for x in bids],
        "scores": scores,
        "recusals": [Recusal(p5, a)],
        "ballots": [
            BallotInput(p1, (a, b)),
            BallotInput(p2, (a, c)),
            BallotInput(p3, (a, b)),
            BallotInput(p4, (b, d)),
            BallotInput(p5, (a, c)),
        ],
    }
    expected = run_tally(**expected_inputs)
    assert run.kind == "panel"
    assert run.digest == tally_digest(**expected_inputs) == expected.digest
    assert hashlib.sha256(rfc8785.dumps(run.inputs)).hexdigest() == run.digest
    assert run.result["funded_ids"] == list(expected.funded_ids) == [a, b, c]
    assert run.result["used_pence"] == BUDGET and run.result["left_pence"] == 0
    by_id = {entry["id"]: entry for entry in run.result["bids"]}
    assert by_id[d]["outcome"] == "not_funded_rank"
    assert by_id[d]["flags"] == ["under_quorum"]
    assert by_id[b]["mean_score"] == "13/3" and by_id[b]["mean_score_display"] == "4.33"
    assert [entry["rank"] for entry in run.result["bids"]] == [1, 2, 3, 4]
    assert run.result["explanation"] == wording.explanation(expected.steps)

    (event,) = _events(session, "tally.recorded")
    assert event.facts["tally_run_id"] == run.id and event.facts["digest"] == run.digest
    assert event.facts["funded_ids"] == [a, b, c]
    # Recording again with the same inputs reuses the run.
    assert tallies.record_panel_tally(session, round_=round_, actor=staff, now=utcnow()).id == run.id
    assert len(_events(session, "tally.recorded")) == 1


def test_a_recused_panellists_scores_and_ballot_entry_are_excluded(
    ctx: tuple[Session, Round, User], setting: Setting
) -> None:
    session, round_, _ = ctx
    computed = tallies.compute_panel(session, round_)
    entry = next(e for e in computed.document["bids"] if e["id"] == setting.bids["A"])
    assert entry["in_favour"] == 3  # P5's approval of A is dropped
    assert entry["scorers"] == 4 and entry["mean_score"] == "5"  # and P5's 1s too
    # The recorded inputs still show what P5 gave A.
    p5 = setting.panellists[4]
    ballots = {b["panellist_id"]: b for b in computed.inputs.as_json()["ballots"]}
    assert setting.bids["A"] in ballots[p5]["approvals"]


def test_the_tally_waits_for_voting_to_close(app: Flask, session: Session) -> None:
    setting = make_setting(app, voting_closed=False, two_people=False)
    round_ = session.get(Round, setting.round_id)
    staff = session.get(User, setting.staff_id)
    assert round_ is not None and staff is not None
    with pytest.raises(DomainError, match="once voting has closed"):
        tallies.record_panel_tally(session, round_=round_, actor=staff, now=utcnow())
    with pytest.raises(DomainError, match="You can ratify once voting has closed"):
        services.ratify(session, round_=round_, actor=staff, note="", now=utcnow())
    with pytest.raises(DomainError, match="once voting has closed"):
        services.depart(
            session, round_=round_, bid_id=setting.bids["B"], actor=staff, reason=DUE_DILIGENCE, now=utcnow()
        )
    assert session.scalar(sa.select(sa.func.count()).select_from(TallyRun)) == 0


def test_ratify_as_it_stands(ctx: tuple[Session, Round, User], setting: Setting) -> None:
    session, round_, staff = ctx
    ratification = services.ratify(session, round_=round_, actor=staff, note="As the panel decided.", now=utcnow())
    session.commit()
    a, b, c, _ = (setting.bids[n] for n in "ABCD")
    assert round_.status == RoundStatus.DECIDED
    assert current_ratification(session, round_.id) is ratification
    assert ratification.panel_run.kind == "panel" and ratification.ratified_run.kind == "ratified"
    assert ratification.ratified_run.digest == ratification.panel_run.digest
    assert ratification.note == "As the panel decided."
    assert funded_bid_ids(session, round_.id) == [a, b, c]

    (moved,) = _events(session, "round.status_changed")
    assert moved.facts == {"from": "voting", "to": "decided"}
    (ratified,) = _events(session, "decision.ratified")
    assert ratified.facts["panel_run_id"] == ratification.panel_run_id
    assert ratified.facts["ratified_run_id"] == ratification.ratified_run_id
    assert ratified.facts["departures"] == [] and ratified.facts["funded_ids"] == [a, b, c]
    assert "As the panel decided" not in str(ratified.facts)
    assert [e.facts["kind"] for e in _events(session, "tally.recorded")] == ["panel", "ratified"]
    assert all(report.ok for report in verify_all_chains(session))


def test_departing_moves_the_next_bid_that_fits_up(ctx: tuple[Session, Round, User], setting: Setting) -> None:
    session, round_, staff = ctx
    a, b, c, d = (setting.bids[n] for n in "ABCD")
    departure = services.depart(session, round_=round_, bid_id=b, actor=staff, reason=DUE_DILIGENCE, now=utcnow())
    assert departure.reason == DUE_DILIGENCE
    (departed,) = _events(session, "decision.departed")
    assert departed.object_type == "bid" and departed.object_id == b
    assert departed.facts["bid_id"] == b and departed.facts["round_id"] == round_.id
    assert departed.facts["reason_sha256"] == hashlib.sha256(DUE_DILIGENCE.encode()).hexdigest()
    assert "bank account" not in str(departed.facts)

    # Before ratifying, both results are there to compare.
    panel = tallies.compute_panel(session, round_)
    resulting = tallies.compute_ratified(session, round_, panel)
    assert panel.funded_ids == (a, b, c)
    assert resulting.funded_ids == (a, c, d)

    ratification = services.ratify(session, round_=round_, actor=staff, note="", now=utcnow())
    session.commit()
    assert ratification.panel_run.result["funded_ids"] == [a, b, c]
    assert ratification.ratified_run.result["funded_ids"] == [a, c, d]
    assert ratification.ratified_run.result["departed_ids"] == [b]
    assert ratification.ratified_run.digest != ratification.panel_run.digest
    assert b not in {bid["id"] for bid in ratification.ratified_run.inputs["bids"]}
    assert funded_bid_ids(session, round_.id) == [a, c, d]
    (ratified,) = _events(session, "decision.ratified")
    assert ratified.facts["departures"] == [b] and ratified.facts["funded_ids"] == [a, c, d]


def test_a_departure_needs_a_reason_and_a_funded_bid(ctx: tuple[Session, Round, User], setting: Setting) -> None:
    session, round_, staff = ctx
    with pytest.raises(DomainError, match="Explain why you are departing") as no_reason:
        services.depart(session, round_=round_, bid_id=setting.bids["B"], actor=staff, reason="   ", now=utcnow())
    assert no_reason.value.field == "reason"
    with pytest.raises(DomainError, match="2,000 characters"):
        services.depart(session, round_=round_, bid_id=setting.bids["B"], actor=staff, reason="x" * 2001, now=utcnow())
    with pytest.raises(DomainError, match="a bid the panel funded") as unfunded:
        services.depart(
            session, round_=round_, bid_id=setting.bids["D"], actor=staff, reason=DUE_DILIGENCE, now=utcnow()
        )
    assert unfunded.value.field == "bid"
    with pytest.raises(DomainError, match="Choose the funded bid"):
        services.depart(session, round_=round_, bid_id=None, actor=staff, reason=DUE_DILIGENCE, now=utcnow())
    services.depart(session, round_=round_, bid_id=setting.bids["B"], actor=staff, reason=DUE_DILIGENCE, now=utcnow())
    with pytest.raises(DomainError, match="already departed"):
        services.depart(
            session, round_=round_, bid_id=setting.bids["B"], actor=staff, reason=DUE_DILIGENCE, now=utcnow()
        )
    assert session.scalar(sa.select(sa.func.count()).select_from(Departure)) == 1


def test_a_departure_can_be_taken_back_before_ratifying(ctx: tuple[Session, Round, User], setting: Setting) -> None:
    session, round_, staff = ctx
    departure = services.depart(
        session, round_=round_, bid_id=setting.bids["B"], actor=staff, reason=DUE_DILIGENCE, now=utcnow()
    )
    services.withdraw_departure(session, round_=round_, departure=departure, actor=staff, now=utcnow())
    assert session.scalar(sa.select(sa.func.count()).select_from(Departure)) == 0
    (event,) = _events(session, "decision.departure_withdrawn")
    assert event.facts["bid_id"] == setting.bids["B"]
    ratification = services.ratify(session, round_=round_, actor=staff, now=utcnow())
    assert ratification.ratified_run.result["departed_ids"] == []


def test_ratifying_twice_is_refused(ctx: tuple[Session, Round, User], setting: Setting) -> None:
    session, round_, staff = ctx
    services.ratify(session, round_=round_, actor=staff, now=utcnow())
    session.commit()
    with pytest.raises(DomainError, match="already been ratified"):
        services.ratify(session, round_=round_, actor=staff, now=utcnow())
    with pytest.raises(DomainError, match="already been ratified"):
        services.depart(
            session, round_=round_, bid_id=setting.bids["A"], actor=staff, reason=DUE_DILIGENCE, now=utcnow()
        )
    assert session.scalar(sa.select(sa.func.count()).select_from(Ratification)) == 1


def test_a_long_note_is_refused(ctx: tuple[Session, Round, User]) -> None:
    session, round_, staff = ctx
    with pytest.raises(DomainError, match="2,000 characters") as error:
        services.ratify(session, round_=round_, actor=staff, note="n" * 2001, now=utcnow())
    assert error.value.field == "note"


def test_reopening_undoes_the_ratification(ctx: tuple[Session, Round, User], setting: Setting) -> None:
    session, round_, staff = ctx
    ratification = services.ratify(session, round_=round_, actor=staff, now=utcnow())
    session.commit()
    with pytest.raises(DomainError, match="Enter why"):
        services.undo_ratification(session, round_=round_, actor=staff, reason=" ", now=utcnow())
    services.undo_ratification(session, round_=round_, actor=staff, reason="A paper ballot was left out", now=utcnow())
    session.commit()
    assert ratification.undone_at is not None
    assert round_.status == RoundStatus.VOTING
    assert current_ratification(session, round_.id) is None
    assert funded_bid_ids(session, round_.id) == []
    moved = _events(session, "round.status_changed")[-1]
    assert moved.facts == {"from": "decided", "to": "voting", "reason": "A paper ballot was left out"}
    (undone,) = _events(session, "decision.undone")
    assert undone.facts["ratification_id"] == ratification.id
    with pytest.raises(DomainError, match="nothing to undo"):
        services.undo_ratification(session, round_=round_, actor=staff, reason="Again", now=utcnow())

    # The vote closed long ago, so it can be ratified again at once (the kept ratification stays undone).
    again = services.ratify(session, round_=round_, actor=staff, now=utcnow())
    session.commit()
    assert again.id != ratification.id and again.panel_run_id == ratification.panel_run_id
    assert session.scalar(sa.select(sa.func.count()).select_from(Ratification)) == 2


def test_inputs_are_frozen_once_decided(ctx: tuple[Session, Round, User], setting: Setting) -> None:
    session, round_, staff = ctx
    services.ratify(session, round_=round_, actor=staff, now=utcnow())
    session.commit()
    assert not rules.scoring_open(round_, utcnow()) and not rules.voting_open(round_, utcnow())
    p1 = session.get(User, setting.panellists[0])
    bid_c = session.get(Bid, setting.bids["C"])
    assert p1 is not None and bid_c is not None
    entries = {k: ScoreEntry(value=5, comment="") for k in setting.criteria}
    with pytest.raises(DomainError, match="Scoring has closed"):
        save_scores(session, round_=round_, bid=bid_c, user=p1, entries=entries, now=utcnow())
    session.rollback()
    # Even with the voting deadline moved on, a decided round takes no ballots.
    round_.voting_closes_at = utcnow() + timedelta(days=1)
    session.flush()
    with pytest.raises(VotingClosed):
        cast_ballot(session, round_=round_, voter=p1, bid_ids=[setting.bids["C"], setting.bids["D"]], now=utcnow())
    session.rollback()
    assert funded_bid_ids(session, round_.id) == [setting.bids[n] for n in "ABC"]


def test_moving_a_decided_round_back_to_voting_on_the_round_page_ends_the_ratification(
    ctx: tuple[Session, Round, User], setting: Setting
) -> None:
    from grants.rounds.services import change_status

    session, round_, staff = ctx
    ratification = services.ratify(session, round_=round_, actor=staff, now=utcnow())
    session.commit()
    change_status(
        session, round=round_, to=RoundStatus.VOTING, actor=staff, reason="A ballot was miscounted", now=utcnow()
    )
    session.commit()
    assert ratification.undone_at is not None
    assert current_ratification(session, round_.id) is None
    (undone,) = _events(session, "decision.undone")
    assert undone.facts["reason"] == "A ballot was miscounted"
