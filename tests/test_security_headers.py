"""Security headers on every response (grants/security_headers.py), and no inline code the policy would block.

The access matrix (tests/access/test_matrix.py) checks the headers and the rendered HTML of every route as every
persona; these tests cover what it does not reach: the templates themselves, HSTS in production, the nonce, error
pages and static files.
"""

from __future__ import annotations

import base64
import re
import secrets
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grants.config import load_config
from tests.support.security import csp_nonce, header_problems, inline_code_problems, parse_csp

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
NONCED = 'nonce="{{ csp_nonce() }}"'


def _templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*.html"))


def _blocked(line: str) -> list[str]:
    """What in one line of a template the policy would block."""
    found = []
    if re.search(r"\sstyle\s*=", line) or re.search(r"[\"']style[\"']\s*:", line):
        found.append("style attribute")
    if re.search(r"\son[a-z]+\s*=", line, re.IGNORECASE) or re.search(r"=\s*[\"']?\s*javascript:", line, re.I):
        found.append("inline event handler or javascript: link")
    for tag in re.findall(r"<(?:style|script)\b[^>]*>", line, re.IGNORECASE):
        if "src=" not in tag and NONCED not in tag:
            found.append(f"inline {tag} without {NONCED}")
    return found


def test_no_template_holds_an_inline_style_a_handler_or_a_script_without_the_nonce() -> None:
    """What the CSP would block, in the template source (also in pages no test renders)."""
    found = [
        f"{problem}: {path.relative_to(TEMPLATES)}:{number}: {line.strip()[:120]}"
        for path in _templates()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for problem in _blocked(line)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        '<div class="x" style="color: red">',
        '{{ govukTag({"attributes": {"style": "max-width: none"}}) }}',
        '<button onclick="go()">',
        '<a href="javascript:go()">',
        "<style>",
        '<script type="module">',
        '<script nonce="abc">',
    ],
)
def test_the_template_check_sees_what_it_looks_for(line: str) -> None:
    assert _blocked(line)


@pytest.mark.parametrize(
    "line",
    [
        "<script type=\"module\" src=\"{{ url_for('static', filename='js/app.js') }}\"></script>",
        f"<style {NONCED}>",
        '<p class="app-secondary-text">Recused</p>',
    ],
)
def test_the_template_check_lets_through_what_the_policy_allows(line: str) -> None:
    assert _blocked(line) == []


def test_every_page_names_a_fresh_nonce_and_its_only_inline_script_carries_it(client: FlaskClient) -> None:
    first, second = client.get("/"), client.get("/")
    assert csp_nonce(first) and csp_nonce(second)
    assert csp_nonce(first) != csp_nonce(second)
    assert f'<script nonce="{csp_nonce(first)}">document.body.className' in first.text
    assert inline_code_problems(first) == []
    assert header_problems(first, signed_in=False) == []


def test_a_page_script_that_lost_its_nonce_would_be_caught(client: FlaskClient) -> None:
    response = client.get("/")
    response.set_data(response.get_data(as_text=True).replace(f' nonce="{csp_nonce(response)}"', ""))
    assert any("inline <script>" in problem for problem in inline_code_problems(response))


def test_error_pages_and_static_files_carry_the_headers_too(client: FlaskClient) -> None:
    assert header_problems(client.get("/no-such-page"), signed_in=False) == []
    assert header_problems(client.post("/sign-in", data={"email": "\n"}), signed_in=False) == []
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert header_problems(static, signed_in=False) == []
    static.close()


def test_sign_in_and_register_pages_are_never_cached(client: FlaskClient) -> None:
    for path in ("/sign-in", "/register", "/forgotten-password"):
        assert "no-store" in client.get(path).headers["Cache-Control"], path


def test_hsts_is_on_in_production_and_off_in_development_and_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("AUDIT_SIGNING_KEY", "a2trS2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=")
    monkeypatch.delenv("HSTS_MAX_AGE_SECONDS", raising=False)
    monkeypatch.setenv("GRANTS_ENV", "production")
    assert load_config()["HSTS_MAX_AGE_SECONDS"] >= 365 * 24 * 3600
    monkeypatch.setenv("GRANTS_ENV", "development")
    assert load_config()["HSTS_MAX_AGE_SECONDS"] == 0
    monkeypatch.setenv("GRANTS_ENV", "production")
    assert load_config({"TESTING": True})["HSTS_MAX_AGE_SECONDS"] == 0


def test_production_settings_send_hsts_for_a_year_with_subdomains(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header as production's own settings make it (not a value the test chose)."""
    monkeypatch.setenv("GRANTS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("AUDIT_SIGNING_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    monkeypatch.delenv("HSTS_MAX_AGE_SECONDS", raising=False)
    app.config["HSTS_MAX_AGE_SECONDS"] = load_config()["HSTS_MAX_AGE_SECONDS"]
    response = client.get("/sign-in", base_url="https://localhost")
    hsts = response.headers["Strict-Transport-Security"]
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts), hsts
    assert int(hsts.split(";")[0].removeprefix("max-age=")) >= 31536000
    assert header_problems(response, signed_in=False, production=True) == []


def test_the_policy_allows_no_base_element_and_no_plugins(client: FlaskClient) -> None:
    directives = parse_csp(client.get("/").headers["Content-Security-Policy"])
    assert directives["base-uri"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


class TestInProduction:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"HSTS_MAX_AGE_SECONDS": 365 * 24 * 3600}  # as load_config gives production

    def test_every_response_carries_hsts(self, client: FlaskClient) -> None:
        for response in (client.get("/"), client.get("/sign-in"), client.get("/no-such-page")):
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
            assert header_problems(response, signed_in=False, production=True) == []
