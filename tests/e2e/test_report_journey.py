"""From a group's story to the panel's choice, in a real browser (CSRF on): the funded group writes its report in
its own words, adds a photo the people in it agreed to, and sends it, agreeing it can be shared; staff read it, see
the photo, reply in the conversation, tag it with a new theme and open the selection; a panellist picks it as the
most significant story with a reason, and staff find it in the round's learning summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from grants.models import (
    Report,
    ReportMessage,
    ReportPhoto,
    ReportStatus,
    ReportTheme,
    StoryChoice,
    StorySelection,
    User,
)
from tests.awards.helpers import PANELLIST_NAME
from tests.e2e.conftest import sign_in_as
from tests.reports.group_helpers import PNG, Reporting, make_reporting
from tests.support.db import app_session

pytestmark = pytest.mark.e2e

GROUP = "Friends of Elm Park"
DID = "We opened the community garden on Saturday mornings and cooked lunch together in the hall."
CHANGED = "Neighbours who lived alone started coming every week; two of them now run the tool shed."
LEARNED = "Ask people what they want first: the cooking mattered more to them than the planting."
CAPTION = "Planting day at the garden"
REPLY = "Thank you for this lovely story. Could you tell us more about the tool shed?"
THEME = "Loneliness"
REASON = "People who were alone now look after a shared place: that is the change we hoped for."


@pytest.fixture
def reporting(app: Flask) -> Reporting:
    """A ratified round (the awards helpers) whose first funded group, Friends of Elm Park, has an accepted award
    with a report due in 5 days; the round's panellist Winifred Quarrington and the funder's staff Priya Shah."""
    return make_reporting(app)


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _loaded(page: Page, alt: str) -> None:
    """The image with this alt text is on the page and the browser could decode it."""
    image = page.get_by_role("img", name=alt)
    expect(image).to_be_visible()
    expect(image).to_have_js_property("naturalWidth", 1)


def test_a_group_sends_its_story_staff_reply_and_tag_it_and_a_panellist_picks_it(
    app: Flask, live_server: str, page: Page, reporting: Reporting, tmp_path: Path
) -> None:
    setting = reporting.setting
    round_id = setting.round_id
    photo_file = tmp_path / "planting-day.png"
    photo_file.write_bytes(PNG)

    # The group's member opens their bid, then their reports, and starts the report due first.
    sign_in_as(page, live_server, setting.member_email)
    expect(page.get_by_role("heading", name="Your bids")).to_be_visible()
    page.get_by_role("link", name="Our idea").click()
    expect(page.get_by_role("heading", name="Your award")).to_be_visible()
    page.get_by_role("link", name="Your reports").click()
    expect(page.get_by_role("heading", name="Tell us how it went")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/awards/{reporting.award_id}/reports")
    page.get_by_role("link", name="Start this report").first.click()
    expect(page).to_have_url(f"{live_server}/reports/{reporting.soon_id}")

    # Their story in their own words, one box per prompt; saved, then on to photos.
    page.get_by_label("What did you do?").fill(DID)
    page.get_by_label("What changed, and for whom?").fill(CHANGED)
    page.get_by_label("What did you learn, or what would you do differently?").fill(LEARNED)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Add photos (optional)")).to_be_visible()

    # A photo, with the tick that the people in it agreed.
    page.get_by_label("Upload a photo").set_input_files(str(photo_file))
    page.get_by_label("Caption (optional)").fill(CAPTION)
    page.get_by_label("The people in this photo agreed to it being shared with the funder").check()
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("planting-day.png has been added to your report.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()
    _loaded(page, CAPTION)

    # Check everything and send it, agreeing it may be shared.
    page.get_by_role("link", name="Continue to check and send").click()
    expect(page.get_by_role("heading", name="Check your report before sending it")).to_be_visible()
    expect(page.get_by_text(CHANGED)).to_be_visible()
    page.get_by_label("Yes, our story can be shared publicly").check()
    page.get_by_role("button", name="Send your report").click()
    expect(page.get_by_text("Thank you. Your report has been sent to the funder.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your report")).to_be_visible()
    expect(page.get_by_text("Yes, our story can be shared publicly (without names of people)")).to_be_visible()
    _sign_out(page)

    # Staff open the round's stories and the report: the photo shows.
    sign_in_as(page, live_server, setting.staff_email)
    page.goto(f"{live_server}/staff/rounds/{round_id}/reports")
    expect(page.get_by_role("heading", name="Groups' stories")).to_be_visible()
    page.get_by_role("link", name=GROUP).click()
    expect(page.get_by_role("heading", name=f"{GROUP}'s story")).to_be_visible()
    expect(page.get_by_text("The group agreed to share this story")).to_be_visible()
    expect(page.get_by_text(CHANGED)).to_be_visible()
    _loaded(page, CAPTION)

    # A reply in the conversation.
    page.get_by_label("Reply to the group").fill(REPLY)
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_text("Message sent. We have emailed the group.")).to_be_visible()
    expect(page.get_by_text(REPLY)).to_be_visible()

    # A new theme.
    page.get_by_label("Add a new theme (optional)").fill(THEME)
    page.get_by_role("button", name="Save the themes").click()
    expect(page.get_by_text("Themes saved.")).to_be_visible()
    # The funder's themes are now ticked boxes, each named by its label.
    expect(page.get_by_role("checkbox", name=THEME)).to_be_checked()

    # Open the panel's selection of the most significant stories.
    page.get_by_role("link", name=re.compile(r"^Groups' stories in ")).click()
    expect(page.get_by_role("row").filter(has_text=GROUP)).to_contain_text(THEME)
    page.get_by_role("link", name="Most significant change: the panel's choice of stories").click()
    expect(page.get_by_role("heading", name="Most significant change")).to_be_visible()
    page.get_by_role("button", name="Open the selection").click()
    expect(page.get_by_text("The selection is open. We have emailed the panel")).to_be_visible()
    _sign_out(page)

    # The panellist reads the stories and picks this one, saying why.
    sign_in_as(page, live_server, setting.panellist_email)
    page.goto(f"{live_server}/rounds/{round_id}/stories")
    expect(page.get_by_role("heading", name="Stories of change")).to_be_visible()
    story = page.get_by_role("article", name=GROUP)
    expect(story).to_contain_text(CHANGED)
    story.get_by_label(f"Choose {GROUP}'s story as most significant").check()
    story.get_by_label(f"Why is {GROUP}'s story most significant to you?").fill(REASON)
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your choices are saved. You can change them until the selection closes.")).to_be_visible()
    expect(story.get_by_label(f"Choose {GROUP}'s story as most significant")).to_be_checked()
    _sign_out(page)

    # Staff find the story, its theme and the panel's reason (without the panellist's name) in the summary.
    sign_in_as(page, live_server, setting.staff_email)
    page.goto(f"{live_server}/staff/rounds/{round_id}/learning")
    expect(page.get_by_role("heading", name="Learning summary")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=THEME)).to_contain_text("1")
    chosen = page.locator("article").filter(has_text=f"{GROUP} · chosen 1 time")
    expect(chosen).to_contain_text(REASON)
    expect(page.get_by_text(PANELLIST_NAME)).to_have_count(0)

    with app_session(app) as s:
        report = s.scalars(sa.select(Report).where(Report.report_date_id == reporting.soon_id)).one()
        assert report.status == ReportStatus.SUBMITTED
        assert report.share_publicly is True
        assert [a["text"] for a in report.answers][:3] == [DID, CHANGED, LEARNED]
        photo = s.scalars(sa.select(ReportPhoto).where(ReportPhoto.report_id == report.id)).one()
        assert (photo.filename, photo.content_type, photo.caption, photo.people_agreed) == (
            "planting-day.png",
            "image/png",
            CAPTION,
            True,
        )
        assert photo.content == PNG
        message = s.scalars(sa.select(ReportMessage).where(ReportMessage.report_id == report.id)).one()
        assert (message.side, message.author_id, message.text) == ("staff", setting.staff_id, REPLY)
        tagged = s.scalars(sa.select(ReportTheme).where(ReportTheme.report_id == report.id)).one()
        assert tagged.theme.name == THEME
        selection = s.scalars(sa.select(StorySelection).where(StorySelection.round_id == round_id)).one()
        assert selection.closed_at is None
        choice = s.scalars(sa.select(StoryChoice).where(StoryChoice.selection_id == selection.id)).one()
        panellist_id = s.scalars(sa.select(User.id).where(User.email == setting.panellist_email)).one()
        assert (choice.report_id, choice.user_id, choice.reason) == (report.id, panellist_id, REASON)
