"""No page's SQL grows with its data: each key page sends as many statements for a funder with 12 bids in a round,
5 panellists, 2 decided rounds and 4 staff as for one with 3 bids, 2 panellists, 1 and 2 (tests/support/world.py).

A page that ran a query per bid, per panellist or per round (an N+1) would send more for the larger funder; the
failure names the statements it repeated.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from grants.extensions import db
from tests.support.signin import signed_in
from tests.support.statements import counting_statements, repeated, statements
from tests.support.world import World, make_world

SMALL = {"bids": 3, "panellists": 2, "decided_rounds": 1, "colleagues": 1}
LARGE = {"bids": 12, "panellists": 5, "decided_rounds": 2, "colleagues": 3}

# Who reads each page (None: anyone, signed out), and its address in a world.
PAGES: dict[str, tuple[str | None, Callable[[World], str]]] = {
    "public open rounds": (None, lambda w: "/rounds"),
    "public funder page": (None, lambda w: f"/funders/{w.funder_slug}"),
    "360Giving JSON": (None, lambda w: f"/funders/{w.funder_slug}/360giving.json"),
    "360Giving CSV": (None, lambda w: f"/funders/{w.funder_slug}/360giving.csv"),
    "staff home": ("staff", lambda w: "/staff"),
    "staff screening list": ("staff", lambda w: f"/staff/rounds/{w.screening_round_id}/bids"),
    "staff panel progress": ("staff", lambda w: f"/staff/rounds/{w.scoring_round_id}/panel"),
    "staff deliberation summary": ("staff", lambda w: f"/staff/rounds/{w.voting_round_id}/summary"),
    "staff tally page (vote closed)": ("staff", lambda w: f"/staff/rounds/{w.voting_round_id}/tally"),
    "staff tally page (ratified)": ("staff", lambda w: f"/staff/rounds/{w.decided_round_id}/tally"),
    "staff decision page": ("staff", lambda w: f"/rounds/{w.decided_round_id}/decision"),
    "panellist home": ("panellist", lambda w: "/panel"),
    "panellist task hub": ("panellist", lambda w: f"/panel/rounds/{w.scoring_round_id}"),
    "panellist bid list": ("panellist", lambda w: f"/panel/rounds/{w.scoring_round_id}/bids"),
    "panellist scoring page": (
        "panellist",
        lambda w: f"/panel/rounds/{w.scoring_round_id}/bids/{w.bid_to_score_id}",
    ),
    "panellist voting page": ("panellist", lambda w: f"/panel/rounds/{w.open_vote_round_id}/vote"),
    "panellist voting page (closed)": ("panellist", lambda w: f"/panel/rounds/{w.voting_round_id}/vote"),
    "panellist deliberation summary": ("panellist", lambda w: f"/panel/rounds/{w.voting_round_id}/summary"),
    "panellist declarations page": ("panellist", lambda w: f"/panel/rounds/{w.scoring_round_id}/declarations"),
    "staff round awards": ("staff", lambda w: f"/staff/rounds/{w.decided_round_id}/awards"),
    "staff round reports": ("staff", lambda w: f"/staff/rounds/{w.decided_round_id}/reports"),
    "group home": ("applicant", lambda w: "/applicant"),
}


def _count(app: Flask, world: World, page: str) -> list[str]:
    reader, address = PAGES[page]
    client = app.test_client()
    if reader is not None:
        signed_in(client, getattr(world, f"{reader}_email"))
    return statements(client, address(world))


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_sends_as_many_statements_with_more_data(app: Flask, page: str) -> None:
    small = _count(app, make_world(app, "small", **SMALL), page)
    large = _count(app, make_world(app, "large", **LARGE), page)
    assert len(large) == len(small), repeated(small, large)


def test_the_counter_counts_every_statement(app: Flask) -> None:
    with app.app_context(), counting_statements(app) as seen:
        for _ in range(3):
            db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    assert seen.count("SELECT 1") == 3
