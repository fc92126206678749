"""The shared form fields: each area's form keeps its own words, the helpers keep the rules the same."""

from __future__ import annotations

from typing import Any

import pytest
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
    posted_id,
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


# --- every free-text field of every form holds to the text rules and has a cap ---------------------------------

# Fields whose length is capped by their service rather than the form (each says so next to its rule).
_CAPPED_BY_SERVICE = {
    "RoundDetailsForm.title",  # rounds/settings.py: 200 characters
    "RoundDetailsForm.code",  # rounds/settings.py: CODE_PATTERN, 2 to 10 letters or numbers
    "RoundDetailsForm.summary",  # rounds/settings.py: 5,000
    "RoundDetailsForm.who_can_apply",  # rounds/settings.py: 5,000
    "QuestionRowForm.prompt",  # rounds/parts.py: 300
    "QuestionRowForm.help_text",  # rounds/parts.py: 2,000
    "CriterionRowForm.name",  # rounds/parts.py: 120
    "CriterionRowForm.guidance",  # rounds/parts.py
    "PanelForm.code_of_conduct",  # rounds/settings.py: MAX_CODE_OF_CONDUCT
    "MoveForm.reason",  # rounds/services.py: MAX_FACT_STRING
    "AmountForm.amount",  # money.parse_pounds: at most 12 digits
    "LineForm.cost",  # money.parse_pounds
    "BidFilterForm.min_amount",  # money.parse_pounds
    "BidFilterForm.max_amount",  # money.parse_pounds
}


def _form_classes() -> list[type]:
    import importlib
    import inspect
    import pkgutil

    from wtforms import Form

    import grants

    classes: dict[str, type] = {}
    for module_info in pkgutil.walk_packages(grants.__path__, "grants."):
        if not module_info.name.rsplit(".", 1)[-1].endswith("forms"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Form) and value.__module__ == module.__name__:
                classes[f"{module.__name__}.{name}"] = value
    return list(classes.values())


def _text_fields(form_class: type) -> list[tuple[str, Any]]:
    """(Form.field, unbound field) for every text field of a form, inside lists and sub-forms too."""
    from wtforms import FieldList, FormField, HiddenField, PasswordField, StringField
    from wtforms.fields.core import UnboundField

    found: list[tuple[str, Any]] = []
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        where = f"{form_class.__name__}.{name}"
        if issubclass(unbound.field_class, FieldList):
            inner = unbound.args[0] if unbound.args else unbound.kwargs["unbound_field"]
            if issubclass(inner.field_class, FormField):
                found += _text_fields(inner.args[0] if inner.args else inner.kwargs["form_class"])
            elif issubclass(inner.field_class, StringField):
                found.append((where, inner))
        elif issubclass(unbound.field_class, FormField):
            found += _text_fields(unbound.args[0] if unbound.args else unbound.kwargs["form_class"])
        elif issubclass(unbound.field_class, StringField) and not issubclass(
            unbound.field_class, PasswordField | HiddenField
        ):
            found.append((where, unbound))  # not a password (kept exactly as typed) or a hidden id
    return found


def test_every_text_field_of_every_form_applies_the_text_rules_first_and_has_a_character_cap() -> None:
    from wtforms.validators import Length

    from grants.forms_fields import OneLine, PlainText

    fields = [field for form_class in _form_classes() for field in _text_fields(form_class)]
    assert len(fields) > 40  # the walk found the forms
    problems = []
    for where, unbound in fields:
        validators = list(unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else []))
        if not validators or not isinstance(validators[0], OneLine | PlainText):
            problems.append(f"{where}: the first validator must be OneLine or PlainText")
        capped = any(isinstance(v, Length) and v.max and v.max > 0 for v in validators)
        if not capped and where not in _CAPPED_BY_SERVICE:
            problems.append(f"{where}: no character cap")
    assert problems == []


def test_a_text_field_cleans_what_was_typed_before_the_other_rules_see_it() -> None:
    from werkzeug.datastructures import MultiDict
    from wtforms import Form, StringField
    from wtforms.validators import DataRequired

    from grants.forms_fields import OneLine

    class NameForm(Form):
        name = StringField("Name of your group", validators=[OneLine(), DataRequired(message="Enter the name")])

    blank = NameForm(MultiDict({"name": "\u200b \u200b"}))
    assert not blank.validate() and blank.name.errors == ["Enter the name"]
    hidden = NameForm(MultiDict({"name": "Elm\u202ePark"}))
    assert not hidden.validate()
    assert hidden.name.errors[0].startswith("Name of your group has a hidden character in it")
    composed = NameForm(MultiDict({"name": " Cafe\u0301 "}))
    assert composed.validate() and composed.name.data == "Caf\u00e9"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("7", 7), (" 42 ", 42), (str(2**31 - 1), 2**31 - 1), ("0", 0)]
    + [
        (odd, None)
        for odd in [
            "",
            None,
            "²",
            "\u0663",
            "\uff17",
            "-1",
            "+1",
            "1.0",
            "1e3",
            "0x1",
            str(2**31),
            "9" * 19,
            "9" * 5000,
        ]
    ],
)
def test_an_id_sent_back_by_a_form_is_ascii_digits_that_fit_a_row(typed: str | None, expected: int | None) -> None:
    """Anything else is None, which names nothing: no ValueError from `int`, no overflow in the database."""
    assert posted_id(typed) == expected
