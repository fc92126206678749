"""Forms for groups and bids. Messages tell people what to do, in plain words."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, EmailField, FieldList, Form, FormField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from grants.bids.groups import GroupDetails
from grants.bids.services import ANSWER_CHAR_CAP, ANSWER_TOO_LONG, MAX_BUDGET_LINES, MAX_WITHDRAWAL_REASON
from grants.forms_fields import (
    EMAIL_FORMAT,
    ContinueForm,
    OneLine,
    PlainText,
    SaveButtons,
    email_field,
    full_name_field,
    line_text,
    link_field,
    reason_field,
)
from grants.forms_fields import RemoveForm as RemoveForm
from grants.models import Group, GroupKind

ConfirmForm = ContinueForm


class GroupForm(SaveButtons, FlaskForm):
    name = line_text(
        "Name of your group",
        required="Enter the name of your group",
        limit=200,
        too_long="Keep the name to 200 characters or fewer",
    )
    area = line_text(
        "Where does your group work?",
        required="Enter where your group works",
        limit=120,
        description="A neighbourhood, estate, village or the first part of a postcode, like RV3",
    )
    kind = RadioField(
        "What kind of group are you?",
        widget=GovRadioInput(),
        choices=[(k.value, k.label) for k in GroupKind],
        validators=[InputRequired(message="Choose what kind of group you are")],
    )
    registration_number = line_text(
        "Charity or company number (if you have one)",
        optional=True,
        limit=20,
        too_long="A registration number is 20 characters or fewer",
        description="Only for registered charities, CIOs, CICs and companies. Informal groups leave this empty.",
    )
    contact_name = line_text(
        "Contact person",
        required="Enter the name of a contact person",
        limit=120,
        too_long="Keep the name to 120 characters or fewer",
        description="Who the funder should talk to about this bid",
    )
    contact_email = email_field("Contact email address", required="Enter a contact email address")
    contact_phone = line_text(
        "Contact phone number (optional)",
        optional=True,
        limit=40,
        too_long="Keep the phone number to 40 characters or fewer",
    )

    def details(self) -> GroupDetails:
        return GroupDetails(
            name=self.name.data or "",
            area=self.area.data or "",
            kind=GroupKind(self.kind.data),
            registration_number=self.registration_number.data or "",
            contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "",
            contact_phone=self.contact_phone.data or "",
        )

    @staticmethod
    def data_for(group: Group) -> dict[str, Any]:
        """What the form shows for a group's saved details."""
        return {
            "name": group.name,
            "area": group.area,
            "kind": group.kind.value,
            "registration_number": group.registration_number or "",
            "contact_name": group.contact_name,
            "contact_email": group.contact_email,
            "contact_phone": group.contact_phone,
        }


class ChooseGroupForm(FlaskForm):
    group_id = RadioField(
        "Which group is this bid for?",
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired(message="Choose the group this bid is for")],
    )
    submit = SubmitField("Start the bid", widget=GovSubmitInput())


class StartForm(FlaskForm):
    submit = SubmitField("Start your bid", widget=GovSubmitInput())


class TitleForm(SaveButtons, FlaskForm):
    title = line_text(
        "Give your idea a short name",
        limit=200,
        too_long="Keep the name to 200 characters or fewer",
        description="A few words the panel will see first, like 'Saturday growing club for families'",
    )


class AnswerForm(SaveButtons, FlaskForm):
    # The word limit and its character cap are checked in the service (a draft keeps an answer over the word
    # limit, never one over the characters of the longest limit a round may set); the widget counts words.
    answer = StringField(
        "Answer",
        widget=GovCharacterCount(),
        validators=[PlainText("Your answer"), Length(max=ANSWER_CHAR_CAP, message=ANSWER_TOO_LONG)],
    )


class LineForm(Form):
    item = line_text("Item", what="The item", limit=200)
    cost = line_text("Cost in pounds", what="The cost")


class AmountForm(SaveButtons, FlaskForm):
    amount = line_text("How much are you asking for?", what="The amount")
    lines = FieldList(FormField(LineForm), min_entries=MAX_BUDGET_LINES, max_entries=MAX_BUDGET_LINES)


class RecordingForm(SaveButtons, FlaskForm):
    url = link_field(
        "Link to your recording",
        description="A web address, like https://youtu.be/abc123. Leave it empty to remove the link.",
    )


class AttachmentForm(FlaskForm):
    file = FileField("Upload a file", widget=GovFileInput())
    submit = SubmitField("Upload file", widget=GovSubmitInput())


class SubmitBidForm(FlaskForm):
    declaration_name = full_name_field(limit=120)
    confirm = BooleanField(
        "I confirm that what we have written is true to the best of our knowledge, and that the money will be spent"
        " on what we have described",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Send the bid", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = reason_field(
        "Why are you withdrawing? (optional)",
        "This helps the funder. You do not have to say.",
        limit=MAX_WITHDRAWAL_REASON,
    )
    submit = SubmitField("Withdraw the bid", widget=GovSubmitInput())


class InviteMemberForm(FlaskForm):
    email = EmailField(
        "Email address of the person to invite",
        widget=GovTextInput(),
        validators=[
            OneLine("The email address"),
            DataRequired(message="Enter the email address of the person to invite"),
            Email(message=EMAIL_FORMAT, check_deliverability=False),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())
