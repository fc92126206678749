"""Which fields a route's form has: from the WTForms forms its view builds, and from the page's own HTML.

- `forms_built` records every FlaskForm a request builds (the route's own form class, a form class made per round
  such as a score form, and the forms of the page it shows again on a refusal), with each field's name as it
  is posted (a FieldList's rows are `lines-0-item`, ...), what kind of value it reads, and its choices.
- `fields_on_page` reads the inputs of the page's forms that post to that address, for what a view reads
  straight from `request.form` (a ranked ballot's `rank_<bid id>`) or a template draws by hand (ticked bids).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from flask_wtf.file import FileField as FlaskFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    Field,
    FieldList,
    FormField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms import FileField as WtfFileField

from grants.forms_fields import DatePartsField, PoundsField, TimeOfDayField, WholeNumberField

# What a field reads, to give it values of its own kind as well as everything else.
TEXT, NUMBER, DATE, TIME, EMAIL, CHOICE, MULTI, FLAG, FILE, BUTTON = (
    "text",
    "number",
    "date",
    "time",
    "email",
    "choice",
    "multi",
    "flag",
    "file",
    "button",
)
TOKENS = {"csrf_token", "form_token"}  # sent by the test itself, valid, with every example


@dataclass
class FieldSpec:
    name: str
    kind: str = TEXT
    choices: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # what the page's form holds now (sent back as is, it is valid)

    def merge(self, other: FieldSpec) -> None:
        if self.kind == TEXT and other.kind != TEXT:
            self.kind = other.kind
        self.choices += [c for c in other.choices if c not in self.choices]
        self.shown += other.shown


def _kind(wtf_field: Field) -> str:
    if isinstance(wtf_field, FlaskFileField | WtfFileField | MultipleFileField):
        return FILE
    if isinstance(wtf_field, SubmitField):
        return BUTTON
    if isinstance(wtf_field, BooleanField):
        return FLAG
    if isinstance(wtf_field, SelectMultipleField):
        return MULTI
    if isinstance(wtf_field, SelectField | RadioField):
        return CHOICE
    if isinstance(wtf_field, PoundsField | WholeNumberField | IntegerField | DecimalField):
        return NUMBER
    if isinstance(wtf_field, DatePartsField | DateField):
        return DATE
    if isinstance(wtf_field, TimeOfDayField):
        return TIME
    if isinstance(wtf_field, EmailField):
        return EMAIL
    return TEXT


def _choices(wtf_field: Field) -> list[str]:
    if isinstance(wtf_field, BooleanField):
        return ["y"]
    if isinstance(wtf_field, SubmitField):
        return [str(wtf_field.label.text)]
    raw = getattr(wtf_field, "choices", None)
    if not raw or callable(raw):
        return []
    values = raw.values() if isinstance(raw, dict) else [raw]
    found: list[str] = []
    for group in values:
        for choice in group:
            value = choice[0] if isinstance(choice, tuple | list) else choice
            found.append(str(value))
    return found


def _leaves(fields: Any) -> Iterator[Field]:
    for wtf_field in fields:
        if isinstance(wtf_field, FormField):
            yield from _leaves(wtf_field.form)
        elif isinstance(wtf_field, FieldList):
            yield from _leaves(wtf_field.entries)
        else:
            yield wtf_field


# A text box whose name says it holds a number (an amount, a cost, a limit) gets numbers more often.
_NUMBERISH = re.compile(r"amount|cost|budget|grant|limit|weight|quorum|page")


def _numberish(spec: FieldSpec) -> FieldSpec:
    if spec.kind == TEXT and _NUMBERISH.search(spec.name):
        spec.kind = NUMBER
    return spec


def specs_of(form: FlaskForm) -> list[FieldSpec]:
    """Every field of a built form but the tokens: hidden ones (a ballot's `replaces`) and buttons (a draft's
    "come back later") too."""
    return [FieldSpec(leaf.name, _kind(leaf), _choices(leaf)) for leaf in _leaves(form) if leaf.name not in TOKENS]


@contextmanager
def forms_built() -> Iterator[list[FlaskForm]]:
    """Every FlaskForm built while the block runs (after its fields are bound and processed)."""
    built: list[FlaskForm] = []
    original = FlaskForm.__init__

    def recording(self: FlaskForm, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        built.append(self)

    FlaskForm.__init__ = recording  # type: ignore[method-assign]
    try:
        yield built
    finally:
        FlaskForm.__init__ = original  # type: ignore[method-assign]


class _PageForms(HTMLParser):
    """The named inputs of every form on the page at `page_path` sent by `method` to `path` (a form with no action
    is sent to its page)."""

    def __init__(self, path: str, method: str, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.method = method
        self.page_path = page_path
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.found: dict[str, FieldSpec] = {}

    def _add(self, spec: FieldSpec) -> None:
        if spec.name in TOKENS:
            return
        if spec.name in self.found:
            self.found[spec.name].merge(spec)
        else:
            self.found[spec.name] = spec

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = urlsplit(named.get("action", "")).path or self.page_path
            self.inside = named.get("method", "get").lower() == self.method and action == self.path
            return
        if not self.inside or not named.get("name"):
            if tag == "option" and self.inside and self.select:
                self.found[self.select].choices.append(named.get("value", ""))
                if "selected" in named:
                    self.found[self.select].shown.append(named.get("value", ""))
            return
        name = named["name"]
        value = named.get("value", "")
        if tag == "select":
            self.select = name
            self._add(FieldSpec(name, MULTI if "multiple" in named else CHOICE))
        elif tag == "textarea":
            self.textarea = name
            self._add(FieldSpec(name, shown=[""]))
        elif tag in {"input", "button"}:
            kind = named.get("type", "text").lower()
            if kind in {"checkbox", "radio"}:
                ticked = [value or "on"] if "checked" in named else []
                self._add(FieldSpec(name, MULTI if kind == "checkbox" else CHOICE, [value or "on"], ticked))
            elif kind == "file":
                self._add(FieldSpec(name, FILE))
            elif kind == "submit" or tag == "button":
                self._add(FieldSpec(name, BUTTON, [value]))
            else:
                self._add(FieldSpec(name, EMAIL if kind == "email" else TEXT, shown=[value]))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            spec = self.found[self.textarea]
            spec.shown[-1] += data.removeprefix("\n") if not spec.shown[-1] else data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def fields_on_page(page: str, path: str, method: str = "post", *, page_path: str | None = None) -> list[FieldSpec]:
    parser = _PageForms(path, method, page_path or path)
    parser.feed(page)
    parser.close()
    return list(parser.found.values())


def merged(*groups: list[FieldSpec]) -> list[FieldSpec]:
    """One spec a name, in the order first seen."""
    found: dict[str, FieldSpec] = {}
    for group in groups:
        for spec in group:
            if spec.name in found:
                found[spec.name].merge(spec)
            else:
                found[spec.name] = FieldSpec(spec.name, spec.kind, list(spec.choices), list(spec.shown))
    return [_numberish(spec) for spec in found.values()]


_ROW = re.compile(r"^(?P<list>[A-Za-z_]+)-(?P<index>\d+)-(?P<field>[A-Za-z_]+)$")


def row_names(specs: list[FieldSpec]) -> list[tuple[str, str]]:
    """(list, field) for each field of a FieldList's rows, so examples can name rows that were never drawn."""
    return sorted({(m["list"], m["field"]) for spec in specs if (m := _ROW.match(spec.name))})
