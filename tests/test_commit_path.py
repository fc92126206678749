"""One commit path: a request's work is committed once after a successful view, and never after a refusal."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField

from grants.domain import DomainError
from grants.extensions import db
from grants.models import Funder
from grants.web import _commit_after_request, attempt, put_error


def _funders(app: Flask) -> list[str]:
    with app.app_context():
        names = list(db.session.scalars(sa.select(Funder.name)))
        db.session.remove()
        return names


def _add_funder(name: str) -> None:
    db.session.add(Funder(name=name, slug=name.lower().replace(" ", "-")))
    db.session.flush()


class _Form(FlaskForm):
    amount = StringField("Amount")


def test_work_is_committed_after_a_success_or_a_redirect(app: Flask) -> None:
    for status, name in ((200, "Shown"), (302, "Redirected")):
        with app.test_request_context("/", method="POST"):
            _add_funder(name)
            _commit_after_request(Response(status=status))
            db.session.remove()
    assert sorted(_funders(app)) == ["Redirected", "Shown"]


def test_work_is_rolled_back_after_an_error_response(app: Flask) -> None:
    for status in (400, 403, 404, 500):
        with app.test_request_context("/", method="POST"):
            _add_funder(f"Failed {status}")
            _commit_after_request(Response(status=status))
            db.session.remove()
    assert _funders(app) == []


def test_a_refused_service_call_changes_nothing_and_puts_the_message_by_its_field(app: Flask) -> None:
    def service() -> None:
        _add_funder("Half done")
        raise DomainError("Enter how much you are asking for, in pounds", "amount")

    with app.test_request_context("/", method="POST"):
        form = _Form(meta={"csrf": False})
        outcome = attempt(form, service)
        assert not outcome
        assert form.amount.errors == ["Enter how much you are asking for, in pounds"]
        assert outcome.marks == {"amount": "Enter how much you are asking for, in pounds"}
        _commit_after_request(Response(status=200))  # the form is shown again with its error
        db.session.remove()
    assert _funders(app) == []


def test_a_successful_service_call_gives_back_what_it_returned(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):
        outcome = attempt(_Form(meta={"csrf": False}), lambda: 42)
        assert outcome and outcome.value == 42


def test_a_message_for_several_fields_or_none_lands_where_the_page_can_show_it(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):
        form = _Form(meta={"csrf": False})
        marks = put_error(form, DomainError("Two bids have the same rank", ("rank_1", "amount")))
        assert form.amount.errors == ["Two bids have the same rank"]
        assert marks == {"rank_1": "Two bids have the same rank", "amount": "Two bids have the same rank"}
        put_error(form, DomainError("Voting has closed"))
        assert form.form_errors == ["Voting has closed"]
