"""Themes from the funder's own list (adding new ones as staff go), filtering by theme, and quotes that must be
the group's own words."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import ReportQuote, ReportTheme, Theme
from tests.reports.staff_helpers import make_stories
from tests.support.db import app_session, events
from tests.support.factories import make_funder
from tests.support.signin import signed_in


def _themes(app: Flask, report_id: int) -> list[str]:
    with app_session(app) as s:
        return list(
            s.scalars(
                sa.select(Theme.name)
                .join(ReportTheme, ReportTheme.theme_id == Theme.id)
                .where(ReportTheme.report_id == report_id)
                .order_by(Theme.name)
            )
        )


def _theme_id(app: Flask, name: str) -> int:
    with app_session(app) as s:
        return s.scalars(sa.select(Theme.id).where(Theme.name == name)).one()


def test_staff_add_a_new_theme_and_tick_existing_ones(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    assert client.post(f"/staff/reports/{st.report_id}/themes", data={"new_theme": " Loneliness "}).status_code == 302
    assert _themes(app, st.report_id) == ["Loneliness"]
    loneliness = _theme_id(app, "Loneliness")
    # The new theme is now in the funder's list, to tick on another report, with another new one.
    page = client.get(f"/staff/reports/{st.report2_id}").text
    assert "Loneliness" in page
    data = {"themes": [str(loneliness)], "new_theme": "Young people"}
    assert client.post(f"/staff/reports/{st.report2_id}/themes", data=data).status_code == 302
    assert _themes(app, st.report2_id) == ["Loneliness", "Young people"]
    # Typing an existing name in another letter case reuses it; unticking removes a theme.
    data = {"themes": [], "new_theme": "young PEOPLE"}
    client.post(f"/staff/reports/{st.report2_id}/themes", data=data)
    assert _themes(app, st.report2_id) == ["Young people"]
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count(Theme.id))) == 2
    tagged = events(app, "report.tagged")
    assert [e.facts["report_id"] for e in tagged] == [st.report_id, st.report2_id, st.report2_id]
    assert tagged[0].facts["theme_ids"] == [loneliness]


def test_another_funders_theme_cannot_be_ticked(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    with app_session(app) as s:
        theme = Theme(funder_id=make_funder(s).id, name="Not ours")
        s.add(theme)
        s.flush()
        theirs = theme.id
    signed_in(client, st.setting.staff_email)
    response = client.post(f"/staff/reports/{st.report_id}/themes", data={"themes": [str(theirs)]})
    assert response.status_code == 200 and "Choose themes from your list" in response.text
    assert _themes(app, st.report_id) == []


def test_overlong_theme_name_is_refused(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    response = client.post(f"/staff/reports/{st.report_id}/themes", data={"new_theme": "x" * 81})
    assert response.status_code == 200 and "80 characters or fewer" in response.text
    assert _themes(app, st.report_id) == []


def test_list_shows_sent_reports_and_filters_by_theme(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    client.post(f"/staff/reports/{st.report_id}/themes", data={"new_theme": "Loneliness"})
    client.post(f"/staff/reports/{st.report2_id}/themes", data={"new_theme": "Sport"})
    page = client.get(f"/staff/rounds/{st.round_id}/reports").text
    assert "Friends of Elm Park" in page and "Youth Football" in page
    assert "A draft nobody has sent yet" not in page and "Other Round Group" not in page
    assert f"/staff/reports/{st.report_id}" in page
    page = client.get(f"/staff/rounds/{st.round_id}/reports?theme={_theme_id(app, 'Sport')}").text
    assert "Youth Football" in page and "Friends of Elm Park" not in page
    # An unknown theme shows everything rather than failing.
    page = client.get(f"/staff/rounds/{st.round_id}/reports?theme=nonsense").text
    assert "Youth Football" in page and "Friends of Elm Park" in page


def test_a_theme_filter_that_is_not_an_id_shows_everything_never_a_500(app: Flask, client: FlaskClient) -> None:
    """Issue 11: `theme=²` passed `isdigit` and broke `int` (a 500); so did 5,000 digits, and 20 digits broke the
    database. Each is no theme, so the whole list is shown."""
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    for odd in ["%C2%B2", "9" * 5000, "9" * 20]:
        response = client.get(f"/staff/rounds/{st.round_id}/reports?theme={odd}")
        assert response.status_code == 200
        assert "Youth Football" in response.text and "Friends of Elm Park" in response.text


def _quotes(app: Flask, report_id: int) -> list[str]:
    with app_session(app) as s:
        return list(s.scalars(sa.select(ReportQuote.text).where(ReportQuote.report_id == report_id)))


def test_quote_from_the_report_is_kept(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    # Copied from the page: the line break became a space, and that is still the group's words.
    quote = "came and, for the first time, knew their neighbours by name"
    assert client.post(f"/staff/reports/{st.report_id}/quotes", data={"quote": quote}).status_code == 302
    across = "in the church hall. Older people who lived alone"
    assert client.post(f"/staff/reports/{st.report_id}/quotes", data={"quote": across}).status_code == 302
    assert _quotes(app, st.report_id) == [quote, across]
    assert "knew their neighbours by name" in client.get(f"/staff/reports/{st.report_id}").text
    assert [e.facts["report_id"] for e in events(app, "report.quote_picked")] == [st.report_id, st.report_id]


def test_quote_not_in_the_report_is_refused(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    for text, message in [
        ("Our lunch club changed the whole town", "copy it exactly"),
        ("Twenty young people trained as coaches", "copy it exactly"),  # from another report
        ("", "Enter the words you want to quote"),
        ("x" * 1001, "1,000 characters or fewer"),
    ]:
        response = client.post(f"/staff/reports/{st.report_id}/quotes", data={"quote": text})
        assert response.status_code == 200 and message in response.text, text
    assert _quotes(app, st.report_id) == []


def test_quote_can_be_removed(app: Flask, client: FlaskClient) -> None:
    st = make_stories(app)
    signed_in(client, st.setting.staff_email)
    client.post(f"/staff/reports/{st.report_id}/quotes", data={"quote": "A weekly lunch club."})
    with app_session(app) as s:
        quote_id = s.scalars(sa.select(ReportQuote.id)).one()
    assert client.post(f"/staff/reports/{st.report2_id}/quotes/{quote_id}/remove").status_code == 404
    assert client.post(f"/staff/reports/{st.report_id}/quotes/{quote_id}/remove").status_code == 302
    assert _quotes(app, st.report_id) == []
