"""Every report route of the staff and panel side against every kind of visitor: signed out -> sign in; no role
-> 403; another's object -> 404; the right person -> 200 (or a redirect after a POST)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.reports.staff_helpers import Stories, make_stories
from tests.support.signin import signed_in

# (method, path template, who may); {r} report, {round} round.
STAFF_GETS = [
    "/staff/rounds/{round}/reports",
    "/staff/reports/{r}",
    "/staff/rounds/{round}/stories",
]
STAFF_POSTS = [
    "/staff/reports/{r}/messages",
    "/staff/reports/{r}/themes",
    "/staff/reports/{r}/quotes",
    "/staff/rounds/{round}/stories",
    "/staff/rounds/{round}/stories/close",
]
READ_GETS = ["/staff/rounds/{round}/learning", "/staff/rounds/{round}/learning.html"]  # staff and auditors
PANEL = "/rounds/{round}/stories"  # panellists of the round and staff
GROUP = "/reports/{r}/conversation"  # the group's members

ALL = [("GET", p) for p in STAFF_GETS + READ_GETS + [PANEL, GROUP]] + [
    ("POST", p) for p in [*STAFF_POSTS, PANEL, GROUP]
]


def _path(template: str, st: Stories) -> str:
    return template.format(r=st.report_id, round=st.round_id)


def _status(client: FlaskClient, method: str, path: str) -> int:
    return (client.post(path, data={}) if method == "POST" else client.get(path)).status_code


@pytest.fixture
def st(app: Flask) -> Stories:
    return make_stories(app)


@pytest.mark.parametrize(("method", "template"), ALL)
def test_signed_out_visitor_is_sent_to_sign_in(client: FlaskClient, st: Stories, method: str, template: str) -> None:
    path = _path(template, st)
    response = client.post(path) if method == "POST" else client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_applicant_without_other_roles_gets_403_or_404(client: FlaskClient, st: Stories) -> None:
    signed_in(client, st.setting.other_applicant_email)
    for method, template in ALL:
        expected = 404 if template == GROUP else 403  # not their group's thread
        assert _status(client, method, _path(template, st)) == expected, (method, template)


def test_group_member_reaches_only_their_thread(client: FlaskClient, st: Stories) -> None:
    signed_in(client, st.setting.member_email)
    for method, template in ALL:
        expected = 200 if template == GROUP else 403  # a POST with nothing typed shows the form again
        assert _status(client, method, _path(template, st)) == expected, (method, template)
    client.post("/sign-out")
    signed_in(client, st.group2_member_email)
    assert client.get(_path(GROUP, st)).status_code == 404


def test_panellist_of_the_round_reads_stories_only(client: FlaskClient, st: Stories) -> None:
    signed_in(client, st.setting.panellist_email)
    for method, template in ALL:
        expected = 200 if template == PANEL else 404 if template == GROUP else 403
        assert _status(client, method, _path(template, st)) == expected, (method, template)


def test_panellist_of_another_round_gets_404(client: FlaskClient, st: Stories) -> None:
    signed_in(client, st.other_panellist_email)
    assert client.get(_path(PANEL, st)).status_code == 404
    assert client.post(_path(PANEL, st), data={"story": [str(st.report_id)]}).status_code == 404
    assert client.get(f"/rounds/{st.other_round_id}/stories").status_code == 200


def test_staff_of_another_funder_get_404(client: FlaskClient, st: Stories) -> None:
    signed_in(client, st.setting.other_staff_email)
    for method, template in ALL:
        expected = 404  # the round and report are another funder's; the thread another group's
        assert _status(client, method, _path(template, st)) == expected, (method, template)


def test_auditor_reads_the_summary_but_nothing_else(client: FlaskClient, st: Stories) -> None:
    signed_in(client, st.auditor_email)
    for method, template in ALL:
        expected = 200 if template in READ_GETS else 404 if template == GROUP else 403
        assert _status(client, method, _path(template, st)) == expected, (method, template)


def test_staff_of_the_funder_reach_their_pages(client: FlaskClient, st: Stories) -> None:
    signed_in(client, st.setting.staff_email)
    for template in STAFF_GETS + READ_GETS + [PANEL]:
        assert client.get(_path(template, st)).status_code == 200, template
    assert client.get(_path(GROUP, st)).status_code == 404  # staff write on the staff page, not the group's
    assert client.get(f"/staff/reports/{st.other_report_id}").status_code == 200
    assert client.get("/staff/rounds/999999/reports").status_code == 404
    assert client.get("/staff/reports/999999").status_code == 404
