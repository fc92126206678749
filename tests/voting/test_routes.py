"""Voting through the pages: the panellist's ballot by each method, the confirmation and receipt, the receipts
list and check, paper ballots recorded by staff, and who may see what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import Ballot, PanelMember, Round, RoundStatus, User, VotingMethod, utcnow
from grants.voting.services import cast_ballot
from tests.support.db import app_session
from tests.support.factories import make_admin, make_auditor, make_funder
from tests.support.scenarios import set_round
from tests.support.signin import signed_in
from tests.voting.helpers import Setting, add_panellists, ballot_events, ballots, declare_conflict, make_voting_round

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _vote_url(setting: Setting) -> str:
    return f"/panel/rounds/{setting.round_id}/vote"


def _paper_url(setting: Setting) -> str:
    return f"/staff/rounds/{setting.round_id}/paper-ballots"


def _receipts_url(setting: Setting) -> str:
    return f"/rounds/{setting.round_id}/receipts"


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_voting_round(app, method=VotingMethod.APPROVAL, approval_limit=2)


@pytest.fixture
def panellist(client: FlaskClient, setting: Setting) -> FlaskClient:
    return signed_in(client, setting.panellist_email)


def _vote(client: FlaskClient, setting: Setting, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(_vote_url(setting), data=data)


def _assert_unchanged(app: Flask, setting: Setting, before: list[tuple[int, bool, list[int]]]) -> None:
    assert ballots(app, setting.round_id) == before


def _ticked(html: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="bids" type="checkbox" value="(\d+)"[^>]*checked', html)}


# --- who may see what -----------------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, setting: Setting) -> None:
    for url in (_vote_url(setting), _paper_url(setting), _receipts_url(setting)):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url


def test_an_applicant_is_refused(client: FlaskClient, setting: Setting) -> None:
    signed_in(client, setting.applicant_email)
    for url in (_vote_url(setting), _paper_url(setting), _receipts_url(setting)):
        assert client.get(url).status_code == 403, url


def test_a_panellist_of_another_round_gets_not_found(client: FlaskClient, setting: Setting) -> None:
    signed_in(client, setting.other_panellist_email)
    assert client.get(_vote_url(setting)).status_code == 404
    assert client.post(_vote_url(setting), data={"bids": [setting.bid_ids[0]]}).status_code == 404
    assert client.get(_receipts_url(setting)).status_code == 404
    assert client.get(f"/panel/rounds/{setting.other_round_id}/vote").status_code == 200


def test_staff_of_another_funder_get_not_found(client: FlaskClient, setting: Setting) -> None:
    signed_in(client, setting.other_staff_email)
    assert client.get(_paper_url(setting)).status_code == 404
    assert client.post(_paper_url(setting), data={"panellist": setting.panellist_id}).status_code == 404
    assert client.get(_receipts_url(setting)).status_code == 404


def test_a_panellist_cannot_record_paper_ballots(panellist: FlaskClient, setting: Setting) -> None:
    assert panellist.get(_paper_url(setting)).status_code == 403


def test_the_funders_auditor_may_read_receipts_but_not_record_ballots(client: FlaskClient, setting: Setting) -> None:
    signed_in(client, setting.auditor_email)
    assert client.get(_receipts_url(setting)).status_code == 200
    assert client.get(_paper_url(setting)).status_code == 403


def test_every_role_against_every_voting_page(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        admin = make_admin(s).email
        other_auditor = make_auditor(s, make_funder(s)).email
    expected = {
        # role: (vote page, paper ballots, receipts)
        setting.panellist_email: (200, 403, 200),
        setting.other_panellist_email: (404, 403, 404),
        setting.staff_email: (403, 200, 200),
        setting.other_staff_email: (403, 404, 404),
        setting.auditor_email: (403, 403, 200),
        other_auditor: (403, 403, 404),
        setting.applicant_email: (403, 403, 403),
        admin: (403, 403, 403),
    }
    for email, statuses in expected.items():
        client = signed_in(app.test_client(), email)
        got = tuple(
            client.get(url).status_code for url in (_vote_url(setting), _paper_url(setting), _receipts_url(setting))
        )
        assert got == statuses, email


# --- the ballot page ------------------------------------------------------------------------------------------


def test_ballot_page_lists_eligible_bids_and_greys_conflicted_ones(
    app: Flask, panellist: FlaskClient, setting: Setting
) -> None:
    a, b, _, _ = setting.bid_ids
    declare_conflict(app, round_id=setting.round_id, user_id=setting.panellist_id, bid_id=a)
    page = panellist.get(_vote_url(setting)).text
    assert "Choose up to 2 bids you would most like to see funded" in page
    for title in ("Bid A", "Bid B", "Bid C", "Bid D"):
        assert title in page
    assert "Group B" in page and "£3,500" in page
    assert "Not eligible" not in page and "Elsewhere" not in page
    assert "You declared a conflict" in page
    assert f'value="{a}"' not in page  # no checkbox for the conflicted bid
    assert f'value="{b}"' in page
    assert "Voting closes on" in page


def test_casting_shows_the_receipt_once_then_on_the_vote_page(
    app: Flask, panellist: FlaskClient, setting: Setting
) -> None:
    a, b, _, _ = setting.bid_ids
    response = _vote(panellist, setting, {"bids": [a, b], "replaces": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/panel/rounds/{setting.round_id}/vote/cast"
    confirmation = panellist.get(response.headers["Location"]).text
    assert "Your ballot is cast" in confirmation and "Keep this code" in confirmation
    ((ballot_id, current, chosen),) = ballots(app, setting.round_id)
    assert current and chosen == sorted([a, b])
    with app_session(app) as s:
        ballot = s.get(Ballot, ballot_id)
        assert ballot is not None
        code = ballot.receipt_code
    assert code in confirmation
    # The confirmation shows once; afterwards the vote page shows the ballot and its code.
    again = panellist.get(f"/panel/rounds/{setting.round_id}/vote/cast")
    assert again.status_code == 302 and again.headers["Location"] == _vote_url(setting)
    page = panellist.get(_vote_url(setting)).text
    assert "Your ballot" in page and code in page and "Change your ballot" in page
    assert _ticked(page) == {a, b}


def test_changing_a_ballot_replaces_it(app: Flask, panellist: FlaskClient, setting: Setting) -> None:
    a, b, c, _ = setting.bid_ids
    _vote(panellist, setting, {"bids": [a], "replaces": ""})
    ((first_id, _, _),) = ballots(app, setting.round_id)
    response = _vote(panellist, setting, {"bids": [b, c], "replaces": str(first_id)})
    assert response.status_code == 302
    assert "Your new ballot is cast" in panellist.get(response.headers["Location"]).text
    assert [(current, chosen) for _, current, chosen in ballots(app, setting.round_id)] == [
        (False, [a]),
        (True, sorted([b, c])),
    ]
    assert [e.action for e in ballot_events(app)] == ["ballot.cast", "ballot.replaced"]


def test_more_than_k_bids_is_refused_keeping_the_ticks(app: Flask, panellist: FlaskClient, setting: Setting) -> None:
    a, b, c, _ = setting.bid_ids
    response = _vote(panellist, setting, {"bids": [a, b, c], "replaces": ""})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Choose no more than 2 bids. 3 are ticked: untick 1" in response.text
    assert _ticked(response.text) == {a, b, c}
    _assert_unchanged(app, setting, [])


def test_a_double_posted_form_records_one_ballot(app: Flask, panellist: FlaskClient, setting: Setting) -> None:
    data = {"bids": [setting.bid_ids[0]], "replaces": ""}
    assert _vote(panellist, setting, data).status_code == 302
    second = _vote(panellist, setting, data)
    assert second.status_code == 200
    assert "Your ballot was already recorded, so nothing was changed" in second.text
    assert len(ballots(app, setting.round_id)) == 1
    # The page now offers to change the ballot that is current.
    ((ballot_id, _, _),) = ballots(app, setting.round_id)
    assert f'name="replaces" type="hidden" value="{ballot_id}"' in second.text


@pytest.mark.parametrize("which", ["conflicted", "other_round", "ineligible", "not_a_number"])
def test_a_tampered_form_is_refused(app: Flask, panellist: FlaskClient, setting: Setting, which: str) -> None:
    a = setting.bid_ids[0]
    declare_conflict(app, round_id=setting.round_id, user_id=setting.panellist_id, bid_id=a)
    bid = {
        "conflicted": a,
        "other_round": setting.other_round_bid_id,
        "ineligible": setting.ineligible_bid_id,
        "not_a_number": "DROP TABLE",
    }[which]
    response = _vote(panellist, setting, {"bids": [setting.bid_ids[1], bid], "replaces": ""})
    assert response.status_code == 200
    expected = (
        "You declared a conflict with" if which == "conflicted" else "One of the bids chosen is not on this ballot"
    )
    assert expected in response.text
    _assert_unchanged(app, setting, [])


def test_ticking_nothing_asks_before_casting_an_empty_ballot(
    app: Flask, panellist: FlaskClient, setting: Setting
) -> None:
    response = _vote(panellist, setting, {"replaces": ""})
    assert response.status_code == 200
    assert "You have not chosen any bids" in response.text
    assert "An empty ballot still counts as a ballot cast" in response.text
    _assert_unchanged(app, setting, [])
    confirmed = _vote(panellist, setting, {"replaces": "", "confirm_empty": "y"})
    assert confirmed.status_code == 302
    assert [(current, chosen) for _, current, chosen in ballots(app, setting.round_id)] == [(True, [])]
    assert "An empty ballot: no bids chosen" in panellist.get(confirmed.headers["Location"]).text


def test_after_voting_closes_the_page_says_so_and_a_ballot_changes_nothing(
    app: Flask, panellist: FlaskClient, setting: Setting
) -> None:
    set_round(app, setting.round_id, voting_closes_at=utcnow() - timedelta(minutes=1))
    page = panellist.get(_vote_url(setting)).text
    assert "Voting closed on" in page and "Cast your ballot" not in page
    response = _vote(panellist, setting, {"bids": [setting.bid_ids[0]], "replaces": ""})
    assert response.status_code == 200 and "Voting closed on" in response.text
    _assert_unchanged(app, setting, [])


def test_before_voting_opens_no_ballot_can_be_cast(app: Flask, client: FlaskClient) -> None:
    setting = make_voting_round(app, status=RoundStatus.SCORING)
    signed_in(client, setting.panellist_email)
    assert "Voting has not opened yet" in client.get(_vote_url(setting)).text
    response = client.post(_vote_url(setting), data={"bids": [setting.bid_ids[0]], "replaces": ""})
    assert "Voting has not opened yet" in response.text
    _assert_unchanged(app, setting, [])


def test_a_scores_round_explains_there_is_nothing_to_cast(app: Flask, client: FlaskClient) -> None:
    setting = make_voting_round(app, method=VotingMethod.SCORES)
    signed_in(client, setting.panellist_email)
    page = client.get(_vote_url(setting)).text
    assert "The panel's scores are the vote" in page and 'type="checkbox"' not in page


def test_code_of_conduct_comes_first(app: Flask, client: FlaskClient) -> None:
    setting = make_voting_round(app, conduct=False)
    signed_in(client, setting.panellist_email)
    response = client.get(_vote_url(setting))
    if "panel.round_home" in app.view_functions:
        assert response.status_code == 302
    else:
        assert "accept the panel's code of conduct" in response.text
        assert 'type="checkbox"' not in response.text


# --- budget and ranked ballots --------------------------------------------------------------------------------


def test_budget_ballot_over_budget_says_by_how_much_and_keeps_the_ticks(app: Flask, client: FlaskClient) -> None:
    setting = make_voting_round(app, method=VotingMethod.BUDGET)
    signed_in(client, setting.panellist_email)
    page = client.get(_vote_url(setting)).text
    assert "Choose the bids you would fund with the budget of £10,000" in page
    assert "£0 of £10,000 chosen" in page and "budget-ballot.js" in page
    response = client.post(_vote_url(setting), data={"bids": setting.bid_ids, "replaces": ""})
    assert response.status_code == 200
    assert "The bids chosen add up to £11,000, which is £1,000 over the budget of £10,000" in response.text
    assert "£11,000 of £10,000 chosen" in response.text
    assert _ticked(response.text) == set(setting.bid_ids)
    _assert_unchanged(app, setting, [])
    fits = client.post(_vote_url(setting), data={"bids": setting.bid_ids[1:], "replaces": ""})
    assert fits.status_code == 302
    assert 'Total: <strong class="app-numeric">£7,000</strong>' in client.get(fits.headers["Location"]).text


def test_ranked_ballot_by_selects(app: Flask, client: FlaskClient) -> None:
    setting = make_voting_round(app, method=VotingMethod.RANKED, ranked_limit=2)
    a, b, c, d = setting.bid_ids
    signed_in(client, setting.panellist_email)
    page = client.get(_vote_url(setting)).text
    assert "Put up to 2 bids in order, your first choice first" in page
    assert "1st choice" in page and "2nd choice" in page and "Not ranked" in page and "3rd choice" not in page

    same = client.post(_vote_url(setting), data={f"rank_{a}": "1", f"rank_{b}": "1", "replaces": ""})
    assert same.status_code == 200
    assert "You gave more than one bid your 1st choice. Give each bid a different rank" in same.text
    assert same.text.count("govuk-select--error") == 2
    _assert_unchanged(app, setting, [])

    too_many = client.post(_vote_url(setting), data={f"rank_{a}": "1", f"rank_{b}": "3", "replaces": ""})
    assert "Choose a rank from 1st to 2nd" in too_many.text
    _assert_unchanged(app, setting, [])

    ok = client.post(_vote_url(setting), data={f"rank_{c}": "1", f"rank_{a}": "2", f"rank_{d}": "", "replaces": ""})
    assert ok.status_code == 302
    assert [chosen for _, _, chosen in ballots(app, setting.round_id)] == [[c, a]]
    again = client.get(_vote_url(setting)).text
    assert re.search(
        rf'name="rank_{c}"[^>]*>\s*<option value="">Not ranked</option>\s*<option value="1" selected', again
    )


def test_ranked_ballot_refuses_a_tampered_rank_for_a_conflicted_or_foreign_bid(app: Flask, client: FlaskClient) -> None:
    setting = make_voting_round(app, method=VotingMethod.RANKED, ranked_limit=2)
    a, b, _, _ = setting.bid_ids
    declare_conflict(app, round_id=setting.round_id, user_id=setting.panellist_id, bid_id=a)
    signed_in(client, setting.panellist_email)
    assert f'name="rank_{a}"' not in client.get(_vote_url(setting)).text
    response = client.post(_vote_url(setting), data={f"rank_{a}": "1", f"rank_{b}": "2", "replaces": ""})
    assert "You declared a conflict with" in response.text
    foreign = client.post(
        _vote_url(setting), data={f"rank_{setting.other_round_bid_id}": "1", f"rank_{b}": "2", "replaces": ""}
    )
    assert "One of the bids chosen is not on this ballot" in foreign.text
    _assert_unchanged(app, setting, [])


# --- receipts -------------------------------------------------------------------------------------------------


def _cast_and_code(app: Flask, client: FlaskClient, setting: Setting, bids: list[int]) -> str:
    current = [i for i, is_current, _ in ballots(app, setting.round_id, setting.panellist_id) if is_current]
    response = _vote(client, setting, {"bids": bids, "replaces": str(current[0]) if current else ""})
    assert response.status_code == 302, response.text
    match = CODE.search(client.get(response.headers["Location"]).text)
    assert match
    return match.group(0)


def test_receipts_are_published_only_once_the_round_is_decided(
    app: Flask, panellist: FlaskClient, setting: Setting
) -> None:
    code = _cast_and_code(app, panellist, setting, [setting.bid_ids[0]])
    before = panellist.get(_receipts_url(setting)).text
    assert "published here once the round is decided" in before and code not in before
    assert panellist.post(_receipts_url(setting), data={"code": code}).status_code == 200
    set_round(app, setting.round_id, status=RoundStatus.DECIDED)
    after = panellist.get(_receipts_url(setting)).text
    assert code in after and "1 ballot was counted" in after


def test_receipts_list_every_counted_code_sorted_and_the_check_answers(
    app: Flask, client: FlaskClient, panellist: FlaskClient, setting: Setting
) -> None:
    replaced = _cast_and_code(app, panellist, setting, [setting.bid_ids[0]])
    code = _cast_and_code(app, panellist, setting, [setting.bid_ids[1]])
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        others = add_panellists(s, round_, 3)
        other_codes = [cast_ballot(s, round_=round_, voter=u, bid_ids=[], now=utcnow()).receipt_code for u in others]
        assert all(isinstance(u, User) for u in others)
    set_round(app, setting.round_id, status=RoundStatus.DECIDED)
    page = panellist.get(_receipts_url(setting)).text
    listed = CODE.findall(page.split("Counted ballots", 1)[1])
    assert listed == sorted([code, *other_codes])
    assert replaced not in page and "4 ballots were counted" in page
    assert "Panellist" not in page.split("Counted ballots", 1)[1]  # no names

    counted = panellist.post(_receipts_url(setting), data={"code": code.lower().replace("-", " ")}).text
    assert "Your ballot was counted as cast" in counted
    superseded = panellist.post(_receipts_url(setting), data={"code": replaced}).text
    assert "This ballot was replaced by a later one; only your last ballot counts." in superseded
    unknown = panellist.post(_receipts_url(setting), data={"code": "AAAA-BBBB-CCCC-DDDD"}).text
    assert "We cannot find this code among the counted ballots" in unknown
    empty = panellist.post(_receipts_url(setting), data={"code": ""})
    assert "Enter your receipt code" in empty.text

    signed_in(client, setting.staff_email)
    assert code in client.get(_receipts_url(setting)).text


# --- paper ballots --------------------------------------------------------------------------------------------


@pytest.fixture
def staff(client: FlaskClient, setting: Setting) -> FlaskClient:
    return signed_in(client, setting.staff_email)


def test_staff_see_how_many_have_voted_not_how(app: Flask, staff: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        add_panellists(s, round_, 2)
    page = staff.get(_paper_url(setting)).text
    assert "0</span> of 3 panellists have a ballot" in page
    panel_client = app.test_client()
    signed_in(panel_client, setting.panellist_email)
    _vote(panel_client, setting, {"bids": [setting.bid_ids[0]], "replaces": ""})
    page = staff.get(_paper_url(setting)).text
    assert "1</span> of 3 panellists have a ballot" in page
    assert "Bid A" not in page


def test_staff_record_a_paper_ballot_marked_as_such(app: Flask, staff: FlaskClient, setting: Setting) -> None:
    a, b, _, _ = setting.bid_ids
    declare_conflict(app, round_id=setting.round_id, user_id=setting.panellist_id, bid_id=a)
    chooser = staff.get(_paper_url(setting)).text
    assert "Whose paper ballot are you recording?" in chooser
    form = staff.get(_paper_url(setting), query_string={"panellist": setting.panellist_id}).text
    assert "declared a conflict" in form and f'value="{a}"' not in form
    assert "Record this paper ballot" in form

    response = staff.post(_paper_url(setting), data={"panellist": setting.panellist_id, "bids": [b], "replaces": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/rounds/{setting.round_id}/paper-ballots/receipt"
    receipt = staff.get(response.headers["Location"]).text
    match = CODE.search(receipt)
    assert match and "shown only once" in receipt
    assert staff.get(response.headers["Location"]).status_code == 302  # not shown again

    with app_session(app) as s:
        ballot = s.scalars(sa.select(Ballot).where(Ballot.round_id == setting.round_id)).one()
        assert ballot.recorded_by_staff_id == setting.staff_id and ballot.receipt_code == match.group(0)
    (event,) = ballot_events(app)
    assert event.action == "ballot.recorded_on_paper" and event.facts["on_paper"] is True

    panel_client = app.test_client()
    signed_in(panel_client, setting.panellist_email)
    page = panel_client.get(_vote_url(setting)).text
    assert "Recorded by staff from a paper ballot" in page and "Priya Shah" in page and match.group(0) in page


def test_staff_cannot_overwrite_a_panellists_online_ballot_without_its_receipt_code(
    app: Flask, staff: FlaskClient, setting: Setting
) -> None:
    a, b, _, _ = setting.bid_ids
    panel_client = signed_in(app.test_client(), setting.panellist_email)
    cast = panel_client.post(_vote_url(setting), data={"bids": [a], "replaces": ""}, follow_redirects=True)
    code = CODE.search(cast.text)
    assert code
    (online_id, _, _), *_ = ballots(app, setting.round_id)
    form = staff.get(_paper_url(setting), query_string={"panellist": setting.panellist_id}).text
    assert "Receipt code of their current ballot" in form

    data = {"panellist": setting.panellist_id, "bids": [b], "replaces": str(online_id)}
    refused = staff.post(_paper_url(setting), data=data)
    assert refused.status_code == 200 and "already has a ballot" in refused.text
    assert ballots(app, setting.round_id) == [(online_id, True, [a])]

    handed_in = staff.post(_paper_url(setting), data={**data, "voter_receipt": code.group(0)})
    assert handed_in.status_code == 302
    assert [(current, bids) for _, current, bids in ballots(app, setting.round_id)] == [(False, [a]), (True, [b])]


def test_the_auditor_sees_every_paper_ballot(app: Flask, staff: FlaskClient, setting: Setting) -> None:
    a, b, _, _ = setting.bid_ids
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        (other,) = add_panellists(s, round_, 1)
        other_id, other_name = other.id, other.name
    panel_client = signed_in(app.test_client(), setting.panellist_email)
    code = CODE.search(panel_client.post(_vote_url(setting), data={"bids": [a]}, follow_redirects=True).text)
    assert code
    staff.post(_paper_url(setting), data={"panellist": other_id, "bids": [b]})
    staff.post(
        _paper_url(setting), data={"panellist": setting.panellist_id, "bids": [b], "voter_receipt": code.group(0)}
    )

    auditor = signed_in(app.test_client(), setting.auditor_email)
    page = auditor.get(f"/audit/rounds/{setting.round_id}/paper-ballots").text

    assert "2 paper ballots" in page
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)[1:]
    assert other_name in rows[0] and "Priya Shah" in rows[0] and "Their first ballot" in rows[0]
    assert "Panellist" in rows[1] and "Replaced an online ballot" in rows[1] and "Counts" in rows[1]


def test_paper_ballots_follow_the_same_rules(app: Flask, staff: FlaskClient, setting: Setting) -> None:
    a, b, c, _ = setting.bid_ids
    declare_conflict(app, round_id=setting.round_id, user_id=setting.panellist_id, bid_id=a)
    conflicted = staff.post(_paper_url(setting), data={"panellist": setting.panellist_id, "bids": [a], "replaces": ""})
    assert "declared a conflict with" in conflicted.text
    too_many = staff.post(
        _paper_url(setting), data={"panellist": setting.panellist_id, "bids": [b, c, setting.bid_ids[3]]}
    )
    assert "Choose no more than 2 bids" in too_many.text
    stranger = staff.post(_paper_url(setting), data={"panellist": 999999, "bids": [b]})
    assert "Choose a panellist from the list" in stranger.text
    empty = staff.post(_paper_url(setting), data={"panellist": setting.panellist_id, "replaces": ""})
    assert "No bids are chosen on" in empty.text
    _assert_unchanged(app, setting, [])
    set_round(app, setting.round_id, voting_closes_at=utcnow() - timedelta(minutes=1))
    closed = staff.post(_paper_url(setting), data={"panellist": setting.panellist_id, "bids": [b]})
    assert "Voting closed on" in closed.text
    _assert_unchanged(app, setting, [])


def test_a_paper_ballot_needs_the_code_of_conduct_accepted(app: Flask, staff: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        s.execute(
            sa.update(PanelMember).where(PanelMember.user_id == setting.panellist_id).values(conduct_accepted_at=None)
        )
    page = staff.get(_paper_url(setting), query_string={"panellist": setting.panellist_id}).text
    assert "has not accepted the panel's code of conduct" in page and 'type="checkbox"' not in page
    response = staff.post(_paper_url(setting), data={"panellist": setting.panellist_id, "bids": [setting.bid_ids[1]]})
    assert "has not accepted the panel's code of conduct" in response.text
    _assert_unchanged(app, setting, [])
