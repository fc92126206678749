"""The conversation about a report: staff reply on the report page, the group on its conversation page; each
message emails the other side; nobody else can read or write in the thread."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import OutboxEmail, Report, ReportMessage, ReportPhoto
from tests.reports.staff_helpers import Stories, make_stories
from tests.support.db import app_session, emails, events
from tests.support.signin import signed_in


def _messages(app: Flask, report_id: int) -> list[tuple[str, str]]:
    with app_session(app) as s:
        rows = s.scalars(
            sa.select(ReportMessage).where(ReportMessage.report_id == report_id).order_by(ReportMessage.id)
        )
        return [(m.side, m.text) for m in rows]


def test_staff_reply_is_shown_emailed_to_the_group_and_audited_without_text(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    response = client.post(f"/staff/reports/{st.report_id}/messages", data={"text": "Thank you! Could you say more?"})
    assert response.status_code == 302
    assert _messages(app, st.report_id) == [("staff", "Thank you! Could you say more?")]
    page = client.get(f"/staff/reports/{st.report_id}").text
    assert "Thank you! Could you say more?" in page
    sent = [e for e in emails(app) if "replied about your report" in e.subject]
    assert [e.to_address for e in sent] == [st.setting.member_email]
    assert f"http://localhost/reports/{st.report_id}/conversation" in sent[0].body_text
    assert "Could you say more" not in sent[0].body_text
    (event,) = events(app, "report.message")
    assert event.facts == {"report_id": st.report_id, "side": "staff"}
    assert event.actor_role == "staff"


def test_group_reads_and_replies_and_staff_are_emailed(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    client.post(f"/staff/reports/{st.report_id}/messages", data={"text": "What surprised you?"})
    client.post("/sign-out")
    signed_in(client, st.setting.member_email)
    page = client.get(f"/reports/{st.report_id}/conversation")
    assert page.status_code == 200
    assert "What surprised you?" in page.text and "Priya Shah" in page.text
    response = client.post(f"/reports/{st.report_id}/conversation", data={"text": "How many people came back."})
    assert response.status_code == 302
    assert _messages(app, st.report_id) == [("staff", "What surprised you?"), ("group", "How many people came back.")]
    to_staff = [e for e in emails(app) if "wrote about their report" in e.subject]
    assert [e.to_address for e in to_staff] == [st.setting.staff_email]
    assert f"http://localhost/staff/reports/{st.report_id}" in to_staff[0].body_text
    assert [e.facts["side"] for e in events(app, "report.message")] == ["staff", "group"]


def test_empty_or_overlong_message_is_refused(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.member_email)
    response = client.post(f"/reports/{st.report_id}/conversation", data={"text": "   "})
    assert response.status_code == 200 and "Enter your message" in response.text
    response = client.post(f"/reports/{st.report_id}/conversation", data={"text": "x" * 5001})
    assert response.status_code == 200 and "5,000 characters or fewer" in response.text
    assert _messages(app, st.report_id) == []
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.subject.contains("wrote"))) == 0


def _cannot_reach(client: FlaskClient, st: Stories, report_id: int) -> None:
    assert client.get(f"/reports/{report_id}/conversation").status_code == 404
    assert client.post(f"/reports/{report_id}/conversation", data={"text": "Hello"}).status_code == 404


def test_another_groups_thread_answers_404(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.member_email)
    _cannot_reach(client, st, st.report2_id)  # Youth Football's report
    _cannot_reach(client, st, st.draft_id)  # their own draft: no conversation before it is sent
    _cannot_reach(client, st, 999_999)
    assert _messages(app, st.report2_id) == []


def test_staff_of_another_funder_cannot_write_in_the_thread(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.other_staff_email)
    assert client.post(f"/staff/reports/{st.report_id}/messages", data={"text": "Hi"}).status_code == 404
    assert client.get(f"/staff/reports/{st.report_id}").status_code == 404
    assert _messages(app, st.report_id) == []


def test_staff_cannot_open_a_draft_report(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    assert client.get(f"/staff/reports/{st.draft_id}").status_code == 404
    assert client.post(f"/staff/reports/{st.draft_id}/messages", data={"text": "Hi"}).status_code == 404


def test_staff_page_shows_the_story(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    page = client.get(f"/staff/reports/{st.report_id}").text
    assert "Friends of Elm Park" in page
    assert "What changed, and for whom?" in page and "knew their neighbours by name" in page
    assert "https://video.example.org/our-story" in page
    assert "The group agreed to share this story" in page


def test_staff_page_shows_photos_through_the_group_sides_photo_page(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    with app_session(app) as s:
        report = s.get(Report, st.report_id)
        assert report is not None
        photo = ReportPhoto(
            report_id=report.id,
            filename="lunch.png",
            content_type="image/png",
            size_bytes=4,
            sha256="0" * 64,
            content=b"\x89PNG",
            caption="Lunch club on a Tuesday",
            people_agreed=True,
        )
        s.add(photo)
        s.flush()
        report_date_id, photo_id = report.report_date_id, photo.id
    signed_in(client, st.setting.staff_email)
    page = client.get(f"/staff/reports/{st.report_id}").text
    assert "Lunch club on a Tuesday" in page
    src = f"/reports/{report_date_id}/photos/{photo_id}"
    assert src in page
    assert client.get(src).status_code == 200
