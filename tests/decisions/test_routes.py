"""The tally page, its forms and the decision page, through HTTP, for every role."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import Departure, Ratification, Round, RoundStatus
from tests.decisions.helpers import Setting, make_setting
from tests.support.db import app_session
from tests.support.forms import once, token_on
from tests.support.signin import sign_in

REASON = "The group could not show a bank account in its name: failed due diligence."


@pytest.fixture
def setting(app: Flask) -> Setting:
    """A funder that lets one member of staff decide (the two-person pages are in test_confirmations.py)."""
    return make_setting(app, two_people=False)


def _gets(setting: Setting) -> list[str]:
    return [f"/staff/rounds/{setting.round_id}/tally", f"/rounds/{setting.round_id}/decision"]


def _staff_posts(app: Flask, setting: Setting) -> list[str]:
    base = f"/staff/rounds/{setting.round_id}/tally"
    return [f"{base}/ratify", f"{base}/departures", f"{base}/reopen", f"{base}/departures/1/withdraw"]


def _status(app: Flask, setting: Setting) -> RoundStatus:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        return round_.status


# --- who may see and do what ----------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient, setting: Setting) -> None:
    for path in _gets(setting):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next="), path
    for path in _staff_posts(app, setting):
        response = client.post(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next="), path


def test_an_applicant_gets_403_everywhere(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.applicant_email)
    for path in _gets(setting):
        assert client.get(path).status_code == 403, path
    for path in _staff_posts(app, setting):
        assert client.post(path, data={"reopen_reason": "x", "reason": "x"}).status_code == 403, path


def test_staff_of_another_funder_get_404(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.other_staff_email)
    for path in _gets(setting):
        assert client.get(path).status_code == 404, path
    for path in _staff_posts(app, setting):
        assert client.post(path, data={"reopen_reason": "x", "reason": "x", "note": ""}).status_code == 404, path
    assert _status(app, setting) == RoundStatus.VOTING


@pytest.mark.parametrize("who", ["panellist", "auditor"])
def test_panellists_and_auditors_cannot_use_the_staff_page(
    app: Flask, client: FlaskClient, setting: Setting, who: str
) -> None:
    sign_in(client, setting.panellist_emails[0] if who == "panellist" else setting.auditor_email)
    assert client.get(f"/staff/rounds/{setting.round_id}/tally").status_code == 403
    for path in _staff_posts(app, setting):
        assert client.post(path, data={"note": ""}).status_code == 403, path
    assert _status(app, setting) == RoundStatus.VOTING


def test_the_decision_page_is_for_the_rounds_panel_its_staff_and_auditors(
    client: FlaskClient, setting: Setting
) -> None:
    path = f"/rounds/{setting.round_id}/decision"
    for email, expected in (
        (setting.panellist_emails[0], 200),
        (setting.staff_email, 200),
        (setting.auditor_email, 200),
        (setting.other_panellist_email, 404),
        (setting.other_staff_email, 404),
        (setting.applicant_email, 403),
    ):
        client.post("/sign-out")
        sign_in(client, email)
        assert client.get(path).status_code == expected, email
    assert client.get("/rounds/999999/decision").status_code == 403  # still the applicant


# --- the tally page -------------------------------------------------------------------------------------------


def test_the_tally_page_shows_the_ranked_list_the_budget_bar_and_how_it_came_about(
    client: FlaskClient, setting: Setting
) -> None:
    sign_in(client, setting.staff_email)
    page = client.get(f"/staff/rounds/{setting.round_id}/tally").text
    assert "The panel&#39;s result: the ranked list" in page or "The panel's result: the ranked list" in page
    for name in "ABCD":
        assert f"Project {name}" in page and f"Group {name}" in page
    assert "£10,000</strong> used of the £10,000 budget" in page and "<strong>£0</strong> left" in page
    assert 'class="app-budget-bar"' in page
    assert "Fewer than 3 panellists scored it" in page
    assert "Not funded: ranked below the bids that used the budget" in page
    assert "The walk goes down the ranked list (by approvals)" in page
    assert "Each panellist picks up to 2 bids" in page
    assert "tally digest <code>" in page and "commonpot-tally/1" in page
    assert "Ratify as it stands" in page and "Depart for a bid" in page


def test_the_tally_page_waits_for_the_vote_to_close(app: Flask, client: FlaskClient) -> None:
    setting = make_setting(app, voting_closed=False)
    sign_in(client, setting.staff_email)
    page = client.get(f"/staff/rounds/{setting.round_id}/tally").text
    assert "You can ratify once voting has closed" in page
    assert "Project A" not in page and "Ratify as it stands" not in page
    response = client.post(f"/staff/rounds/{setting.round_id}/tally/ratify", data=once({"note": ""}))
    assert response.status_code == 200 and "You can ratify once voting has closed" in response.text
    assert _status(app, setting) == RoundStatus.VOTING


def test_ratify_as_it_stands_through_the_page(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.staff_email)
    response = client.post(f"/staff/rounds/{setting.round_id}/tally/ratify", data=once({"note": "Well done, panel."}))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "Ratified:" in page and "Well done, panel." in page and "Reopen the vote" in page
    assert "Ratify as it stands" not in page
    assert _status(app, setting) == RoundStatus.DECIDED
    again = client.post(f"/staff/rounds/{setting.round_id}/tally/ratify", data=once({"note": ""}))
    assert "already been ratified" in again.text


def test_the_same_departure_form_sent_twice_departs_once_and_says_so(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    sign_in(client, setting.staff_email)
    page = client.get(f"/staff/rounds/{setting.round_id}/tally").text
    token = token_on(page.split('tally/departures"')[-1])
    data = {"bid": str(setting.bids["B"]), "reason": REASON, "form_token": token}
    first = client.post(f"/staff/rounds/{setting.round_id}/tally/departures", data=data)
    again = client.post(f"/staff/rounds/{setting.round_id}/tally/departures", data=data, follow_redirects=True)
    assert first.status_code == 302
    assert "This departure was already recorded, so nothing was changed" in again.text
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Departure)) == 1


def test_depart_then_compare_then_ratify_through_the_pages(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.staff_email)
    base = f"/staff/rounds/{setting.round_id}/tally"
    missing = client.post(f"{base}/departures", data=once({"bid": str(setting.bids["B"]), "reason": ""}))
    assert missing.status_code == 200 and "Explain why you are departing" in missing.text
    assert "govuk-error-summary" in missing.text
    unfunded = client.post(f"{base}/departures", data=once({"bid": str(setting.bids["D"]), "reason": REASON}))
    assert "a bid the panel funded" in unfunded.text

    response = client.post(f"{base}/departures", data=once({"bid": str(setting.bids["B"]), "reason": REASON}))
    assert response.status_code == 302
    page = client.get(base).text
    assert "Departed from" in page and REASON in page
    assert "beside the resulting result" in page
    assert "Ratify with departures" in page

    assert client.post(f"{base}/ratify", data=once({"note": ""})).status_code == 302
    with app_session(app) as s:
        ratification = s.scalars(sa.select(Ratification)).one()
        assert ratification.ratified_run.result["funded_ids"] == [setting.bids[n] for n in "ACD"]

    # The panel reads the departure and its reason, with both results side by side.
    client.post("/sign-out")
    sign_in(client, setting.panellist_emails[0])
    decision = client.get(f"/rounds/{setting.round_id}/decision").text
    assert REASON in decision and "Departures from the panel" in decision
    assert "beside the ratified result" in decision
    assert "Departed from" in decision


def test_taking_back_a_departure(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.staff_email)
    base = f"/staff/rounds/{setting.round_id}/tally"
    client.post(f"{base}/departures", data=once({"bid": str(setting.bids["B"]), "reason": REASON}))
    with app_session(app) as s:
        departure_id = s.scalars(sa.select(Departure.id)).one()
    response = client.post(f"{base}/departures/{departure_id}/withdraw", data=once())
    assert response.status_code == 302
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Departure)) == 0
    assert client.post(f"{base}/departures/{departure_id}/withdraw", data=once()).status_code == 404


def test_reopen_the_vote_through_the_page(app: Flask, client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.staff_email)
    base = f"/staff/rounds/{setting.round_id}/tally"
    client.post(f"{base}/ratify", data=once({"note": ""}))
    empty = client.post(f"{base}/reopen", data=once({"reopen_reason": ""}))
    assert empty.status_code == 200 and "Enter why you are reopening the vote" in empty.text
    response = client.post(f"{base}/reopen", data=once({"reopen_reason": "A paper ballot was missed"}))
    assert response.status_code == 302
    assert _status(app, setting) == RoundStatus.VOTING
    with app_session(app) as s:
        assert s.scalars(sa.select(Ratification)).one().undone_at is not None
    page = client.get(base).text
    assert "Earlier ratifications, undone" in page and "Ratify as it stands" in page


def test_the_decision_page_before_ratification(client: FlaskClient, setting: Setting) -> None:
    sign_in(client, setting.panellist_emails[0])
    page = client.get(f"/rounds/{setting.round_id}/decision").text
    assert "have not ratified a decision for this round yet" in page
    assert "Project A" not in page
