"""Ballots cast at the same moment: many panellists at once, and one panellist from several browsers at once.
Each thread has its own app context, session and database connection; a barrier releases them together."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from grants.audit.walk import verify_all_chains
from grants.database import DbSession
from grants.models import Ballot, Round, User, VotingMethod, utcnow
from grants.voting.services import AlreadyRecorded, cast_ballot
from tests.support.db import app_session
from tests.support.signin import signed_in
from tests.support.threads import in_own_transaction, run_together
from tests.voting.helpers import add_panellists, ballot_events, make_voting_round

PANEL = 30
ONE_VOTER_THREADS = 5


def _cast_in_own_context(app: Flask, round_id: int, user_id: int, bid_ids: list[int], **kwargs: object) -> None:
    def cast(session: DbSession) -> None:
        round_ = session.get(Round, round_id)
        voter = session.get(User, user_id)
        assert round_ is not None and voter is not None
        cast_ballot(session, round_=round_, voter=voter, bid_ids=bid_ids, now=utcnow(), **kwargs)  # type: ignore[arg-type]

    in_own_transaction(app, cast)


def _current_counts(app: Flask, round_id: int) -> tuple[int, int]:
    with app_session(app) as s:
        current = s.scalar(sa.select(sa.func.count()).where(Ballot.round_id == round_id, Ballot.is_current)) or 0
        total = s.scalar(sa.select(sa.func.count()).where(Ballot.round_id == round_id)) or 0
        return int(current), int(total)


def test_thirty_panellists_voting_at_once_all_count(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.APPROVAL, approval_limit=2)
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        voter_ids = [setting.panellist_id, *[u.id for u in add_panellists(s, round_, PANEL - 1)]]
    a, b, c, d = setting.bid_ids
    choices = [[a, b], [c], [d, a], []]

    errors = run_together(
        PANEL, lambda i: _cast_in_own_context(app, setting.round_id, voter_ids[i], choices[i % len(choices)])
    )

    assert errors == []
    assert _current_counts(app, setting.round_id) == (PANEL, PANEL)
    with app_session(app) as s:
        voters = s.scalars(sa.select(Ballot.user_id).where(Ballot.round_id == setting.round_id, Ballot.is_current))
        assert sorted(voters) == sorted(voter_ids)
        assert all(report.ok for report in verify_all_chains(s))
    assert len(ballot_events(app)) == PANEL


def test_one_panellist_casting_from_five_places_at_once_ends_with_one_current_ballot(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.APPROVAL, approval_limit=2)
    bids = setting.bid_ids

    errors = run_together(
        ONE_VOTER_THREADS,
        lambda i: _cast_in_own_context(app, setting.round_id, setting.panellist_id, [bids[i % len(bids)]]),
    )

    assert errors == []
    current, total = _current_counts(app, setting.round_id)
    assert (current, total) == (1, ONE_VOTER_THREADS)  # each cast replaced the one before; none lost
    events = ballot_events(app)
    assert sorted(e.action for e in events) == ["ballot.cast"] + ["ballot.replaced"] * (ONE_VOTER_THREADS - 1)
    # Every version is chained to the one it replaced: a single line, no fork.
    replaced = [e.facts["replaces"] for e in events]
    assert replaced[0] is None and replaced[1:] == [e.facts["ballot_id"] for e in events[:-1]]
    with app_session(app) as s:
        assert all(report.ok for report in verify_all_chains(s))


def test_the_same_form_sent_five_times_at_once_records_one_ballot(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.APPROVAL, approval_limit=2)

    errors = run_together(
        ONE_VOTER_THREADS,
        lambda i: _cast_in_own_context(
            app, setting.round_id, setting.panellist_id, [setting.bid_ids[0]], replaces=None
        ),
    )

    # One lands; the others were based on "no ballot yet" and are refused cleanly.
    assert len(errors) == ONE_VOTER_THREADS - 1
    assert all(isinstance(e, AlreadyRecorded) for e in errors), errors
    assert _current_counts(app, setting.round_id) == (1, 1)
    assert [e.action for e in ballot_events(app)] == ["ballot.cast"]


def test_the_same_form_posted_from_five_browsers_at_once_records_one_ballot(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.APPROVAL, approval_limit=2)
    threads = ONE_VOTER_THREADS
    clients = [signed_in(app.test_client(), setting.panellist_email) for _ in range(threads)]
    statuses: list[int] = []

    def post(i: int) -> None:
        response = clients[i].post(
            f"/panel/rounds/{setting.round_id}/vote", data={"bids": [setting.bid_ids[0]], "replaces": ""}
        )
        statuses.append(response.status_code)

    assert run_together(threads, post) == []
    assert sorted(statuses) == [200] * (threads - 1) + [302]
    assert _current_counts(app, setting.round_id) == (1, 1)
