"""The group tells its story: a draft that keeps everything, photos with consent, check and send, and staff
recording a story on the group's behalf."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from grants.models import ReportStatus
from grants.reports.group_services import DEFAULT_PROMPTS, MAX_PHOTO_BYTES
from tests.reports.group_helpers import JPEG, PNG, Reporting, make_reporting, photo, report, story
from tests.support.db import emails, events
from tests.support.images import png_declaring
from tests.support.signin import signed_in


def _member(client: FlaskClient, r: Reporting) -> FlaskClient:
    return signed_in(client, r.setting.member_email)


def test_bid_page_links_to_the_reports_page_which_lists_each_date(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    page = client.get(f"/bids/{r.setting.funded_id}")
    assert f"/awards/{r.award_id}/reports" in page.text
    listing = client.get(f"/awards/{r.award_id}/reports")
    assert listing.status_code == 200
    assert listing.text.count("Not started") == 2
    assert f"/reports/{r.soon_id}" in listing.text and f"/reports/{r.later_id}" in listing.text


def test_first_visit_shows_the_default_prompts_with_no_word_limit(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    page = client.get(f"/reports/{r.soon_id}")
    assert page.status_code == 200
    for prompt in DEFAULT_PROMPTS:
        assert prompt.replace("'", "&#39;") in page.text
    assert "There is no word limit." in page.text
    assert "maxwords" not in page.text and "data-maxwords" not in page.text


def test_round_prompts_are_used_when_the_round_set_them(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app, prompts=["Who came along?", "What surprised you?"])
    _member(client, r)
    client.post(f"/reports/{r.soon_id}", data=story("Neighbours", "How many children", later=True))
    saved = report(app, r.soon_id)
    assert saved is not None
    assert saved.answers == [
        {"prompt": "Who came along?", "text": "Neighbours"},
        {"prompt": "What surprised you?", "text": "How many children"},
    ]


def test_draft_is_saved_and_kept(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    long_text = "We planted bulbs. " * 400  # far past any word limit: there is none
    response = client.post(f"/reports/{r.soon_id}", data=story(long_text, "The street", later=True))
    assert response.status_code == 302 and response.location.endswith(f"/awards/{r.award_id}/reports")
    saved = report(app, r.soon_id)
    assert saved is not None and saved.status == ReportStatus.DRAFT
    assert saved.answers[0]["text"] == long_text and saved.answers[1]["text"] == "The street"
    assert saved.recorded_by_staff_id is None
    page = client.get(f"/reports/{r.soon_id}")
    assert "The street" in page.text
    assert "Draft" in client.get(f"/awards/{r.award_id}/reports").text


def test_bad_recording_link_refused_but_the_writing_is_kept(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    response = client.post(f"/reports/{r.soon_id}", data=story("We met weekly", recording_url="javascript:alert(1)"))
    assert response.status_code == 200
    assert "Enter a full web address starting with https://" in response.text
    saved = report(app, r.soon_id)
    assert saved is not None and saved.answers[0]["text"] == "We met weekly" and saved.recording_url == ""


def test_submit_sends_once_emails_staff_and_audits(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    assert client.post(f"/reports/{r.soon_id}", data=story("We ran a lunch club")).status_code == 302
    check = client.get(f"/reports/{r.soon_id}/check")
    assert "We ran a lunch club" in check.text
    assert "Yes, our story can be shared publicly (without names of people)" in check.text
    response = client.post(f"/reports/{r.soon_id}/check", data={"share": "yes"})
    assert response.status_code == 302
    sent = report(app, r.soon_id)
    assert sent is not None and sent.status == ReportStatus.SUBMITTED and sent.share_publicly is True
    first_sent_at = sent.submitted_at
    staff_mail = [e for e in emails(app) if e.to_address == r.setting.staff_email]
    assert len(staff_mail) == 1 and "report received" in staff_mail[0].subject
    assert f"/staff/reports/{sent.id}" in staff_mail[0].body_text
    assert f"/reports/{sent.id}/conversation" in client.get(f"/reports/{r.soon_id}").text
    (event,) = events(app, "report.submitted")
    assert event.facts == {
        "award_id": r.award_id,
        "report_id": sent.id,
        "report_date_id": r.soon_id,
        "shared": True,
        "on_behalf": False,
    }
    # A second click (or a second tab) changes nothing: not the sharing choice, the time, mail or the audit.
    again = client.post(f"/reports/{r.soon_id}/check", data={"share": "no"})
    assert again.status_code == 302
    after = report(app, r.soon_id)
    assert after is not None and after.share_publicly is True and after.submitted_at == first_sent_at
    assert len(events(app, "report.submitted")) == 1
    assert len([e for e in emails(app) if e.to_address == r.setting.staff_email]) == 1
    # And the story can no longer be changed.
    client.post(f"/reports/{r.soon_id}", data=story("Rewritten"))
    assert report(app, r.soon_id).answers[0]["text"] == "We ran a lunch club"  # type: ignore[union-attr]
    assert "Sent" in client.get(f"/awards/{r.award_id}/reports").text


def test_sharing_choice_no_is_stored_and_a_choice_is_required(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    client.post(f"/reports/{r.soon_id}", data=story("We did it"))
    missing = client.post(f"/reports/{r.soon_id}/check", data={})
    assert missing.status_code == 200 and "Choose whether your story can be shared publicly" in missing.text
    assert report(app, r.soon_id).status == ReportStatus.DRAFT  # type: ignore[union-attr]
    client.post(f"/reports/{r.soon_id}/check", data={"share": "no"})
    sent = report(app, r.soon_id)
    assert sent is not None and sent.status == ReportStatus.SUBMITTED and sent.share_publicly is False
    assert "No, keep it between us and the funder" in client.get(f"/reports/{r.soon_id}").text


def test_nothing_written_and_no_recording_is_refused(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    client.post(f"/reports/{r.soon_id}", data=story("  ", "", later=True))
    response = client.post(f"/reports/{r.soon_id}/check", data={"share": "yes"})
    assert response.status_code == 200
    assert "Tell us something about what happened, or add a link to a recording" in response.text
    assert report(app, r.soon_id).status == ReportStatus.DRAFT  # type: ignore[union-attr]
    assert events(app, "report.submitted") == []


def test_a_recording_alone_can_be_sent(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    client.post(f"/reports/{r.soon_id}", data=story(recording_url="https://youtu.be/abc123"))
    client.post(f"/reports/{r.soon_id}/check", data={"share": "no"})
    sent = report(app, r.soon_id)
    assert sent is not None and sent.status == ReportStatus.SUBMITTED
    assert sent.recording_url == "https://youtu.be/abc123"


def test_check_before_anything_saved_goes_back_to_the_story(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    response = client.get(f"/reports/{r.soon_id}/check")
    assert response.status_code == 302 and response.location.endswith(f"/reports/{r.soon_id}")


# --- photos ------------------------------------------------------------------------------------------------------


def test_photo_with_consent_is_added_served_and_removed(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    client.post(f"/reports/{r.soon_id}", data=story("Our summer party", later=True))
    response = client.post(
        f"/reports/{r.soon_id}/photos", data=photo(caption="The bunting"), content_type="multipart/form-data"
    )
    assert response.status_code == 302
    saved = report(app, r.soon_id)
    assert saved is not None and len(saved.photos) == 1
    (added,) = saved.photos
    assert added.content_type == "image/png" and added.people_agreed and added.caption == "The bunting"
    assert saved.answers[0]["text"] == "Our summer party"
    served = client.get(f"/reports/{r.soon_id}/photos/{added.id}")
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in served.headers["Cache-Control"]
    assert "The bunting" in client.get(f"/reports/{r.soon_id}/photos").text
    client.post(f"/reports/{r.soon_id}/photos/{added.id}/remove")
    assert report(app, r.soon_id).photos == []  # type: ignore[union-attr]


def test_jpeg_is_accepted_whatever_its_name(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    client.post(f"/reports/{r.soon_id}/photos", data=photo(JPEG, "picture.bin"), content_type="multipart/form-data")
    saved = report(app, r.soon_id)
    assert saved is not None and [p.content_type for p in saved.photos] == ["image/jpeg"]
    assert [p.filename for p in saved.photos] == ["picture.jpg"]  # named for what it is


def test_a_photo_declaring_too_many_pixels_is_refused_by_the_field(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    response = client.post(
        f"/reports/{r.soon_id}/photos",
        data=photo(png_declaring(50_000, 50_000), "huge.png", caption="Kept caption"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "The picture is too large: it must be 40 megapixels or fewer" in response.text
    assert "Kept caption" in response.text
    saved = report(app, r.soon_id)
    assert saved is None or saved.photos == []


def test_photo_without_the_consent_tick_is_refused_and_nothing_is_lost(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    client.post(f"/reports/{r.soon_id}", data=story("Keep this", later=True))
    client.post(f"/reports/{r.soon_id}/photos", data=photo(), content_type="multipart/form-data")
    response = client.post(
        f"/reports/{r.soon_id}/photos",
        data=photo(agreed=False, caption="Kept caption"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Tick the box to confirm the people in this photo agreed" in response.text
    assert 'value="Kept caption"' in response.text
    saved = report(app, r.soon_id)
    assert saved is not None and len(saved.photos) == 1 and saved.answers[0]["text"] == "Keep this"


def test_oversized_photo_is_refused_and_nothing_is_lost(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    client.post(f"/reports/{r.soon_id}", data=story("Keep this", later=True))
    too_big = PNG + b"\x00" * (MAX_PHOTO_BYTES + 1 - len(PNG))
    response = client.post(f"/reports/{r.soon_id}/photos", data=photo(too_big), content_type="multipart/form-data")
    assert response.status_code == 200 and "The photo must be smaller than 5 MB" in response.text
    saved = report(app, r.soon_id)
    assert saved is not None and saved.photos == [] and saved.answers[0]["text"] == "Keep this"


def test_a_file_that_is_not_an_image_is_refused(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    _member(client, r)
    for data, name in ((b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "photo.png"), (b"<html><script>", "x.jpg")):
        response = client.post(
            f"/reports/{r.soon_id}/photos", data=photo(data, name), content_type="multipart/form-data"
        )
        assert response.status_code == 200 and "The photo must be a JPG, PNG, GIF or WebP image" in response.text
    assert report(app, r.soon_id) is None


# --- tell us another way --------------------------------------------------------------------------------------------


def test_staff_recording_is_marked_on_behalf_everywhere(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    signed_in(client, r.setting.staff_email)
    page = client.get(f"/staff/reports/{r.soon_id}/record")
    assert page.status_code == 200 and "recording this story on behalf of" in page.text
    response = client.post(f"/staff/reports/{r.soon_id}/record", data=story("Told us on the phone: a great summer"))
    assert response.status_code == 302 and response.location.endswith(f"/reports/{r.soon_id}/photos")
    saved = report(app, r.soon_id)
    assert saved is not None and saved.recorded_by_staff_id == r.setting.staff_id
    check = client.get(f"/reports/{r.soon_id}/check")
    assert "Recorded by staff on behalf of the group" in check.text
    assert client.post(f"/reports/{r.soon_id}/check", data={"share": "no"}).status_code == 302
    (event,) = events(app, "report.submitted")
    assert event.actor_role == "staff" and event.actor_id == r.setting.staff_id
    assert event.facts["on_behalf"] is True and event.facts["recorded_by_staff_id"] == r.setting.staff_id
    # The group sees the mark on what was sent for it.
    client.post("/sign-out")
    _member(client, r)
    view = client.get(f"/reports/{r.soon_id}")
    assert "Recorded by staff on behalf of the group" in view.text
    assert "Told us on the phone" in view.text
