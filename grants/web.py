"""What every route shares: the one commit path, turning a refusal into a message, and acting as the signed-in
person.

The commit path (after funding-service's `auto_commit_after_request`): a request's transaction commits once,
after the view, when the response is a success or a redirect, and rolls back otherwise. Routes never call
commit or rollback themselves. A view that calls a service through `attempt` rolls back at once when a rule
says no, so the page it renders next shows the state from before the refused submission, and nothing of the
refused work is ever committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, ParamSpec, TypeVar

from flask import Flask, flash, request, url_for
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter
from werkzeug.wrappers import Response
from wtforms import Field

from grants.auth.permissions import current_person
from grants.domain import DomainError
from grants.extensions import db
from grants.forms_fields import MAX_ID, OneUseForm
from grants.idempotency import AlreadyRecorded, spend_form_token
from grants.paging import Page, page_number

P = ParamSpec("P")
T = TypeVar("T")


def put_error(form: FlaskForm, exc: DomainError) -> dict[str, str]:
    """Put the message by the first of its fields the form has (or above the form, for the error summary).

    Returns every field the message names, with the message, for pages that show it by each of them.
    """
    field = next((form._fields[name] for name in exc.fields if name in form._fields), None)
    if field is None:
        form.form_errors.append(exc.message)
    else:
        field.errors = [*field.errors, exc.message]
    return dict.fromkeys(exc.fields, exc.message)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What `attempt` gives back: truthy when the service did its work, with what it returned."""

    ok: bool
    value: T | None = None
    error: DomainError | None = None
    marks: dict[str, str] = field(default_factory=dict)  # on a refusal: each field it names, with the message

    def __bool__(self) -> bool:
        return self.ok

    @property
    def already(self) -> str | None:
        """For a one-use form sent again: the message that says it was already recorded (else None)."""
        return self.error.message if isinstance(self.error, AlreadyRecorded) else None


def attempt(form: FlaskForm, service: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Outcome[T]:
    """Call a service; if a rule says no, undo the request's work and put the message on the form.

    `if form.validate() and (done := attempt(form, screen_bid, db.session, bid=bid, ...)):` then redirect;
    otherwise render the form again with its errors.
    """
    try:
        return Outcome(True, service(*args, **kwargs))
    except DomainError as exc:
        db.session.rollback()
        return Outcome(False, error=exc, marks=put_error(form, exc))


def act(form: FlaskForm, service: Callable[..., T], /, **kwargs: Any) -> Outcome[T]:
    """`attempt` for a service that acts as the signed-in person: it is given the request's session and `actor=`
    the person, with the route's own arguments (and `now=utcnow()`, for a service that takes the time)."""
    return attempt(form, service, db.session, actor=current_person(), **kwargs)


def form_purpose() -> str:
    """What a one-use token is spent on: the page the form was sent to (its endpoint and the ids in its address)."""
    args = ",".join(f"{key}={value}" for key, value in sorted((request.view_args or {}).items()))
    return f"{request.endpoint}:{args}"


def act_once(form: OneUseForm, service: Callable[..., T], /, *, what: str, now: datetime, **kwargs: Any) -> Outcome[T]:
    """`act` for a form that moves money: the form's one-use token is spent in the same transaction as the
    service's work, so the same form sent twice (a double click, two tabs, a replay) acts once. The second time
    the outcome's `already` says "`what` was already recorded" and nothing is changed."""
    actor = current_person()

    def once() -> T:
        spend_form_token(db.session, token=form.sent_token, purpose=form_purpose(), actor=actor, what=what, now=now)
        return service(db.session, actor=actor, now=now, **kwargs)

    return attempt(form, once)


def flash_outcome(done: Outcome[T], message: str | Callable[[T], str]) -> bool:
    """After `act_once`: flash `message` (or `message(what the service returned)`) on success, or plainly that the
    form was already recorded when it was sent again. True for either (the route redirects); False on a refusal
    (the route shows the form again)."""
    if done.already:
        flash(done.already, "info")
        return True
    if done:
        flash(message(done.value) if callable(message) else message, "success")  # type: ignore[arg-type]
    return bool(done)


def act_on_upload(
    form: FlaskForm, field: Field, service: Callable[..., T], /, *, missing: str, max_bytes: int, **kwargs: Any
) -> T | None:
    """`act` for a form with a file: the service is given the file's name and at most `max_bytes` + 1 of its bytes
    (enough to say it is too big) besides the route's own arguments. None, with `missing` by the field when no file
    was chosen or with the service's refusal on the form; else what the service returned."""
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        field.errors = [missing]
        return None
    done = act(form, service, filename=upload.filename or "", data=upload.read(max_bytes + 1), **kwargs)
    return done.value if done else None


def asked_page() -> int:
    """The page number the request asks for (`?page=N`; anything else is the first page)."""
    return page_number(request.args.get("page"))


def pagination(page: Page, endpoint: str, *, label: str, **values: Any) -> dict[str, Any] | None:
    """Parameters for the GOV.UK pagination component (`govukPagination`) of a list at `endpoint` (with `values`,
    such as the filters, on every link): the first and last pages and those either side of this one, or None when
    the list fits on one page."""
    if not page.several:
        return None

    def href(number: int) -> str:
        return url_for(endpoint, **{**values, "page": number})

    shown = sorted({1, page.pages, page.number - 1, page.number, page.number + 1} & set(range(1, page.pages + 1)))
    items: list[dict[str, Any]] = []
    for i, number in enumerate(shown):
        if i and number - shown[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.number})
    params: dict[str, Any] = {"items": items, "landmarkLabel": label}
    if page.number > 1:
        params["previous"] = {"href": href(page.number - 1)}
    if page.number < page.pages:
        params["next"] = {"href": href(page.number + 1)}
    return params


class IdConverter(IntegerConverter):
    """`<int:...>` in every route's address is a row's id: a number bigger than any id can be matches no route
    (404), rather than reaching the database, which cannot compare a column with it (a 500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class WordConverter(UnicodeConverter):
    """`<token>`, `<slug>` and any other word in an address never hold a control character: a NUL in a funder's
    slug reached PostgreSQL, which cannot compare a text column with it (a 500). Such an address matches no route."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]", 1)


def register_converters(app: Flask) -> None:
    """Before any route is added: `<int:...>` is an `IdConverter`, and a word (`<x>`, `<string:x>`) a
    `WordConverter`."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = WordConverter
    app.url_map.converters["string"] = WordConverter


def _commit_after_request(response: Response) -> Response:
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def register_commit_path(app: Flask) -> None:
    """Commit each request's work once, after its view, only when it succeeded (2xx or 3xx)."""
    app.after_request(_commit_after_request)
