"""Ballots cast at the same moment: many panellists at once, and one panellist from several browsers at once.
Each thread has its own app context, session and database connection; a barrier releases them together."""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from grants.audit.chain import verify_chain
from grants.extensions import db
from grants.models import Ballot, Round, User, VotingMethod
from grants.voting.services import AlreadyRecorded, cast_ballot
from tests.conftest import app_session
from tests.voting.helpers import add_panellists, ballot_events, make_voting_round, signed_in

PANEL = 30
ONE_VOTER_THREADS = 5


def _run_together(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run `work(i)` in `count` threads released together; return what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(i)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a voter never finished"
    return errors


def _cast_in_own_context(app: Flask, round_id: int, user_id: int, bid_ids: list[int], **kwargs: object) -> None:
    with app.app_context():
        try:
            round_ = db.session.get(Round, round_id)
            voter = db.session.get(User, user_id)
            assert round_ is not None and voter is not None
            cast_ballot(db.session, round_=round_, voter=voter, bid_ids=bid_ids, **kwargs)  # type: ignore[arg-type]
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


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

    errors = _run_together(
        PANEL, lambda i: _cast_in_own_context(app, setting.round_id, voter_ids[i], choices[i % len(choices)])
    )

    assert errors == []
    assert _current_counts(app, setting.round_id) == (PANEL, PANEL)
    with app_session(app) as s:
        voters = s.scalars(sa.select(Ballot.user_id).where(Ballot.round_id == setting.round_id, Ballot.is_current))
        assert sorted(voters) == sorted(voter_ids)
        assert verify_chain(s).ok
    assert len(ballot_events(app)) == PANEL


def test_one_panellist_casting_from_five_places_at_once_ends_with_one_current_ballot(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.APPROVAL, approval_limit=2)
    bids = setting.bid_ids

    errors = _run_together(
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
        assert verify_chain(s).ok


def test_the_same_form_sent_five_times_at_once_records_one_ballot(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.APPROVAL, approval_limit=2)

    errors = _run_together(
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

    assert _run_together(threads, post) == []
    assert sorted(statuses) == [200] * (threads - 1) + [302]
    assert _current_counts(app, setting.round_id) == (1, 1)
