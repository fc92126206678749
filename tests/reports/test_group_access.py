"""Who may see a group's reports: its members (and staff of the funder where they record on its behalf)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.reports.group_helpers import make_reporting, photo, story
from tests.support.signin import signed_in


def _group_urls(report_date_id: int, award_id: int) -> list[str]:
    return [
        f"/awards/{award_id}/reports",
        f"/reports/{report_date_id}",
        f"/reports/{report_date_id}/photos",
        f"/reports/{report_date_id}/check",
    ]


def test_another_groups_report_is_not_found(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    signed_in(client, r.setting.member_email)
    for url in _group_urls(r.other_date_id, r.other_award_id):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/reports/{r.other_date_id}", data=story("Not ours")).status_code == 404
    assert client.get(f"/staff/reports/{r.other_date_id}/record").status_code == 403


@pytest.mark.parametrize("who", ["panellist_email", "other_applicant_email", "unfunded_member_email"])
def test_panellists_and_other_applicants_are_refused(app: Flask, client: FlaskClient, who: str) -> None:
    r = make_reporting(app)
    signed_in(client, getattr(r.setting, who))
    for url in _group_urls(r.soon_id, r.award_id):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/reports/{r.soon_id}/photos", data=photo(), content_type="multipart/form-data").status_code == 404
    )
    assert client.get(f"/staff/reports/{r.soon_id}/record").status_code == 403


def test_photos_are_served_only_to_the_group_and_the_funders_staff(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    signed_in(client, r.setting.member_email)
    client.post(f"/reports/{r.soon_id}/photos", data=photo(), content_type="multipart/form-data")
    from tests.reports.group_helpers import report

    saved = report(app, r.soon_id)
    assert saved is not None
    url = f"/reports/{r.soon_id}/photos/{saved.photos[0].id}"
    assert client.get(url).status_code == 200
    client.post("/sign-out")
    signed_in(client, r.setting.staff_email)
    assert client.get(url).status_code == 200
    for who in (r.setting.other_staff_email, r.setting.panellist_email, r.setting.other_applicant_email):
        client.post("/sign-out")
        signed_in(client, who)
        assert client.get(url).status_code == 404, who
    client.post("/sign-out")
    assert client.get(url).status_code == 302


def test_other_funders_staff_cannot_record(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    signed_in(client, r.setting.other_staff_email)
    assert client.get(f"/staff/reports/{r.soon_id}/record").status_code == 404
    assert client.post(f"/staff/reports/{r.soon_id}/record", data=story("No")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    for url in [*_group_urls(r.soon_id, r.award_id), f"/staff/reports/{r.soon_id}/record"]:
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.location, url


def test_group_member_cannot_use_the_staff_page(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    signed_in(client, r.setting.member_email)
    assert client.get(f"/staff/reports/{r.soon_id}/record").status_code == 403
