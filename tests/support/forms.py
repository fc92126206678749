"""Posting a one-use form (grants.forms_fields.OneUseForm) as a browser would: with a fresh token each time."""

from __future__ import annotations

import re
from typing import Any

from grants.idempotency import new_form_token
from grants.models.base import utcnow

_TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"|name="form_token" value="([^"]+)"')


def once(data: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """Form data with a token of its own, as a page drawn for this one post would carry."""
    return {**(data or {}), **fields, "form_token": new_form_token(utcnow())}


def token_on(page: str) -> str:
    """The one-use token of the (first) form on a page, to send that same form twice."""
    match = _TOKEN.search(page)
    assert match is not None, "no one-use form on the page"
    return match.group(1) or match.group(2)
