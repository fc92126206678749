"""A group's journey from a round to a sent bid, and what happens when things go wrong on the way."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import (
    AuditEvent,
    Bid,
    BidStatus,
    Group,
    GroupMember,
    OutboxEmail,
    Question,
    Round,
    utcnow,
)
from tests.support.db import app_session
from tests.support.factories import GROUP_FORM, PASSWORD, make_funder, make_round, make_staff, make_user
from tests.support.images import image_bytes, png_declaring
from tests.support.signin import sign_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def round_id(app: Flask) -> int:
    with app_session(app) as s:
        funder = make_funder(s, name="Riverside Fund")
        round_ = make_round(s, funder, code="RSS27", min_grant_pence=250_00, max_grant_pence=2_000_00)
        round_.questions.append(Question(position=2, prompt="Who will benefit?", word_limit=5, required=True))
        round_.questions.append(Question(position=3, prompt="Anything else?", word_limit=50, required=False))
        s.flush()
        return round_.id


@pytest.fixture
def applicant(app: Flask, client: FlaskClient) -> FlaskClient:
    with app_session(app) as s:
        make_user(s, email="maria@example.com", name="Maria Okafor")
    sign_in(client, "maria@example.com")
    return client


def _start_bid(client: FlaskClient, round_id: int) -> int:
    response = client.get(f"/rounds/{round_id}/apply")
    assert response.headers["Location"] == f"/groups/new?round_id={round_id}"
    response = client.post(f"/groups/new?round_id={round_id}", data=GROUP_FORM)
    assert response.headers["Location"] == f"/rounds/{round_id}/apply"
    response = client.post(f"/rounds/{round_id}/apply")
    match = re.fullmatch(r"/bids/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _complete(client: FlaskClient, bid_id: int) -> None:
    client.post(f"/bids/{bid_id}/title", data={"title": "Saturday growing club"})
    client.post(f"/bids/{bid_id}/questions/1", data={"answer": "Start a growing club in the park."})
    client.post(f"/bids/{bid_id}/questions/2", data={"answer": "Thirty local families"})
    response = client.post(
        f"/bids/{bid_id}/amount",
        data={
            "amount": "£1,450",
            "lines-0-item": "Raised beds",
            "lines-0-cost": "1000",
            "lines-1-item": "Tools",
            "lines-1-cost": "450.00",
        },
    )
    assert response.status_code == 302, response.text


def _bid(app: Flask, bid_id: int) -> Bid:
    with app_session(app) as s:
        bid = s.get(Bid, bid_id)
        assert bid is not None
        _ = (bid.answers, bid.budget_lines, bid.round, bid.group, bid.attachment)
        return bid


def test_a_new_group_applies_in_a_few_short_steps(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    bid_id = _start_bid(applicant, round_id)
    page = applicant.get(f"/bids/{bid_id}")
    assert "RSS27-0001" in page.text and "Give your idea a short name" in page.text
    _complete(applicant, bid_id)
    task_list = applicant.get(f"/bids/{bid_id}").text
    assert "Ready to send" in task_list
    check = applicant.get(f"/bids/{bid_id}/check")
    assert "Thirty local families" in check.text and "£1,450" in check.text
    response = applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria Okafor", "confirm": "y"})
    assert response.headers["Location"] == f"/bids/{bid_id}/sent"
    confirmation = applicant.get(f"/bids/{bid_id}/sent").text
    assert "Bid sent" in confirmation and "RSS27-0001" in confirmation

    bid = _bid(app, bid_id)
    assert bid.status == BidStatus.SUBMITTED and bid.submitted_at is not None
    assert bid.amount_pence == 1_450_00 and [line.cost_pence for line in bid.budget_lines] == [1_000_00, 450_00]
    with app_session(app) as s:
        email = s.scalars(sa.select(OutboxEmail)).one()
        assert email.to_address == "maria@example.com" and "RSS27-0001" in email.subject
        actions = [e.action for e in s.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "bid"))]
    assert actions == ["bid.created", "bid.submitted"]
    view = applicant.get(f"/bids/{bid_id}").text
    assert "What you sent" in view and "Start a growing club in the park." in view and "Sent" in view


def test_an_answer_over_the_word_limit_is_kept_but_blocks_sending(
    app: Flask, applicant: FlaskClient, round_id: int
) -> None:
    bid_id = _start_bid(applicant, round_id)
    too_long = "one two three four five six seven"
    response = applicant.post(f"/bids/{bid_id}/questions/2", data={"answer": too_long})
    assert response.status_code == 200
    assert "Your answer is 7 words. Cut it to 5 words or fewer" in response.text
    assert too_long in response.text
    bid = _bid(app, bid_id)
    assert too_long in [a.text for a in bid.answers]
    assert "Too long" in applicant.get(f"/bids/{bid_id}").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "lots", "lines-0-item": "Tools", "lines-0-cost": "100"}, "as an amount in pounds"),
        ({"amount": "100", "lines-0-item": "Tools", "lines-0-cost": "100"}, "Enter an amount between £250 and £2,000"),
        ({"amount": "500", "lines-0-item": "Tools", "lines-0-cost": "400"}, "Your items add up to £400.00"),
        ({"amount": "500", "lines-0-item": "", "lines-0-cost": "500"}, "Say what this money is for"),
        ({"amount": "", "lines-0-item": "Tools", "lines-0-cost": "500"}, "Enter how much you are asking for"),
    ],
)
def test_bad_amounts_are_explained_and_nothing_is_saved(
    app: Flask, applicant: FlaskClient, round_id: int, data: dict[str, str], message: str
) -> None:
    bid_id = _start_bid(applicant, round_id)
    applicant.post(f"/bids/{bid_id}/amount", data={"amount": "300", "lines-0-item": "Seeds", "lines-0-cost": "300"})
    response = applicant.post(f"/bids/{bid_id}/amount", data=data)
    assert response.status_code == 200
    assert message in response.text
    for value in data.values():
        if value:
            assert f'value="{value}"' in response.text
    bid = _bid(app, bid_id)
    assert bid.amount_pence == 300_00 and [(li.item, li.cost_pence) for li in bid.budget_lines] == [("Seeds", 300_00)]


def test_save_and_come_back_later_keeps_the_answer(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    bid_id = _start_bid(applicant, round_id)
    response = applicant.post(f"/bids/{bid_id}/questions/1", data={"answer": "Half an idea", "later": "y"})
    assert response.headers["Location"] == "/applicant"
    assert "Half an idea" in applicant.get(f"/bids/{bid_id}/questions/1").text


def test_a_pdf_attachment_is_kept_and_served_only_to_the_group(
    app: Flask, applicant: FlaskClient, client: FlaskClient, round_id: int
) -> None:
    import io

    bid_id = _start_bid(applicant, round_id)
    response = applicant.post(
        f"/bids/{bid_id}/attachment",
        data={"file": (io.BytesIO(PDF), "leaflet.exe")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    download = applicant.get(f"/bids/{bid_id}/attachment/file")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    stranger = app.test_client()
    with app_session(app) as s:
        make_user(s, email="other@example.com")
    sign_in(stranger, "other@example.com")
    assert stranger.get(f"/bids/{bid_id}/attachment/file").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 this is a program", "photo.jpg", "must be a PDF, a photo or picture"),
        (b"just some text", "notes.pdf", "must be a PDF, a photo or picture"),
        (b"%PDF-1.4" + b"0" * (10 * 1024 * 1024), "big.pdf", "must be smaller than 10 MB"),
    ],
)
def test_a_wrong_or_oversized_file_is_refused_and_nothing_else_is_lost(
    app: Flask, applicant: FlaskClient, round_id: int, content: bytes, name: str, message: str
) -> None:
    import io

    bid_id = _start_bid(applicant, round_id)
    applicant.post(f"/bids/{bid_id}/title", data={"title": "Kept title"})
    response = applicant.post(
        f"/bids/{bid_id}/attachment", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert message in response.text
    bid = _bid(app, bid_id)
    assert bid.attachment is None and bid.title == "Kept title"


def test_a_gif_named_html_is_kept_and_served_as_a_gif(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    import io

    bid_id = _start_bid(applicant, round_id)
    response = applicant.post(
        f"/bids/{bid_id}/attachment",
        data={"file": (io.BytesIO(image_bytes("GIF")), "page.html")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "page.gif has been uploaded" in response.text
    assert _bid(app, bid_id).attachment.filename == "page.gif"  # type: ignore[union-attr]
    download = applicant.get(f"/bids/{bid_id}/attachment/file")
    assert download.mimetype == "image/gif"
    assert download.headers["Content-Disposition"] == "attachment; filename=page.gif"


def test_an_image_declaring_50000_by_50000_pixels_is_refused_by_the_field(
    app: Flask, applicant: FlaskClient, round_id: int
) -> None:
    import io

    bid_id = _start_bid(applicant, round_id)
    response = applicant.post(
        f"/bids/{bid_id}/attachment",
        data={"file": (io.BytesIO(png_declaring(50_000, 50_000)), "poster.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "The picture is too large: it must be 40 megapixels or fewer" in response.text
    assert _bid(app, bid_id).attachment is None


def test_a_body_over_the_upload_limit_gets_our_413_page(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    import io

    bid_id = _start_bid(applicant, round_id)
    response = applicant.post(
        f"/bids/{bid_id}/attachment",
        data={"file": (io.BytesIO(b"%PDF" + b"0" * (12 * 1024 * 1024)), "huge.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "too large" in response.text.lower() or "too big" in response.text.lower()


def test_a_recording_link_stands_in_for_written_answers(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    bid_id = _start_bid(applicant, round_id)
    bad = applicant.post(f"/bids/{bid_id}/recording", data={"url": "youtube video"})
    assert "Enter a full web address starting with https://" in bad.text
    assert 'value="youtube video"' in bad.text
    applicant.post(f"/bids/{bid_id}/recording", data={"url": "https://youtu.be/abc123"})
    applicant.post(f"/bids/{bid_id}/title", data={"title": "Told on video"})
    applicant.post(f"/bids/{bid_id}/amount", data={"amount": "300", "lines-0-item": "Seeds", "lines-0-cost": "300"})
    response = applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria Okafor", "confirm": "y"})
    assert response.headers["Location"] == f"/bids/{bid_id}/sent"


def test_sending_with_unfinished_parts_lists_them_and_changes_nothing(
    app: Flask, applicant: FlaskClient, round_id: int
) -> None:
    bid_id = _start_bid(applicant, round_id)
    response = applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria", "confirm": "y"})
    assert response.status_code == 200
    assert "Give your idea a short name" in response.text and "Say how much you are asking for" in response.text
    assert _bid(app, bid_id).status == BidStatus.DRAFT


def test_the_declaration_must_be_signed(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    bid_id = _start_bid(applicant, round_id)
    _complete(applicant, bid_id)
    response = applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "", "confirm": "y"})
    assert "Type your full name to confirm the declaration" in response.text
    response = applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria Okafor"})
    assert "Tick the box to confirm the declaration" in response.text
    assert _bid(app, bid_id).status == BidStatus.DRAFT


def test_a_second_click_on_send_sends_once(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    bid_id = _start_bid(applicant, round_id)
    _complete(applicant, bid_id)
    for _ in range(2):
        response = applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria Okafor", "confirm": "y"})
        assert response.headers["Location"] == f"/bids/{bid_id}/sent"
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 1
        submitted = s.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "bid.submitted")
        )
        assert submitted == 1


def test_a_deadline_that_passed_while_typing_keeps_the_draft_and_refuses_sending(
    app: Flask, applicant: FlaskClient, round_id: int
) -> None:
    bid_id = _start_bid(applicant, round_id)
    _complete(applicant, bid_id)
    with app_session(app) as s:
        s.execute(sa.update(Round).values(closes_at=utcnow() - timedelta(minutes=1)))
    saved = applicant.post(f"/bids/{bid_id}/questions/1", data={"answer": "Typed after the deadline"})
    assert saved.status_code == 302
    response = applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria Okafor", "confirm": "y"})
    assert response.status_code == 200
    assert "The deadline for this round has passed" in response.text
    bid = _bid(app, bid_id)
    assert bid.status == BidStatus.DRAFT
    assert "Typed after the deadline" in [a.text for a in bid.answers]


def test_return_to_draft_then_withdraw_while_open(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    bid_id = _start_bid(applicant, round_id)
    _complete(applicant, bid_id)
    applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria Okafor", "confirm": "y"})
    applicant.post(f"/bids/{bid_id}/return-to-draft")
    assert _bid(app, bid_id).status == BidStatus.DRAFT
    applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria Okafor", "confirm": "y"})
    response = applicant.post(f"/bids/{bid_id}/withdraw", data={"reason": "We found other funding"})
    assert response.status_code == 302
    bid = _bid(app, bid_id)
    assert bid.status == BidStatus.WITHDRAWN and bid.withdrawal_reason == "We found other funding"
    refused = applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria Okafor", "confirm": "y"})
    assert "This bid was withdrawn" in refused.text
    assert _bid(app, bid_id).status == BidStatus.WITHDRAWN


def test_a_sent_bid_cannot_be_edited_without_returning_it_to_draft(
    app: Flask, applicant: FlaskClient, round_id: int
) -> None:
    bid_id = _start_bid(applicant, round_id)
    _complete(applicant, bid_id)
    applicant.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria Okafor", "confirm": "y"})
    response = applicant.post(f"/bids/{bid_id}/title", data={"title": "Changed after sending"})
    assert response.headers["Location"] == f"/bids/{bid_id}"
    assert _bid(app, bid_id).title == "Saturday growing club"


@pytest.mark.parametrize(
    ("kind", "number", "message"),
    [
        ("charity", "12AB", "Enter a charity number in the right format"),
        ("company", "123", "Enter a company number in the right format"),
        ("informal", "1123456", "Informal groups do not have a registration number"),
    ],
)
def test_registration_numbers_are_checked_for_shape(
    app: Flask, applicant: FlaskClient, kind: str, number: str, message: str
) -> None:
    response = applicant.post("/groups/new", data={**GROUP_FORM, "kind": kind, "registration_number": number})
    assert response.status_code == 200
    assert message in response.text
    assert 'value="Friends of Elm Park"' in response.text
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Group)) == 0


def test_a_charity_number_in_the_right_shape_is_kept(app: Flask, applicant: FlaskClient) -> None:
    applicant.post("/groups/new", data={**GROUP_FORM, "kind": "charity", "registration_number": "1123 456"})
    with app_session(app) as s:
        assert s.scalars(sa.select(Group)).one().registration_number == "1123456"


def test_another_groups_bid_is_not_found(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    bid_id = _start_bid(applicant, round_id)
    with app_session(app) as s:
        make_user(s, email="other@example.com")
        staff_funder = make_funder(s)
        make_staff(s, staff_funder, email="staff@example.com")
    for email in ("other@example.com", "staff@example.com"):
        other = app.test_client()
        sign_in(other, email)
        for path in (f"/bids/{bid_id}", f"/bids/{bid_id}/title", f"/bids/{bid_id}/check", f"/bids/{bid_id}/amount"):
            assert other.get(path).status_code == 404, (email, path)
        assert other.post(f"/bids/{bid_id}/title", data={"title": "x"}).status_code == 404
    assert _bid(app, bid_id).title == ""


def test_signed_out_visitor_is_sent_to_sign_in_and_back(app: Flask, client: FlaskClient, round_id: int) -> None:
    response = client.get(f"/rounds/{round_id}/apply")
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_invited_members_share_the_groups_bids(app: Flask, applicant: FlaskClient, round_id: int) -> None:
    bid_id = _start_bid(applicant, round_id)
    with app_session(app) as s:
        group_id = s.scalars(sa.select(Group.id)).one()
    applicant.post(f"/groups/{group_id}/members", data={"email": "dan@example.com"})
    with app_session(app) as s:
        body = s.scalars(sa.select(OutboxEmail.body_text).where(OutboxEmail.to_address == "dan@example.com")).one()
    link = re.search(r"http://localhost(/invitations/\S+)", body)
    assert link
    dan = app.test_client()
    dan.post(link.group(1), data={"name": "Dan", "password": PASSWORD, "confirm": PASSWORD})
    assert dan.get(f"/bids/{bid_id}").status_code == 200
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(GroupMember)) == 2


def test_staff_enter_a_bid_on_behalf_of_a_group(app: Flask, client: FlaskClient, round_id: int) -> None:
    with app_session(app) as s:
        funder_id = s.get(Round, round_id).funder_id  # type: ignore[union-attr]
        from grants.models import Funder

        make_staff(s, s.get(Funder, funder_id), email="staff@example.com")  # type: ignore[arg-type]
    sign_in(client, "staff@example.com")
    response = client.post(
        f"/staff/rounds/{round_id}/bids/new", data={**GROUP_FORM, "contact_email": "phone.group@example.com"}
    )
    bid_id = int(re.fullmatch(r"/bids/(\d+)/title", response.headers["Location"]).group(1))  # type: ignore[union-attr]
    _complete(client, bid_id)
    page = client.get(f"/bids/{bid_id}/check").text
    assert "Entered by staff on behalf of Friends of Elm Park" in page
    client.post(f"/bids/{bid_id}/check", data={"declaration_name": "Maria (by phone)", "confirm": "y"})
    bid = _bid(app, bid_id)
    assert bid.status == BidStatus.SUBMITTED and bid.entered_by_staff_id is not None
    with app_session(app) as s:
        events = list(s.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "bid")))
        assert all(e.actor_role == "staff" for e in events)
        assert all(e.facts.get("on_behalf") for e in events)
        email = s.scalars(sa.select(OutboxEmail)).one()
        assert email.to_address == "phone.group@example.com"


def test_sending_the_attachment_form_without_a_file_asks_for_one(applicant: FlaskClient, round_id: int) -> None:
    bid_id = _start_bid(applicant, round_id)
    response = applicant.post(f"/bids/{bid_id}/attachment", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Choose a file to upload" in response.text
