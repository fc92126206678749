"""Forms for the group's reports. No word limits and no numbers: the group's story in its own words."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, FieldList, RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from grants.forms_fields import PlainText, RemoveForm, SaveButtons, line_text, link_field
from grants.reports.group_services import MAX_CAPTION, MAX_REPORT_ANSWER, REPORT_ANSWER_TOO_LONG

SHARE_YES = "Yes, our story can be shared publicly (without names of people)"
SHARE_NO = "No, keep it between us and the funder"


class ReportForm(SaveButtons, FlaskForm):
    # One textarea per prompt, labelled in the template; the service stores exactly what was typed.
    answers = FieldList(
        StringField(
            "Answer",
            widget=GovTextArea(),
            validators=[PlainText("Your answer"), Length(max=MAX_REPORT_ANSWER, message=REPORT_ANSWER_TOO_LONG)],
        ),
        min_entries=0,
    )
    recording_url = link_field(
        "Link to a video or audio recording (optional)",
        description="Instead of writing, or as well: a web address like https://youtu.be/abc123."
        " Leave it empty if you have written your story.",
    )


class PhotoForm(FlaskForm):
    photo = FileField("Upload a photo", widget=GovFileInput())
    caption = line_text(
        "Caption (optional)",
        what="The caption",
        limit=MAX_CAPTION,
        too_long=f"Keep the caption to {MAX_CAPTION} characters or fewer",
        description="A few words about what the photo shows",
    )
    people_agreed = BooleanField(
        "The people in this photo agreed to it being shared with the funder", widget=GovCheckboxInput()
    )
    submit = SubmitField("Upload photo", widget=GovSubmitInput())


RemovePhotoForm = RemoveForm


class SendReportForm(FlaskForm):
    share = RadioField(
        "Can your story be shared publicly?",
        widget=GovRadioInput(),
        choices=[("yes", SHARE_YES), ("no", SHARE_NO)],
        validators=[InputRequired(message="Choose whether your story can be shared publicly")],
    )
    submit = SubmitField("Send your report", widget=GovSubmitInput())
