"""Every panel page against every kind of visitor: signed out → sign in; without the role → 403; someone else's
round (another panel, another funder) → 404; the right person → the page."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.panel.helpers import APPLICANT, OTHER_PANELLIST, OTHER_STAFF, PANELLIST, STAFF, Panel, make_panel
from tests.support.signin import signed_in as sign_in_as

# (method, path) with {r} the round, {b} a bid, {i} an invitation, {m} a panel member.
PANELLIST_ROUTES = [
    ("GET", "/panel/rounds/{r}"),
    ("POST", "/panel/rounds/{r}/code-of-conduct"),
    ("GET", "/panel/rounds/{r}/declarations"),
    ("POST", "/panel/rounds/{r}/declarations"),
    ("GET", "/panel/rounds/{r}/bids"),
    ("GET", "/panel/rounds/{r}/bids/{b}"),
    ("POST", "/panel/rounds/{r}/bids/{b}"),
    ("GET", "/panel/rounds/{r}/bids/{b}/attachment"),
    ("GET", "/panel/rounds/{r}/summary"),
    ("POST", "/panel/rounds/{r}/summary"),
]
STAFF_ROUTES = [
    ("GET", "/staff/rounds/{r}/panel"),
    ("POST", "/staff/rounds/{r}/panel"),
    ("POST", "/staff/rounds/{r}/panel/invitations/{i}/resend"),
    ("POST", "/staff/rounds/{r}/panel/invitations/{i}/revoke"),
    ("POST", "/staff/rounds/{r}/panel/members/{m}/chair"),
    ("GET", "/staff/rounds/{r}/summary"),
    ("POST", "/staff/rounds/{r}/summary"),
]
ALL_ROUTES = PANELLIST_ROUTES + STAFF_ROUTES


@pytest.fixture
def panel(app: Flask) -> Panel:
    return make_panel(app)


def _path(template: str, panel: Panel) -> str:
    return template.format(r=panel.round_id, b=panel.bid_ids[0], i=panel.invitation_id, m=panel.member_ids[PANELLIST])


def _request(client: FlaskClient, method: str, path: str) -> int:
    response = client.post(path, data={}) if method == "POST" else client.get(path)
    return response.status_code


@pytest.mark.parametrize(("method", "template"), ALL_ROUTES)
def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, panel: Panel, method: str, template: str) -> None:
    path = _path(template, panel)
    response = client.post(path) if method == "POST" else client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize(("method", "template"), ALL_ROUTES)
def test_an_applicant_gets_403(client: FlaskClient, panel: Panel, method: str, template: str) -> None:
    sign_in_as(client, APPLICANT)
    assert _request(client, method, _path(template, panel)) == 403


@pytest.mark.parametrize(("method", "template"), PANELLIST_ROUTES)
def test_a_panellist_of_another_round_gets_404(client: FlaskClient, panel: Panel, method: str, template: str) -> None:
    sign_in_as(client, OTHER_PANELLIST)
    assert _request(client, method, _path(template, panel)) == 404


@pytest.mark.parametrize(("method", "template"), PANELLIST_ROUTES)
def test_staff_are_not_panellists(client: FlaskClient, panel: Panel, method: str, template: str) -> None:
    sign_in_as(client, STAFF)
    assert _request(client, method, _path(template, panel)) == 403


@pytest.mark.parametrize(("method", "template"), STAFF_ROUTES)
def test_staff_of_another_funder_get_404(client: FlaskClient, panel: Panel, method: str, template: str) -> None:
    sign_in_as(client, OTHER_STAFF)
    assert _request(client, method, _path(template, panel)) == 404


@pytest.mark.parametrize(("method", "template"), STAFF_ROUTES)
def test_panellists_cannot_use_staff_pages(client: FlaskClient, panel: Panel, method: str, template: str) -> None:
    sign_in_as(client, PANELLIST)
    assert _request(client, method, _path(template, panel)) == 403


@pytest.mark.parametrize(
    "template",
    [
        "/panel/rounds/{r}",
        "/panel/rounds/{r}/declarations",
        "/panel/rounds/{r}/bids",
        "/panel/rounds/{r}/bids/{b}",
        "/panel/rounds/{r}/summary",
    ],
)
def test_the_panellist_reaches_their_pages(client: FlaskClient, panel: Panel, template: str) -> None:
    sign_in_as(client, PANELLIST)
    assert client.get(_path(template, panel)).status_code == 200


@pytest.mark.parametrize("template", ["/staff/rounds/{r}/panel", "/staff/rounds/{r}/summary"])
def test_staff_reach_their_pages(client: FlaskClient, panel: Panel, template: str) -> None:
    sign_in_as(client, STAFF)
    assert client.get(_path(template, panel)).status_code == 200


def test_staff_cannot_touch_another_rounds_invitation_or_member(app: Flask, client: FlaskClient, panel: Panel) -> None:
    sign_in_as(client, STAFF)
    r = panel.other_round_id
    assert client.post(f"/staff/rounds/{r}/panel/invitations/{panel.invitation_id}/revoke").status_code == 404
    assert client.post(f"/staff/rounds/{r}/panel/invitations/{panel.invitation_id}/resend").status_code == 404
    assert client.post(f"/staff/rounds/{r}/panel/members/{panel.member_ids[PANELLIST]}/chair").status_code == 404
