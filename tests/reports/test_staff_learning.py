"""The learning summary (themes with counts, the most significant stories with reasons and no panellist names,
quotes, shared stories), its print stylesheet and download, and the rule that only shared stories go public."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.extensions import db
from grants.models import Report, Theme, utcnow
from grants.reports.queries import shareable_stories
from tests.reports.staff_helpers import PANELLIST_NAME, Stories, make_stories
from tests.support.db import app_session, events
from tests.support.security import csp_nonce
from tests.support.signin import signed_in

STATIC = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def _arrange(app: Flask, client: FlaskClient) -> Stories:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    client.post(f"/staff/reports/{st.report_id}/themes", data={"new_theme": "Loneliness"})
    client.post(f"/staff/reports/{st.report2_id}/themes", data={"new_theme": "Young people"})
    with app_session(app) as s:
        lonely = s.scalars(sa.select(Theme.id).where(Theme.name == "Loneliness")).one()
    client.post(f"/staff/reports/{st.report2_id}/themes", data={"themes": [str(lonely)], "new_theme": "Young people"})
    client.post(f"/staff/reports/{st.report_id}/quotes", data={"quote": "knew their neighbours by name"})
    client.post(f"/staff/rounds/{st.round_id}/stories")
    client.post(
        f"/rounds/{st.round_id}/stories", data={"story": [str(st.report2_id)], f"reason_{st.report2_id}": "Staff view."}
    )
    client.post("/sign-out")
    signed_in(client, st.setting.panellist_email)
    client.post(
        f"/rounds/{st.round_id}/stories",
        data={"story": [str(st.report2_id)], f"reason_{st.report2_id}": "The young people lead it now."},
    )
    client.post("/sign-out")
    return st


def test_summary_shows_themes_significant_stories_quotes_and_shared(app: Flask, client: FlaskClient) -> None:
    st = _arrange(app, client)
    signed_in(client, st.setting.staff_email)
    page = client.get(f"/staff/rounds/{st.round_id}/learning")
    assert page.status_code == 200
    text = page.text
    assert "Loneliness" in text and "Young people" in text
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in text  # Loneliness: two stories
    # A staff member's pick is shown as staff's, never counted or quoted as the panel's.
    assert "Youth Football · chosen 1 time by the panel, 1 by staff" in text
    panel_part, staff_part = text.split("Why the panel chose it")[1].split(
        "Why staff chose it (not the panel's choice)"
    )
    assert "The young people lead it now." in panel_part and "Staff view." not in panel_part
    assert "Staff view." in staff_part
    assert "knew their neighbours by name" in text
    assert "Stories the groups agreed to share" in text
    shared = text.split("Stories the groups agreed to share")[1]
    assert "Friends of Elm Park" in shared and "Youth Football" not in shared
    assert "Other Round Group" not in text and "Something in another round" not in text
    # Never who chose.
    assert PANELLIST_NAME not in text and "Priya Shah" not in text.split("<main")[1]


def test_summary_links_the_stylesheet_whose_print_rules_keep_stories_whole(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    page = client.get(f"/staff/rounds/{st.round_id}/learning").text
    assert 'href="/static/css/app.css"' in page
    assert "app-print-hidden" in page and "app-learning" in page
    css = STATIC.read_text()
    print_rules = css[css.rindex("@media print") :]
    assert ".app-learning-story" in print_rules and "break-inside: avoid" in print_rules


def test_export_is_a_self_contained_download(app: Flask, client: FlaskClient) -> None:
    st = _arrange(app, client)
    signed_in(client, st.setting.staff_email)
    response = client.get(f"/staff/rounds/{st.round_id}/learning.html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="learning-summary-' in disposition
    html = response.text
    assert "<link" not in html and "<script" not in html
    # Its styles travel inside it, allowed by the response's Content-Security-Policy through its nonce.
    nonce = csp_nonce(response)
    assert nonce and f'<style nonce="{nonce}">' in html
    assert "The young people lead it now." in html and "knew their neighbours by name" in html
    assert PANELLIST_NAME not in html


def test_auditor_reads_the_summary(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.auditor_email)
    assert client.get(f"/staff/rounds/{st.round_id}/learning").status_code == 200
    assert client.get(f"/staff/rounds/{st.round_id}/learning.html").status_code == 200


def test_a_shared_story_is_public_only_once_staff_approve_it(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    with app.app_context():
        assert shareable_stories(db.session, st.round_id) == []  # shared by the group, not yet approved
    signed_in(client, st.setting.staff_email)
    page = client.get(f"/staff/reports/{st.report_id}").text
    assert "it goes public once you approve it" in page
    assert client.post(f"/staff/reports/{st.report_id}/share").status_code == 302
    assert "Public: approved by staff on" in client.get(f"/staff/reports/{st.report_id}").text
    again = client.post(f"/staff/reports/{st.report_id}/share")
    assert again.status_code == 200 and "already approved" in again.text
    (event,) = events(app, "story.share_approved")
    assert event.object_id == st.report_id and event.actor_id == st.setting.staff_id
    with app.app_context():
        assert [s.report_id for s in shareable_stories(db.session, st.round_id)] == [st.report_id]
    # A story the group did not offer cannot be approved.
    assert "did not agree to share" in client.post(f"/staff/reports/{st.report2_id}/share").text


def test_only_stories_groups_chose_to_share_are_shareable(app: Flask) -> None:
    st = make_stories(app)
    with app.app_context():
        for report in db.session.scalars(sa.select(Report)):
            report.share_approved_at = utcnow()  # staff approve everything: still only what the group shared
        found = shareable_stories(db.session, st.round_id)
        assert [s.report_id for s in found] == [st.report_id]
        assert found[0].group_name == "Friends of Elm Park"
        assert "knew their neighbours by name" in found[0].answers[1]["text"]
        # A draft, even one marked to share, never goes public; nor does another round's story.
        draft = db.session.get(Report, st.draft_id)
        assert draft is not None
        draft.share_publicly = True
        # A group that asked for its name to be left out is shown without it.
        report = db.session.get(Report, st.report_id)
        assert report is not None
        report.award.withhold_name = True
        db.session.commit()
        found = shareable_stories(db.session, st.round_id)
        assert [s.report_id for s in found] == [st.report_id]
        assert found[0].group_name is None
        assert shareable_stories(db.session, st.other_round_id) == []
