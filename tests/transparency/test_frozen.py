"""Published means frozen: once a group accepts its award, what the public page and the 360Giving data say about
the grant stays as it was, whatever the group changes later, until staff re-publish it on purpose, which gives the
record a new dateModified and is logged for auditors."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from grants.models import AuditEvent, Award, Bid, Funder, Group, Round
from tests.awards.helpers import accepted_award, make_setting
from tests.support.db import app_session
from tests.support.forms import once
from tests.support.signin import signed_in


def _grant_record(app: Flask, slug: str) -> dict[str, object]:
    package = json.loads(app.test_client().get(f"/funders/{slug}/360giving.json").get_data(as_text=True))
    (record,) = package["grants"]
    return record


def test_changes_to_the_group_reach_the_public_only_when_staff_republish(app: Flask) -> None:
    setting = make_setting(app)
    award_id = accepted_award(app, setting)
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        funder = s.get(Funder, round_.funder_id)
        assert funder is not None
        funder.grant_id_prefix = "360G-riverside"
        slug = funder.slug
        # The grant was made and published an hour ago, so a re-publication now has a later dateModified.
        award = s.get(Award, award_id)
        assert award is not None and award.published is not None and award.responded_at is not None
        hour = timedelta(hours=1)
        award.created_at, award.responded_at = award.created_at - hour, award.responded_at - hour
        award.published.published_at = award.published.modified_at = award.published.published_at - hour
    before = _grant_record(app, slug)
    assert before["recipientOrganization"][0]["name"] == "Friends of Elm Park"  # type: ignore[index]

    with app_session(app) as s:
        bid = s.get(Bid, setting.funded_id)
        assert bid is not None
        group = s.get(Group, bid.group_id)
        assert group is not None
        group.name, group.area, group.registration_number = "Elm Park Trust", "Far Away", "1234567"

    frozen = _grant_record(app, slug)
    assert frozen == before  # nothing changed in public, not even dateModified
    page = app.test_client().get(f"/funders/{slug}").get_data(as_text=True)
    assert "Friends of Elm Park" in page and "Elm Park Trust" not in page

    staff = signed_in(app.test_client(), setting.staff_email)
    award_page = staff.get(f"/staff/awards/{award_id}").text
    assert "Since then the group&#39;s name, registration number, area changed" in award_page
    assert staff.post(f"/staff/awards/{award_id}/republish", data=once()).status_code == 302

    after = _grant_record(app, slug)
    assert after["recipientOrganization"][0]["name"] == "Elm Park Trust"  # type: ignore[index]
    assert str(after["dateModified"]) > str(before["dateModified"])
    assert "Elm Park Trust" in app.test_client().get(f"/funders/{slug}").get_data(as_text=True)
    with app_session(app) as s:
        event = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "award.republished")).one()
        assert event.facts["changed"]["group_name"] == {"from": "Friends of Elm Park", "to": "Elm Park Trust"}
    nothing = staff.post(f"/staff/awards/{award_id}/republish", data=once())
    assert nothing.status_code == 200 and "nothing to re-publish" in nothing.text
