"""Form fields shared by every area: pounds, whole numbers, dates and times of day, as people type them.

Each field only reads what was typed, keeping it exactly as typed so a page with errors shows it again; the rules
about what the value may be belong to the services.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovDateInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import EmailField, Field, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, StopValidation

from grants.files import MAX_LINK_LENGTH
from grants.idempotency import new_form_token, usable_form_token
from grants.money import parse_pounds, pounds_as_typed
from grants.text import TextRefused, clean_line, clean_text
from grants.timefmt import LONDON

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"

# The largest id a row can have (every primary key is an INTEGER: 32 bits on PostgreSQL): a bigger number names
# nothing, and handed to PostgreSQL it is an error ("integer out of range"), not an answer.
MAX_ID = 2**31 - 1
_ID = re.compile(r"[0-9]{1,10}")

_TIME = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")


def parse_time(text: str) -> time:
    """A time of day as people type it ('14:30', '9am', '2.30pm', 'midday') to a time; ValueError if not.

    A bare hour ('9') is refused: it could be morning or evening.
    """
    cleaned = text.strip().lower()
    if cleaned in {"midday", "noon", "12 noon"}:
        return time(12, 0)
    if cleaned == "midnight":
        return time(0, 0)
    match = _TIME.fullmatch(cleaned)
    if not match:
        raise ValueError(text)
    hour, minutes, half = int(match.group(1)), match.group(2), match.group(3)
    minute = int(minutes or 0)
    if half is not None:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    elif minutes is None:
        raise ValueError(text)
    if hour > 23 or minute > 59:
        raise ValueError(text)
    return time(hour, minute)


def london_to_utc(day: date, at: time) -> datetime:
    """A Europe/London wall-clock date and time as a UTC datetime; ValueError for a time the clocks skip."""
    local = datetime.combine(day, at, tzinfo=LONDON)
    utc = local.astimezone(UTC)
    if utc.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("the clocks go forward at that time")
    return utc


def posted_id(text: str | None) -> int | None:
    """The id a form sends back (a hidden field, a choice), or None when it is not one: ASCII digits only (not
    '²' or '٣', which `str.isdigit` accepts), and no bigger than any row's id can be."""
    value = (text or "").strip()
    if not _ID.fullmatch(value) or int(value) > MAX_ID:
        return None
    return int(value)


class Needed:
    """Like DataRequired, but keeps a message about what was typed wrongly, and accepts 0 and False."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form: Any, field: Field) -> None:
        if field.process_errors:
            raise StopValidation()
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            raise StopValidation(self.message)


class OneLine:
    """The first validator of every single-line text field (a name, a title, a search): the text NFC-normalised
    and trimmed, refused with a message if it holds a control or format character, and empty if nothing in it
    shows, so a required field then asks for it (the rules are `grants.text.clean_line`)."""

    def __init__(self, what: str | None = None) -> None:
        self.what = what

    def __call__(self, form: Any, field: Field) -> None:
        if isinstance(field.data, str):
            try:
                field.data = clean_line(field.data, what=self.what or str(field.label.text))
            except TextRefused as exc:
                raise StopValidation(exc.message) from None


class PlainText:
    """The first validator of every longer text field (answers, reasons, messages): NFC, line ends as plain line
    breaks, refused with a message if it holds a control character other than a line break or a tab, and empty if
    nothing in it shows (the rules are `grants.text.clean_text`)."""

    def __init__(self, what: str | None = None) -> None:
        self.what = what

    def __call__(self, form: Any, field: Field) -> None:
        if isinstance(field.data, str):
            try:
                field.data = clean_text(field.data, what=self.what or str(field.label.text))
            except TextRefused as exc:
                raise StopValidation(exc.message) from None


class _TypedField(Field):
    """A text input whose typed text is read into `data`, and shown again as typed when it could not be read."""

    widget = GovTextInput()
    invalid_message = "Enter a valid value"
    data: Any

    def __init__(self, label: str | None = None, validators: Any = None, *, invalid: str | None = None, **kw: Any):
        super().__init__(label, validators, **kw)
        if invalid:
            self.invalid_message = invalid

    def _parse(self, text: str) -> Any:
        raise NotImplementedError

    def _show(self, value: Any) -> str:
        return str(value)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = valuelist[0].strip() if valuelist else ""
        if not text:
            return
        try:
            self.data = self._parse(text)
        except ValueError:
            raise ValueError(self.invalid_message) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self._show(self.data) if self.data is not None else ""


class PoundsField(_TypedField):
    """An amount in pounds, read into integer pennies."""

    def _parse(self, text: str) -> int:
        pence = parse_pounds(text)
        if pence is None:
            raise ValueError(text)
        return pence

    def _show(self, value: int) -> str:
        return pounds_as_typed(value)


class WholeNumberField(_TypedField):
    def _parse(self, text: str) -> int:
        cleaned = text.replace(",", "")
        if not re.fullmatch(r"[0-9]{1,6}", cleaned):
            raise ValueError(text)
        return int(cleaned)


class TimeOfDayField(_TypedField):
    def _parse(self, text: str) -> time:
        return parse_time(text)

    def _show(self, value: time) -> str:
        return value.strftime("%H:%M")


class DatePartsField(Field):
    """Day, month and year boxes (GOV.UK date input), read into a date with GOV.UK's error messages."""

    widget = GovDateInput()

    def __init__(self, label: str | None = None, validators: Any = None, *, what: str = "The date", **kw: Any):
        super().__init__(label, validators, **kw)
        self.what = what
        self.type = "DateField"  # so the error summary links to the day box, as for any date field

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [str(v).strip() for v in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts  # the widget shows exactly three boxes again
        self.data = None
        if not any(parts):
            return
        missing = [name for name, value in zip(("day", "month", "year"), parts, strict=True) if not value]
        if missing:
            raise ValueError(f"{self.what} must include a {' and a '.join(missing)}")
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise ValueError(f"{self.what} must be a real date, like 1 7 2026")
        if len(parts[2]) != 4:
            raise ValueError("Year must include 4 numbers")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError(f"{self.what} must be a real date, like 1 7 2026") from None

    def _value(self) -> str:
        return self.data.strftime("%d %m %Y") if self.data else ""


class DateTimePairs:
    """Pairs of date and time fields named `<x>` and `<x>_time`, combined into a UTC datetime as `<x>` in times()."""

    def combine(self, name: str, *, what: str, required: bool) -> datetime | None:
        day_field: DatePartsField = getattr(self, name)
        time_field: TimeOfDayField = getattr(self, f"{name}_time")
        if day_field.errors or time_field.errors:
            return None
        if day_field.data is None and time_field.data is None:
            if required:
                day_field.errors.append(f"Enter the {what} date")
                time_field.errors.append(f"Enter the {what} time")
            return None
        if day_field.data is None:
            day_field.errors.append(f"Enter the {what} date")
            return None
        if time_field.data is None:
            time_field.errors.append(f"Enter the {what} time")
            return None
        try:
            return london_to_utc(day_field.data, time_field.data)
        except ValueError:
            time_field.errors.append(
                "That time does not exist in the UK on that day: the clocks go forward. Choose another time"
            )
            return None


# --- fields and forms that several areas show the same way ----------------------------------------------------


def long_text(
    label: str,
    *,
    limit: int,
    too_long: str,
    required: str | None = None,
    description: str = "",
    counted: bool = True,
) -> TextAreaField:
    """A text area of at most `limit` characters (with a character count unless `counted` is False)."""
    validators: list[Any] = [PlainText(), Length(max=limit, message=too_long)]
    if required is not None:
        validators.insert(1, DataRequired(message=required))
    return TextAreaField(
        label,
        widget=GovCharacterCount() if counted else GovTextArea(),
        description=description,
        validators=validators,
    )


def line_text(
    label: str,
    *,
    limit: int | None = None,
    too_long: str = "",
    required: str | None = None,
    optional: bool = False,
    what: str | None = None,
    description: str = "",
    **kw: Any,
) -> StringField:
    """A single-line text input (`OneLine` first, so the text is cleaned before any rule): required with the
    message `required`, or `optional` (empty stops the checks), and at most `limit` characters (`too_long`)."""
    validators: list[Any] = [OneLine(what)]
    if required is not None:
        validators.append(DataRequired(message=required))
    if optional:
        validators.append(Optional())
    if limit is not None:
        validators.append(Length(max=limit, message=too_long or f"Keep this to {limit:,} characters or fewer"))
    return StringField(label, widget=GovTextInput(), description=description, validators=validators, **kw)


def link_field(label: str, *, description: str) -> StringField:
    """An optional web address (a recording of a bid or a report); whether it is a link is the service's rule."""
    return line_text(
        label,
        what="The link",
        limit=MAX_LINK_LENGTH,
        too_long=f"A link must be {MAX_LINK_LENGTH} characters or fewer",
        description=description,
    )


def reason_field(label: str, description: str, *, limit: int) -> TextAreaField:
    """A reason someone else reads (why a bid or an offer is withdrawn or declined): plain text, `limit` at most."""
    return long_text(
        label,
        limit=limit,
        too_long=f"Keep the reason to {limit:,} characters or fewer",
        description=description,
        counted=False,
    )


def full_name_field(*, limit: int) -> StringField:
    """The name a group's member signs with (sending a bid, accepting an offer)."""
    return line_text(
        "Your full name", what="Your name", limit=limit, too_long=f"Keep your name to {limit} characters or fewer"
    )


def email_field(label: str, *, required: str, **kw: Any) -> EmailField:
    """An email address, checked for its form only (whether it exists is found out by sending to it)."""
    return EmailField(
        label,
        widget=GovTextInput(),
        validators=[
            OneLine("The email address"),
            DataRequired(message=required),
            Email(message=EMAIL_FORMAT, check_deliverability=False),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
        **kw,
    )


class GetForm(FlaskForm):
    """A form sent by GET (a list's filters, a choice of what to show): it changes nothing, so it needs no CSRF
    token, and its address can be bookmarked."""

    class Meta:
        csrf = False


class SaveButtons:
    """Every draft page saves with either button; 'come back later' returns to the list it came from."""

    submit = SubmitField("Save and continue", widget=GovSubmitInput())
    later = SubmitField("Save and come back later", widget=GovSubmitInput())


class RemoveForm(FlaskForm):
    """A 'Remove' button for one thing on a page (a bid's file, a report's photo)."""

    submit = SubmitField("Remove", widget=GovSubmitInput())


class ContinueForm(FlaskForm):
    """A form with only a 'Continue' button, for POST actions that need no more than a yes."""

    submit = SubmitField("Continue", widget=GovSubmitInput())


class ButtonForm(FlaskForm):
    """A POST with only its CSRF token: a button that changes something and asks nothing more."""


class OneUseForm(FlaskForm):
    """A form that moves money (a payment, an offer, a ratification, a departure, a change to an award): it carries
    a one-use token, fresh each time the page draws it, and `grants.web.act_once` acts on the form once only."""

    form_token = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The token the form was sent with (None for a form drawn for a page): `act_once` spends this one, and
        # refuses a form sent without one, or with one out of date.
        self.sent_token: str | None = None if self.form_token.raw_data is None else self.form_token.data
        # A form sent again after a refusal keeps its token, so it is still the same form; a form drawn for a page,
        # or sent with a token out of date, is drawn with a fresh one.
        now = datetime.now(UTC)
        if not usable_form_token(self.sent_token, now=now):
            self.form_token.data = new_form_token(now)
