"""The look and feel as people meet it: our brand not GOV.UK's, the public pages, and friendly error pages."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, abort, render_template_string, request
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from werkzeug.routing import UnicodeConverter
from wtforms import StringField
from wtforms.validators import InputRequired

from grants import create_app
from grants.config import PROJECT_ROOT

BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SQLALCHEMY_DATABASE_URI": "sqlite:///:memory:",
    "WTF_CSRF_ENABLED": False,
}


class NameForm(FlaskForm):
    """A one-question form for the tests."""

    name = StringField("Your name", validators=[InputRequired("Enter your name")])


class SignedInPerson:
    """Just enough of a signed-in user for the header, without a database."""

    is_authenticated = True
    name = "Amina Okafor"


@functools.cache  # one app per set of settings: a new app compiles every template again
def _build_app(**overrides: Any) -> Flask:
    """An app with some test-only routes, registered before its first request."""
    app = create_app({**BASE_CONFIG, **overrides})

    @app.post("/_test/form")
    def _form() -> str:
        form = NameForm()
        form.validate()
        return render_template_string(
            '{% extends "base.html" %}{% block title %}Your name{% endblock %}'
            "{% block content %}<form method=post>{{ form.name }}</form>{% endblock %}",
            form=form,
        )

    @app.post("/_test/upload")
    def _upload() -> str:
        return str(len(request.form))

    @app.get("/_test/forbidden")
    def _forbidden() -> str:
        abort(403)

    # Werkzeug's own word, which may hold a line break (the app's own never does: grants/web.py::WordConverter), so
    # that such an address reaches a view that fails, and the log line about it can be checked.
    app.url_map.converters["any_word"] = UnicodeConverter

    @app.get("/_test/broken")
    @app.get("/_test/broken/<any_word:word>")
    def _broken(word: str = "") -> str:
        raise RuntimeError("boom")

    @app.get("/_test/signed-in")
    def _signed_in() -> str:
        return render_template_string(
            '{% extends "base.html" %}{% block title %}Home{% endblock %}', current_user=SignedInPerson()
        )

    return app


@pytest.fixture()
def client() -> Iterator[FlaskClient]:
    app = _build_app()
    with app.test_client() as client:
        yield client


def test_landing_page_shows_our_brand_and_nothing_of_gov_uk(client: FlaskClient) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Common Pot" in html
    assert "<title>Small grants decided by local people \u2013 Common Pot</title>" in html
    assert 'lang="en-GB"' in html
    assert "GOV.UK" not in html
    assert "Crown copyright" not in html
    assert "govuk-logo" not in html and "govuk-footer__crown" not in html and "govuk-header" not in html


def test_landing_page_invites_people_to_sign_in_or_create_an_account(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'href="/register"' in html
    assert 'href="/sign-in"' in html


def test_pages_load_the_module_script_and_our_stylesheet(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    # A file, not an inline script: the Content-Security-Policy allows no inline script without the nonce.
    assert '<script type="module" src="/static/js/app.js"></script>' in html
    app_js = client.get("/static/js/app.js")
    assert app_js.status_code == 200 and "initAll()" in app_js.get_data(as_text=True)
    assert "from '../govuk/govuk-frontend.min.js'" in app_js.get_data(as_text=True)
    assert "/static/govuk/govuk-frontend.min.css" in html and "/static/css/app.css" in html
    assert client.get("/static/govuk/govuk-frontend.min.js").status_code == 200
    assert client.get("/static/images/favicon.svg").status_code == 200


def test_footer_links_to_accessibility_and_privacy_pages(client: FlaskClient) -> None:
    footer = client.get("/").get_data(as_text=True).split('class="govuk-footer"', 1)[1]
    assert 'href="/accessibility"' in footer and 'href="/privacy"' in footer
    accessibility = client.get("/accessibility")
    privacy = client.get("/privacy")
    assert accessibility.status_code == 200 and "WCAG 2.2" in accessibility.get_data(as_text=True)
    assert privacy.status_code == 200 and "UK GDPR" in privacy.get_data(as_text=True)


def test_signed_in_person_sees_their_name_and_signs_out_with_a_post_form(client: FlaskClient) -> None:
    html = client.get("/_test/signed-in").get_data(as_text=True)
    assert "Amina Okafor" in html
    assert re.search(r'<form[^>]*method="post"[^>]*action="/sign-out"', html)
    assert 'name="csrf_token"' in html
    assert 'href="/sign-in"' not in html


def test_missing_page_gives_our_404_page(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in html and "If you typed the web address, check it is correct." in html
    assert "Common Pot" in html


def test_forbidden_page_explains_permission_and_the_refusal_is_logged(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = client.get("/_test/forbidden")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.get_data(as_text=True)
    assert [r.getMessage() for r in caplog.records] == ["Refused (403) GET '/_test/forbidden' for session user None"]


def test_a_line_break_in_the_address_cannot_forge_a_line_in_the_error_log(caplog: pytest.LogCaptureFixture) -> None:
    app = _build_app(PROPAGATE_EXCEPTIONS=False)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/_test/broken/x%0AINFO%20all%20is%20well")
    assert response.status_code == 500
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Server error")]
    assert logged == ["Server error on GET '/_test/broken/x\\nINFO all is well'"]


def test_server_error_shows_an_apology_not_a_traceback() -> None:
    app = _build_app(PROPAGATE_EXCEPTIONS=False)
    response = app.test_client().get("/_test/broken")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "boom" not in html


def test_vendored_css_has_no_gds_transport_font_or_crest() -> None:
    css = (PROJECT_ROOT / "static" / "govuk" / "govuk-frontend.min.css").read_text(encoding="utf-8")
    assert "GDS Transport" not in css
    assert "govuk-crest" not in css
    assert "url(/assets/" not in css
    assert (PROJECT_ROOT / "static" / "govuk" / "VERSION").read_text().strip() == "6.3.0"


def test_too_large_upload_shows_our_413_page_with_the_limit_and_a_way_back() -> None:
    app = _build_app(MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    response = app.test_client().post(
        "/_test/upload",
        data={"file": "x" * (3 * 1024 * 1024)},
        headers={"Referer": "http://evil.example/page"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The file is too large" in html and "2 MB" in html
    assert 'href="/"' in html and "evil.example" not in html


def test_expired_form_shows_our_400_page_and_changes_nothing() -> None:
    app = _build_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/_test/form", data={"name": "Amina"}, headers={"Referer": "http://localhost/x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This form has expired" in html and "Nothing was changed." in html
    assert 'href="http://localhost/x"' in html


def test_form_errors_get_a_summary_linking_to_each_field_and_an_error_title(client: FlaskClient) -> None:
    html = client.post("/_test/form", data={}).get_data(as_text=True)
    assert "<title>Error: Your name \u2013 Common Pot</title>" in html
    assert "There is a problem" in html
    assert re.search(r'<a href="#name">\s*Enter your name\s*</a>', html)


def test_flashed_success_message_is_announced(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Your draft was saved."), ("info", "The round closes on Friday.")]
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'govuk-notification-banner--success"[^>]*role="alert"', html)
    assert "Your draft was saved." in html and "The round closes on Friday." in html
