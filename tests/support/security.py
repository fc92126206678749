"""What every response must carry (grants/security_headers.py), and what no page may hold: checked on every answer
of the access matrix (tests/access/test_matrix.py) and by tests/test_security_headers.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from werkzeug.test import TestResponse

FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Each directive's sources, but the nonce (checked apart).
CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
FEATURES_TURNED_OFF = ("camera", "microphone", "geolocation", "payment", "usb")
NONCE = re.compile(r"^'nonce-([A-Za-z0-9_-]{16,})'$")


def parse_csp(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        if part.strip():
            name, *sources = part.split()
            directives[name] = sources
    return directives


def csp_nonce(response: TestResponse) -> str | None:
    """The nonce the response's policy allows (the same for scripts and styles), or None."""
    found = {
        match.group(1)
        for name in ("script-src", "style-src")
        for source in parse_csp(response.headers.get("Content-Security-Policy", "")).get(name, [])
        if (match := NONCE.match(source))
    }
    assert len(found) <= 1, f"more than one nonce: {found}"
    return found.pop() if found else None


def has_post_form(response: TestResponse) -> bool:
    return response.mimetype == "text/html" and bool(
        re.search(r"<form\b[^>]*\bmethod=\"post\"", response.get_data(as_text=True), re.IGNORECASE)
    )


def header_problems(response: TestResponse, *, signed_in: bool, production: bool = False) -> list[str]:
    """Every way the response's security headers fall short; [] when they are all there."""
    problems = []
    headers = response.headers
    for name, value in FIXED.items():
        if headers.get(name) != value:
            problems.append(f"{name} is {headers.get(name)!r}, not {value!r}")
    policy = headers.get("Content-Security-Policy")
    if not policy:
        problems.append("no Content-Security-Policy")
    else:
        directives = parse_csp(policy)
        for name, sources in CSP.items():
            got = {source for source in directives.get(name, []) if not NONCE.match(source)}
            if got != sources:
                problems.append(f"CSP {name} is {sorted(got)}, not {sorted(sources)}")
        if "'unsafe-inline'" in policy or "'unsafe-eval'" in policy:
            problems.append(f"CSP allows unsafe sources: {policy}")
    permissions = headers.get("Permissions-Policy", "")
    for feature in FEATURES_TURNED_OFF:
        if f"{feature}=()" not in permissions:
            problems.append(f"Permissions-Policy does not turn off {feature}: {permissions!r}")
    hsts = headers.get("Strict-Transport-Security")
    # At least a year (ASVS V3.4.1), and for every host under ours too.
    max_age = re.match(r"max-age=(\d+); includeSubDomains$", hsts or "")
    if production and not (max_age and int(max_age.group(1)) >= 365 * 24 * 3600):
        problems.append(f"Strict-Transport-Security is {hsts!r} in production")
    if not production and hsts:
        problems.append(f"Strict-Transport-Security is sent outside production: {hsts!r}")
    if (signed_in or has_post_form(response)) and "no-store" not in headers.get("Cache-Control", ""):
        why = "to someone signed in" if signed_in else "on a page with a form"
        problems.append(f"Cache-Control is {headers.get('Cache-Control')!r} {why}, not no-store")
    return problems


class _InlineCode(HTMLParser):
    """Finds style attributes, event-handler attributes, javascript: links, and inline scripts and styles whose
    nonce is not the response's."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            script_link = name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            )
            if name == "style" or name.startswith("on") or script_link:
                self.problems.append(f"<{tag} {name}={value!r}>")
        inline = tag == "style" or (tag == "script" and not named.get("src"))
        if inline and (self.nonce is None or named.get("nonce") != self.nonce):
            self.problems.append(f"inline <{tag}> without this response's nonce (nonce={named.get('nonce')!r})")


def inline_code_problems(response: TestResponse) -> list[str]:
    """Everything in an HTML response that the Content-Security-Policy would block; [] for a clean page."""
    if response.mimetype != "text/html":
        return []
    parser = _InlineCode(csp_nonce(response))
    parser.feed(response.get_data(as_text=True))
    parser.close()
    return parser.problems


def without_nonce(page: str) -> str:
    """A page with its per-response CSP nonces blanked, to compare two answers that must be the same."""
    return re.sub(r'nonce="[^"]*"', 'nonce=""', page)
