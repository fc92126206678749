"""The shared form fields: each area's form keeps its own words, the helpers keep the rules the same."""

from __future__ import annotations

from flask import Flask
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextArea
from werkzeug.datastructures import MultiDict

from grants.forms_fields import (
    EMAIL_FORMAT,
    ButtonForm,
    GetForm,
    SaveButtons,
    email_field,
    full_name_field,
    long_text,
    reason_field,
)


class _Form(SaveButtons, GetForm):
    note = long_text("Note", limit=5, too_long="Too long")
    needed = long_text("Needed", limit=5, too_long="Too long", required="Enter it", counted=False)
    reason = reason_field("Why?", "You do not have to say", limit=1200)
    name = full_name_field(limit=3)
    email = email_field("Email", required="Enter an email")


def _checked(app: Flask, **data: str) -> _Form:
    with app.test_request_context(method="POST"):
        form = _Form(formdata=MultiDict(data))
        form.validate()
        return form


def test_long_text_counts_characters_and_may_be_required(app: Flask) -> None:
    form = _checked(app, note="123456", needed="", reason="x" * 1201, name="abcd", email="nope")
    assert isinstance(form.note.widget, GovCharacterCount)
    assert isinstance(form.needed.widget, GovTextArea)
    assert form.note.errors == ["Too long"]
    assert form.needed.errors == ["Enter it"]
    assert form.reason.errors == ["Keep the reason to 1,200 characters or fewer"]
    assert form.reason.description == "You do not have to say"
    assert form.name.label.text == "Your full name"
    assert form.name.errors == ["Keep your name to 3 characters or fewer"]
    assert form.email.errors == [EMAIL_FORMAT]


def test_filled_in_fields_pass(app: Flask) -> None:
    form = _checked(app, note="", needed="yes", reason="", name="Ann", email="ann@example.com")
    assert not any(field.errors for field in form)


def test_get_forms_and_button_forms(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        assert "csrf_token" not in _Form()._fields
        assert {"submit", "later"} <= set(_Form()._fields)
        assert set(ButtonForm()._fields) <= {"csrf_token"}
