"""Screening through the pages staff use: the list and its filters, one bid, the attachment, the decision."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.audit.chain import record_event
from grants.extensions import db
from grants.models import (
    AuditEvent,
    Bid,
    BidStatus,
    Group,
    GroupKind,
    GroupMember,
    OutboxEmail,
    Question,
    Round,
    RoundStatus,
)
from grants.screening.queries import PER_PAGE
from tests.screening.helpers import Setting, make_setting
from tests.support.db import app_session
from tests.support.db import count as _count
from tests.support.factories import (
    PDF_BYTES,
    add_answers,
    add_attachment,
    add_budget,
    make_auditor,
    make_funder,
    make_panellist,
    make_round,
    make_sent_bid,
    make_user,
)
from tests.support.signin import sign_in

REASON = "Your group is based outside the three areas this round covers."


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _urls(setting: Setting) -> dict[str, str]:
    return {
        "list": f"/staff/rounds/{setting.round_id}/bids",
        "bid": f"/staff/bids/{setting.bid_id}",
        "attachment": f"/staff/bids/{setting.bid_id}/attachment",
    }


def _with_attachment(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        add_attachment(s, s.get(Bid, setting.bid_id))


def _post(client: FlaskClient, setting: Setting, **data: str):
    return client.post(f"/staff/bids/{setting.bid_id}", data=data)


def _bid(app: Flask, bid_id: int) -> Bid:
    with app_session(app) as s:
        bid = s.get(Bid, bid_id)
        assert bid is not None
        return bid


# --- who may see and do what ----------------------------------------------------------------------------------


def test_signed_out_visitor_is_sent_to_sign_in(app: Flask, client: FlaskClient, setting: Setting) -> None:
    _with_attachment(app, setting)
    for url in _urls(setting).values():
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    response = _post(client, setting, decision="eligible")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("role", ["applicant", "panellist", "auditor", "group member"])
def test_people_who_are_not_staff_are_refused(app: Flask, client: FlaskClient, setting: Setting, role: str) -> None:
    _with_attachment(app, setting)
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        email = {
            "applicant": lambda: make_user(s).email,
            "panellist": lambda: make_panellist(s, round_).email,
            "auditor": lambda: make_auditor(s, round_.funder).email,
            "group member": lambda: setting.member_email,
        }[role]()
    sign_in(client, email)
    for url in _urls(setting).values():
        assert client.get(url).status_code == 403, url
    assert _post(client, setting, decision="eligible").status_code == 403
    assert _bid(app, setting.bid_id).status == BidStatus.SUBMITTED


def test_staff_of_another_funder_get_not_found(app: Flask, client: FlaskClient, setting: Setting) -> None:
    _with_attachment(app, setting)
    sign_in(client, setting.other_staff_email)
    for url in _urls(setting).values():
        assert client.get(url).status_code == 404, url
    assert _post(client, setting, decision="eligible").status_code == 404
    assert _bid(app, setting.bid_id).status == BidStatus.SUBMITTED
    assert _count(app, OutboxEmail) == 0


def test_unknown_round_and_bid_are_not_found(client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.staff_email)
    assert client.get("/staff/rounds/999999/bids").status_code == 404
    assert client.get("/staff/bids/999999").status_code == 404
    assert client.get(f"/staff/bids/{setting.bid_id}/attachment").status_code == 404  # the bid has no attachment


def test_a_draft_is_not_shown_to_staff(app: Flask, client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        draft = make_sent_bid(s, round_, number=50, group_name="Quiet Draft Group", status=BidStatus.DRAFT)
        add_attachment(s, draft)
        draft_id = draft.id
    sign_in(client, setting.staff_email)
    assert "Quiet Draft Group" not in client.get(f"/staff/rounds/{setting.round_id}/bids").text
    assert client.get(f"/staff/bids/{draft_id}").status_code == 404
    assert client.get(f"/staff/bids/{draft_id}/attachment").status_code == 404
    assert client.post(f"/staff/bids/{draft_id}", data={"decision": "eligible"}).status_code == 404


# --- the list -------------------------------------------------------------------------------------------------


@pytest.fixture
def listed(app: Flask, setting: Setting) -> Setting:
    """The setting's round with a spread of bids: statuses, amounts, areas, and one entered by staff."""
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        bid = s.get(Bid, setting.bid_id)
        bid.number = 1
        make_sent_bid(s, round_, number=2, group_name="Riverside Youth Football", area="Riverside, RV1",
                      amount_pence=1_900_00, status=BidStatus.ELIGIBLE)  # fmt: skip
        make_sent_bid(s, round_, number=3, group_name="Northside Food Share", area="Northside, RV5",
                      amount_pence=800_00, status=BidStatus.INELIGIBLE, title="Community fridge")  # fmt: skip
        make_sent_bid(s, round_, number=4, group_name="Elm Park Allotments", area="Elm Park, RV3",
                      amount_pence=300_00, status=BidStatus.WITHDRAWN)  # fmt: skip
        make_sent_bid(s, round_, number=5, group_name="Phone-in Lunch Club", area="Northside, RV5",
                      amount_pence=1_200_00, entered_by_staff_id=setting.staff_id)  # fmt: skip
        make_sent_bid(s, round_, number=6, group_name="Drafty Drafters", status=BidStatus.DRAFT)
    return setting


def _groups_listed(page: str) -> list[str]:
    names = ["Friends of Elm Park", "Riverside Youth Football", "Northside Food Share", "Elm Park Allotments"]
    names += ["Phone-in Lunch Club", "Drafty Drafters"]
    listed = re.findall(r'<td class="govuk-table__cell">([^<]+)<br>', page)
    return [name for name in listed if name in names]


def test_list_shows_every_sent_bid_with_its_details_and_never_a_draft(client: FlaskClient, listed: Setting) -> None:
    sign_in(client, listed.staff_email)
    page = client.get(f"/staff/rounds/{listed.round_id}/bids").text
    assert _groups_listed(page) == [
        "Friends of Elm Park",
        "Riverside Youth Football",
        "Northside Food Share",
        "Elm Park Allotments",
        "Phone-in Lunch Club",
    ]
    code = listed.round_code
    assert f'href="/staff/bids/{listed.bid_id}">{code}-0001</a>' in page
    assert f"{code}-0003" in page and "Community fridge" in page
    assert "£1,900" in page and "Northside, RV5" in page
    for label in ("Submitted", "Eligible", "Not eligible", "Withdrawn"):
        assert re.search(rf">\s*{label}\s*</strong>", page)
    assert page.count("Entered by staff on behalf of the group") == 1
    assert re.search(r"\d{1,2} \w{3} \d{4}<br>\d{1,2}:\d\d[ap]m", page)  # when it was sent, London time
    # Counts per status at the top: 2 submitted, 1 each of the others.
    counts = re.findall(r'app-numeric">(\d+)</span>\s*<span class="govuk-body">([\w ]+)</span>', page)
    assert counts == [("2", "submitted"), ("1", "eligible"), ("1", "not eligible"), ("1", "withdrawn")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=eligible", ["Riverside Youth Football"]),
        ("status=withdrawn", ["Elm Park Allotments"]),
        ("min_amount=800&max_amount=1500", ["Northside Food Share", "Phone-in Lunch Club"]),
        ("min_amount=%C2%A31%2C200", ["Riverside Youth Football", "Phone-in Lunch Club"]),
        ("max_amount=500", ["Friends of Elm Park", "Elm Park Allotments"]),
        ("area=northside", ["Northside Food Share", "Phone-in Lunch Club"]),
        ("area=rv5&status=submitted", ["Phone-in Lunch Club"]),
        ("q=ELM+PARK", ["Friends of Elm Park", "Elm Park Allotments"]),
        ("q=food", ["Northside Food Share"]),
        ("q=3", ["Northside Food Share"]),
        ("q=0004", ["Elm Park Allotments"]),
        ("q=100%25", []),
        ("status=draft", None),  # not a choice: the filter is refused and every sent bid is listed
    ],
)
def test_list_filters_and_search(client: FlaskClient, listed: Setting, query: str, expected: list[str] | None) -> None:
    sign_in(client, listed.staff_email)
    page = client.get(f"/staff/rounds/{listed.round_id}/bids?{query}").text
    if expected is None:
        assert "Choose a status from the list" in page
        assert "Drafty Drafters" not in page and len(_groups_listed(page)) == 5
    else:
        assert _groups_listed(page) == expected


def test_search_by_full_reference_in_any_case(client: FlaskClient, listed: Setting) -> None:
    sign_in(client, listed.staff_email)
    page = client.get(f"/staff/rounds/{listed.round_id}/bids?q={listed.round_code.lower()}-0002").text
    assert _groups_listed(page) == ["Riverside Youth Football"]


def test_an_amount_that_is_not_money_is_explained_and_ignored(client: FlaskClient, listed: Setting) -> None:
    sign_in(client, listed.staff_email)
    page = client.get(f"/staff/rounds/{listed.round_id}/bids?min_amount=lots&area=northside").text
    assert "Enter the smallest amount in pounds, like 500" in page
    assert 'class="govuk-error-message"' in page
    assert _groups_listed(page) == ["Northside Food Share", "Phone-in Lunch Club"]
    page = client.get(f"/staff/rounds/{listed.round_id}/bids?min_amount=900&max_amount=100").text
    assert "The largest amount must be the same as or more than the smallest amount" in page


@pytest.mark.parametrize(
    "amount", ["9" * 5000, "\u00b2", "\u0668\u0660\u0660", "\uff18\uff10\uff10", "1," + "000," * 1500 + "000"]
)
@pytest.mark.parametrize("box", ["min_amount", "max_amount"])
def test_a_filter_amount_in_anything_but_ascii_digits_is_explained_and_ignored_never_a_500(
    client: FlaskClient, listed: Setting, box: str, amount: str
) -> None:
    sign_in(client, listed.staff_email)
    response = client.get(f"/staff/rounds/{listed.round_id}/bids", query_string={box: amount})
    assert response.status_code == 200
    which = "smallest" if box == "min_amount" else "largest"
    assert f"Enter the {which} amount in pounds" in response.text
    assert len(_groups_listed(response.text)) == 5  # the filter is left out, not guessed at


def test_a_filter_amount_past_what_any_bid_can_hold_is_used_as_the_most_never_a_500(
    client: FlaskClient, listed: Setting
) -> None:
    """Found by the fuzz tests on PostgreSQL: £21,474,837 or more is past the 32-bit column, and comparing the
    column with it failed in the database (a 500). No bid asks that much: at least it lists none, at most all."""
    sign_in(client, listed.staff_email)
    for amount in ["21474837", "999,999,999,999"]:
        page = client.get(f"/staff/rounds/{listed.round_id}/bids", query_string={"min_amount": amount})
        assert page.status_code == 200 and _groups_listed(page.text) == []
        page = client.get(f"/staff/rounds/{listed.round_id}/bids", query_string={"max_amount": amount})
        assert page.status_code == 200 and len(_groups_listed(page.text)) == 5


@pytest.mark.parametrize("text", ["9" * 5000, "\u00b2", "\u200b", "Elm\x00Park"])
def test_a_strange_search_or_area_never_gives_a_500(client: FlaskClient, listed: Setting, text: str) -> None:
    sign_in(client, listed.staff_email)
    for box in ("q", "area", "page"):
        response = client.get(f"/staff/rounds/{listed.round_id}/bids", query_string={box: text})
        assert response.status_code == 200


@pytest.fixture
def many(app: Flask, setting: Setting) -> Setting:
    """30 more submitted bids in Elm Park and 3 eligible ones elsewhere, numbered 2 to 34."""
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        for n in range(2, 32):
            make_sent_bid(s, round_, number=n, group_name=f"Elm group {n:02d}", area="Elm Park")
        for n in range(32, 35):
            make_sent_bid(s, round_, number=n, group_name=f"River group {n}", status=BidStatus.ELIGIBLE)
    return setting


def test_list_is_paginated_and_page_links_keep_the_filters(client: FlaskClient, many: Setting) -> None:
    sign_in(client, many.staff_email)
    base = f"/staff/rounds/{many.round_id}/bids"
    first = client.get(f"{base}?area=elm+park").text
    assert first.count('href="/staff/bids/') == PER_PAGE
    assert "Showing 1 to 25 of 30 bids" in first
    assert 'aria-label="Page 2"' in first
    next_link = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next"', first)
    assert next_link is not None
    href = next_link.group(1).replace("&amp;", "&")
    assert "area=elm+park" in href and "page=2" in href
    second = client.get(href).text
    assert second.count('href="/staff/bids/') == 5
    assert "Showing 26 to 30 of 30 bids" in second
    assert "Elm group 31" in second and "River group" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A page past the end shows the last page rather than nothing.
    assert "Showing 26 to 30 of 30 bids" in client.get(f"{base}?area=elm+park&page=9").text
    # Unfiltered: 31 + 3 bids, still two pages.
    assert "Showing 1 to 25 of 34 bids" in client.get(base).text


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_list_loads_in_the_same_number_of_queries_however_many_bids(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    sign_in(client, setting.staff_email)
    url = f"/staff/rounds/{setting.round_id}/bids"
    with _statements(app) as few:
        assert client.get(url).status_code == 200
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        for n in range(2, 26):
            make_sent_bid(s, round_, number=10_000 + n, group_name=f"Group {n}", entered_by_staff_id=setting.staff_id)
    with _statements(app) as lots:
        page = client.get(url).text
    assert page.count('href="/staff/bids/') == 25
    assert len(lots) == len(few), "\n".join(lots)


# --- one bid --------------------------------------------------------------------------------------------------


@pytest.fixture
def full_bid(app: Flask, setting: Setting) -> Setting:
    with app_session(app) as s:
        bid = s.get(Bid, setting.bid_id)
        round_ = bid.round
        round_.questions[0].prompt = "What do you want to do?"
        round_.questions.append(Question(position=2, prompt="Who will benefit?", word_limit=100))
        s.flush()
        group = s.get(Group, bid.group_id)
        group.kind = GroupKind.CIO
        group.registration_number = "1187654"
        group.area = "Elm Park, RV3"
        group.contact_name = "Maria Okafor"
        group.contact_email = "maria@example.com"
        group.contact_phone = "07700 900123"
        bid.title = "Saturday growing club"
        bid.recording_url = "https://video.example.com/watch?v=abc"
        bid.declaration_name = "Maria Okafor"
        bid.entered_by_staff_id = setting.staff_id
        add_answers(s, bid, ["Start a growing club.\n\nWith raised beds.", ""])
        add_budget(s, bid, [("Raised beds", 300_00), ("Seeds and tools", 150_50)])
        add_attachment(s, bid, filename="plan.pdf")
    return setting


def test_bid_page_loads_in_the_same_number_of_queries_however_long_the_bid(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    with app_session(app) as s:
        record_event(s, "bid.submitted", by=setting.staff_id, about=setting.bid_id)
    sign_in(client, setting.staff_email)
    url = f"/staff/bids/{setting.bid_id}"
    with _statements(app) as short:
        assert client.get(url).status_code == 200
    with app_session(app) as s:
        bid = s.get(Bid, setting.bid_id)
        add_budget(s, bid, [(f"Item {n}", 10_00) for n in range(12)])
        add_answers(s, bid, ["An answer"])
        add_attachment(s, bid)
        for action in ("bid.created", "bid.submitted"):
            record_event(s, action, by=setting.staff_id, about=bid)
    with _statements(app) as long:
        page = client.get(url).text
    assert "Item 11" in page and "Download plan.pdf" in page
    assert len(long) == len(short), "\n".join(long)


def test_bid_page_shows_everything_the_group_sent(client: FlaskClient, full_bid: Setting) -> None:
    sign_in(client, full_bid.staff_email)
    page = client.get(f"/staff/bids/{full_bid.bid_id}").text
    for text in (
        "Saturday growing club",
        f"{full_bid.round_code}-",
        "Friends of Elm Park",
        "Charitable incorporated organisation (CIO)",
        "Elm Park, RV3",
        "1187654",
        "maria@example.com",
        "07700 900123",
        "What do you want to do?",
        '<p class="govuk-body">Start a growing club.</p>',
        "With raised beds.",
        "Who will benefit?",
        "No answer",
        "£500",
        "Raised beds",
        "£150.50",
        "£450.50",  # the breakdown's total
        "which is not the £500 the group is asking for",
        "Maria Okafor confirmed",
        "Entered by staff on behalf of the group",
        "Download plan.pdf",
        f"{len(PDF_BYTES)} bytes",
        "PDF document",
        "Save decision and tell the group",
    ):
        assert text in page, text
    assert (
        '<a class="govuk-link" href="https://video.example.com/watch?v=abc" rel="noopener noreferrer">'
        "Watch or listen to the recording (opens an outside site)</a>"
    ) in page
    assert f'href="/staff/bids/{full_bid.bid_id}/attachment"' in page


def test_a_recording_link_that_is_not_a_web_address_is_not_made_a_link(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    with app_session(app) as s:
        s.get(Bid, setting.bid_id).recording_url = "javascript:alert(1)"
    sign_in(client, setting.staff_email)
    page = client.get(f"/staff/bids/{setting.bid_id}").text
    assert 'href="javascript:' not in page
    assert "it is not a web address: javascript:alert(1)" in page


def test_bid_page_shows_the_status_history_in_plain_words(app: Flask, client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        bid = s.get(Bid, setting.bid_id)
        s.get(Round, setting.round_id).status = RoundStatus.CLOSED
        record_event(s, "bid.created", about=bid, facts={})
        record_event(s, "bid.submitted", about=bid, facts={})
        other = make_sent_bid(s, bid.round, number=77, group_name="Another Group")
        record_event(s, "bid.submitted", about=other, facts={})  # another bid
    sign_in(client, setting.staff_email)
    _post(client, setting, decision="ineligible", reason=REASON)
    _post(client, setting, decision="eligible", reason="")
    page = client.get(f"/staff/bids/{setting.bid_id}").text
    history = page[page.index(">History<") :]
    steps = ["Started as a draft", "Sent to the funder", "Screened: marked not eligible"]
    steps += ["Screening changed: marked eligible (was not eligible)"]
    positions = [history.index(step) for step in steps]
    assert positions == sorted(positions)
    assert history.count("Sent to the funder") == 1
    assert "Priya Shah (staff)" in history


def test_withdrawn_bid_page_says_so_and_offers_no_screening(app: Flask, client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        bid = s.get(Bid, setting.bid_id)
        bid.status = BidStatus.WITHDRAWN
        bid.withdrawal_reason = "We found another way to pay for it."
    sign_in(client, setting.staff_email)
    page = client.get(f"/staff/bids/{setting.bid_id}").text
    assert "The group withdrew this bid" in page and "We found another way to pay for it." in page
    assert "Save decision and tell the group" not in page


def test_bid_page_while_the_round_is_open_explains_when_screening_starts(app: Flask, client: FlaskClient) -> None:
    setting = make_setting(app, round_status=RoundStatus.OPEN)
    sign_in(client, setting.staff_email)
    page = client.get(f"/staff/bids/{setting.bid_id}").text
    assert "You can screen bids once the round has closed" in page
    assert "Save decision and tell the group" not in page


# --- the attachment -------------------------------------------------------------------------------------------


def test_attachment_is_served_to_staff_as_a_private_download(app: Flask, client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        add_attachment(s, s.get(Bid, setting.bid_id), filename="our plan (final).pdf")
    sign_in(client, setting.staff_email)
    response = client.get(f"/staff/bids/{setting.bid_id}/attachment")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "our plan (final).pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"


# --- the decision ---------------------------------------------------------------------------------------------


def test_marking_eligible_needs_no_reason(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.staff_email)
    response = _post(client, setting, decision="eligible", reason="")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/bids/{setting.bid_id}"
    bid = _bid(app, setting.bid_id)
    assert bid.status == BidStatus.ELIGIBLE and bid.screened_by_id == setting.staff_id
    page = client.get(response.headers["Location"]).text
    assert "is marked eligible. We have emailed the group." in page
    assert _count(app, OutboxEmail, OutboxEmail.to_address == setting.member_email) == 1


def test_marking_ineligible_without_a_reason_shows_the_message_by_the_field(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    sign_in(client, setting.staff_email)
    response = _post(client, setting, decision="ineligible", reason="   ")
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert '<a href="#reason">Tell the group why their bid is not eligible</a>' in response.text
    error = re.search(r'<p id="reason-error" class="govuk-error-message">(.*?)</p>', response.text, re.S)
    assert error is not None and "Tell the group why their bid is not eligible" in error.group(1)
    assert 'value="ineligible" checked' in response.text
    bid = _bid(app, setting.bid_id)
    assert bid.status == BidStatus.SUBMITTED and bid.screened_at is None
    assert _count(app, OutboxEmail) == 0
    assert _count(app, AuditEvent, AuditEvent.action == "bid.screened") == 0


def test_no_decision_chosen_is_explained(client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.staff_email)
    response = _post(client, setting, reason="Looks fine")
    assert response.text.count("Choose whether the bid is eligible or not") == 2  # summary and by the field
    assert "Looks fine" in response.text


def test_marking_ineligible_emails_the_group_the_reason(app: Flask, client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        bid = s.get(Bid, setting.bid_id)
        second = make_user(s, email="second.member@example.com")
        s.add(GroupMember(group_id=bid.group_id, user_id=second.id))
    sign_in(client, setting.staff_email)
    assert _post(client, setting, decision="ineligible", reason=REASON).status_code == 302
    bid = _bid(app, setting.bid_id)
    assert bid.status == BidStatus.INELIGIBLE and bid.screening_reason == REASON
    with app_session(app) as s:
        emails = list(s.scalars(sa.select(OutboxEmail)))
        assert sorted(e.to_address for e in emails) == sorted([setting.member_email, "second.member@example.com"])
        assert all(REASON in e.body_text and "not eligible" in e.subject for e in emails)
        [event] = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "bid.screened"))
        assert event.facts == {"round_id": setting.round_id, "outcome": "ineligible", "previous": "submitted"}
        assert "outside" not in str(event.facts)
    page = client.get(f"/staff/bids/{setting.bid_id}").text
    assert REASON in page and "Change the decision" in page


def test_a_changed_decision_is_logged(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.staff_email)
    _post(client, setting, decision="ineligible", reason=REASON)
    response = _post(client, setting, decision="eligible", reason="")
    assert response.status_code == 302
    assert "Screening changed:" in client.get(response.headers["Location"]).text
    with app_session(app) as s:
        events = list(s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "bid.screened")))
        assert [e.facts["previous"] for e in events] == ["submitted", "ineligible"]
    assert _bid(app, setting.bid_id).status == BidStatus.ELIGIBLE


def test_screening_is_refused_while_the_round_is_open(app: Flask, client: FlaskClient) -> None:
    setting = make_setting(app, round_status=RoundStatus.OPEN)
    sign_in(client, setting.staff_email)
    response = _post(client, setting, decision="eligible")
    assert response.status_code == 200
    error = re.search(r'<p id="decision-error" class="govuk-error-message">(.*?)</p>', response.text, re.S)
    assert error is not None and "You can screen bids once the round has closed" in error.group(1)
    assert _bid(app, setting.bid_id).status == BidStatus.SUBMITTED
    assert _count(app, OutboxEmail) == 0


def test_screening_a_withdrawn_bid_is_refused(app: Flask, client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        s.get(Bid, setting.bid_id).status = BidStatus.WITHDRAWN
    sign_in(client, setting.staff_email)
    response = _post(client, setting, decision="ineligible", reason=REASON)
    assert response.status_code == 200
    assert "This bid was withdrawn by the group, so it cannot be screened" in response.text
    assert _bid(app, setting.bid_id).status == BidStatus.WITHDRAWN
    assert _count(app, OutboxEmail) == 0


def test_a_reason_over_the_limit_is_refused(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.staff_email)
    response = _post(client, setting, decision="ineligible", reason="x" * 2001)
    assert "The reason must be 2,000 characters or fewer" in response.text
    assert _bid(app, setting.bid_id).status == BidStatus.SUBMITTED


def test_another_funders_round_is_not_listed_by_id_guessing(app: Flask, client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        other_round = make_round(s, make_funder(s), status=RoundStatus.CLOSED)
        make_sent_bid(s, other_round, number=1, group_name="Secret Other Group")
        other_round_id = other_round.id
    sign_in(client, setting.staff_email)
    assert client.get(f"/staff/rounds/{other_round_id}/bids").status_code == 404
    assert "Secret Other Group" not in client.get(f"/staff/rounds/{setting.round_id}/bids?q=secret").text


def test_staff_are_told_when_nobody_could_be_emailed(app: Flask, client: FlaskClient, setting: Setting) -> None:
    with app_session(app) as s:
        bid = s.get(Bid, setting.bid_id)
        for membership in s.scalars(sa.select(GroupMember).where(GroupMember.group_id == bid.group_id)):
            s.delete(membership)
    sign_in(client, setting.staff_email)
    response = _post(client, setting, decision="eligible")
    page = client.get(response.headers["Location"]).text
    assert "The group has no email address, so tell them another way." in page
    assert _count(app, OutboxEmail) == 0
