"""The headers every response carries, so that a browser holds the pages to what they are: our own scripts and
styles only, never inside another site's frame, no referrer or powerful feature handed out, and nothing personal
kept in a cache.

One `after_request` sets them all (`register_security_headers`, called by the factory). The Content-Security-Policy
allows scripts and styles only from this site's own files, with no 'unsafe-inline': a script or style that must
sit in the page (GOV.UK Frontend's one-line "js-enabled" script, the styles inside the downloadable learning
summary) carries this request's nonce, from the template global `csp_nonce()`.

Part of the web layer; nothing below it imports this.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

# Pages a signed-out visitor may have kept by a browser or a shared cache: public pages with no form and nothing
# personal in them. Every other response, and every response to someone signed in, is `no-store`.
CACHEABLE_WHEN_SIGNED_OUT = frozenset(
    {
        "static",
        "public.index",
        "public.accessibility",
        "public.privacy",
        "rounds.open_rounds",
        "rounds.public_round",
        "transparency.funder",
        "transparency.download",
    }
)
# Static files are the same for everyone and hold nothing personal: they keep their own caching.
OWN_CACHING = frozenset({"static"})

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

_NONCE = "_csp_nonce"


def csp_nonce() -> str:
    """This request's nonce, for a `<script>` or `<style>` that must sit in the page (`nonce="{{ csp_nonce() }}"`).

    Made on first use; the response's policy names it only if the page asked for it.
    """
    nonce: str | None = g.get(_NONCE)
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        setattr(g, _NONCE, nonce)
    return nonce


def content_security_policy(nonce: str | None) -> str:
    """The policy, with `nonce` allowed for inline scripts and styles when the page used one."""
    own = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    directives = {
        "default-src": "'self'",
        "script-src": own,
        "style-src": own,
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'none'",  # no page needs a <base>; an injected one could not redirect relative links
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _signed_in() -> bool:
    try:
        return bool(current_user.is_authenticated)
    except Exception:  # never let a header turn a page into an error (e.g. the database went away mid-request)
        current_app.logger.exception("Could not tell who is signed in while setting the cache headers")
        return True  # the safe answer: keep it out of every cache


def _add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.update(FIXED_HEADERS)
    headers["Content-Security-Policy"] = content_security_policy(g.get(_NONCE))
    max_age = current_app.config.get("HSTS_MAX_AGE_SECONDS") or 0
    if max_age > 0:
        # includeSubDomains: no host under ours can be reached over plain HTTP either (and set cookies for it).
        headers["Strict-Transport-Security"] = f"max-age={int(max_age)}; includeSubDomains"
    endpoint = request.endpoint or ""
    personal = endpoint not in OWN_CACHING and (endpoint not in CACHEABLE_WHEN_SIGNED_OUT or _signed_in())
    if personal and "no-store" not in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = "no-store"
    return response


def register_security_headers(app: Flask) -> None:
    """Put the headers on every response, and `csp_nonce()` in every template.

    Register after the commit path: Flask runs `after_request` functions last-registered first, so the headers
    are set (and the signed-in person looked up, if no view did) inside the request's own transaction.
    """
    app.add_template_global(csp_nonce, "csp_nonce")
    app.after_request(_add_security_headers)
