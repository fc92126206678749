"""Lists that can grow are shown a page at a time (`?page=N`, 50 to a page): the panellist's bids to score, the
staff's table of panel members and the score summary (the screening list has its own tests). Every row is on some
page, the GOV.UK pagination links lead there, and no page number anyone types is an error."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import Bid, utcnow
from grants.paging import PAGE_SIZE, page_number, page_of
from tests.support.db import app_session
from tests.support.scenarios import set_round
from tests.support.signin import signed_in
from tests.support.world import World, make_world

BAD_PAGES = ("abc", "0", "-1", "2.5", "", "%C2%B3", "99999999999999999999999")
NEXT = re.compile(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next"')


def test_a_page_number_is_a_whole_number_from_1_or_else_the_first_page() -> None:
    assert [page_number(text) for text in ("3", " 7 ", "007")] == [3, 7, 7]
    assert {page_number(text) for text in ("abc", "0", "-1", "2.5", "", None, "³", "\u0661")} == {1}
    assert page_number("9" * 40) > 1  # past the end of any list: the last page


def test_a_page_past_the_end_is_the_last_page_and_an_empty_list_has_one() -> None:
    assert (page_of(120, 9).number, page_of(120, 9).pages, page_of(120, 9).first_index) == (3, 3, 101)
    assert (page_of(120, 2).offset, page_of(120, 2).last_index) == (50, 100)
    assert (page_of(0, 4).number, page_of(0, 4).first_index, page_of(0, 4).last_index) == (1, 0, 0)
    assert not page_of(PAGE_SIZE, 1).several and page_of(PAGE_SIZE + 1, 1).several


def _titles(page: str) -> list[str]:
    return re.findall(r'href="/panel/rounds/\d+/bids/\d+">(Project \d+)</a>', page)


def _follow_next(client: FlaskClient, page: str) -> str:
    found = NEXT.search(page)
    assert found, "no link to the next page"
    return client.get(found.group(1).replace("&amp;", "&")).text


@pytest.fixture
def many_bids(app: Flask) -> World:
    """A world whose rounds have 56 bids: the first panellist may score 54 of them (one conflict, one own group)."""
    return make_world(app, "many", bids=56, panellists=1, decided_rounds=0)


def test_the_panellists_bids_to_score_come_a_page_at_a_time(app: Flask, many_bids: World) -> None:
    client = signed_in(app.test_client(), many_bids.panellist_email)
    first = client.get(f"/panel/rounds/{many_bids.scoring_round_id}/bids").text
    assert "You have scored 54 of 54 bids." in first
    assert "Showing bids 1 to 50 of 54." in first and len(_titles(first)) == 50
    second = _follow_next(client, first)
    assert "Showing bids 51 to 54 of 54." in second and len(_titles(second)) == 4
    seen = _titles(first) + _titles(second)
    assert len(set(seen)) == 54
    assert "Project 54" not in seen and "Project 55" not in seen  # the conflict and their own group's bid
    assert "You are not scoring 2 bids because of a conflict of interest." in second


def test_the_next_bid_to_score_is_the_first_unscored_one_whatever_the_page(app: Flask, many_bids: World) -> None:
    with app_session(app) as s:
        s.execute(
            sa.text("DELETE FROM score WHERE round_id = :r AND bid_id IN (SELECT id FROM bid WHERE number = 52)"),
            {"r": many_bids.scoring_round_id},
        )
        unscored = s.scalar(sa.select(Bid.id).where(Bid.round_id == many_bids.scoring_round_id, Bid.number == 52))
    client = signed_in(app.test_client(), many_bids.panellist_email)
    page = client.get(f"/panel/rounds/{many_bids.scoring_round_id}/bids").text
    assert "You have scored 53 of 54 bids." in page
    assert f'href="/panel/rounds/{many_bids.scoring_round_id}/bids/{unscored}">Score the next bid</a>' in page


def test_the_score_summary_ranks_every_bid_a_page_at_a_time(app: Flask, many_bids: World) -> None:
    set_round(app, many_bids.scoring_round_id, scoring_closes_at=utcnow() - timedelta(hours=1))
    client = signed_in(app.test_client(), many_bids.staff_email)
    first = client.get(f"/staff/rounds/{many_bids.scoring_round_id}/summary").text
    assert "Showing the bids ranked 1 to 50 of 56." in first
    second = _follow_next(client, first)
    assert "Showing the bids ranked 51 to 56 of 56." in second
    heading = re.compile(r'<h3 class="govuk-heading-m[^"]*" id="bid-\d+-heading">(\d+)\.')
    ranks = [int(n) for n in heading.findall(first + second)]
    assert ranks == list(range(1, 57))
    assert "We talked it over." in first and "We talked it over." in second  # the notes are on every page


def test_the_staffs_table_of_panel_members_comes_a_page_at_a_time(app: Flask) -> None:
    world = make_world(app, "crowd", bids=3, panellists=53, decided_rounds=0)
    client = signed_in(app.test_client(), world.staff_email)
    first = client.get(f"/staff/rounds/{world.scoring_round_id}/panel").text
    assert "53 members" in first and "Showing members 1 to 50 of 53, by name." in first
    second = _follow_next(client, first)
    assert "Showing members 51 to 53 of 53, by name." in second
    names = re.findall(r"(Panellist \d+)<br>", first + second)
    assert sorted(names) == sorted(f"Panellist {i}" for i in range(53))


@pytest.mark.parametrize("bad", BAD_PAGES)
def test_no_page_number_is_an_error(app: Flask, many_bids: World, bad: str) -> None:
    """Anything but a page's number gives the first page; a number past the end gives the last."""
    set_round(app, many_bids.scoring_round_id, scoring_closes_at=utcnow() - timedelta(hours=1))
    staff = signed_in(app.test_client(), many_bids.staff_email)
    panellist = signed_in(app.test_client(), many_bids.panellist_email)
    r, screening = many_bids.scoring_round_id, many_bids.screening_round_id
    pages = [  # who, where, the first page, the last page
        (panellist, f"/panel/rounds/{r}/bids", "Showing bids 1 to 50 of 54.", "Showing bids 51 to 54 of 54."),
        (panellist, f"/panel/rounds/{r}/summary", "ranked 1 to 50 of 56.", "ranked 51 to 56 of 56."),
        (staff, f"/staff/rounds/{r}/summary", "ranked 1 to 50 of 56.", "ranked 51 to 56 of 56."),
        (staff, f"/staff/rounds/{screening}/bids", "Showing 1 to 25 of 56 bids", "Showing 51 to 56 of 56 bids"),
        (staff, f"/staff/rounds/{r}/panel", "1 member ·", "1 member ·"),
    ]
    past_the_end = bad.isdigit() and int(bad) > 1
    for client, path, first, last in pages:
        response = client.get(f"{path}?page={bad}")
        assert response.status_code == 200, (path, bad)
        assert (last if past_the_end else first) in response.text, (path, bad)


def test_a_results_ranked_list_comes_a_page_at_a_time(app: Flask) -> None:
    world = make_world(app, "ranked", bids=56, panellists=1, decided_rounds=1)
    client = signed_in(app.test_client(), world.staff_email)
    for path in (f"/staff/rounds/{world.voting_round_id}/tally", f"/rounds/{world.decided_round_id}/decision"):
        first = client.get(path).text
        assert "the ranked list, bids 1 to 50 of 56" in first, path
        second = _follow_next(client, first)
        assert "the ranked list, bids 51 to 56 of 56" in second, path
        ranks = re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>', second)
        assert ranks[:1] == ["51"], path
        assert "bids 1 to 50 of 56" in client.get(f"{path}?page=nonsense").text, path
