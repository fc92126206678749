"""What every template can use: navigation for the signed-in person's roles, money and time formatting."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, request, url_for
from flask_login import current_user

from grants.money import format_pounds
from grants.timefmt import london_date, london_time


def nav_items() -> list[dict[str, Any]]:
    """Header navigation: one link per area the signed-in person may use (worked out once per request)."""
    from grants.home.navigation import home_links

    if not has_request_context() or not current_user.is_authenticated:
        return []
    cached: list[dict[str, Any]] | None = g.get("_nav_items")
    if cached is not None:
        return cached
    items = []
    for text, endpoint in home_links(current_user):
        href = url_for(endpoint)
        items.append({"text": text, "href": href, "active": request.path.startswith(href)})
    g._nav_items = items
    return items


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(format_pounds, "pounds")
    app.add_template_filter(london_time, "london_time")
    app.add_template_filter(london_date, "london_date")

    @app.context_processor
    def _inject() -> dict[str, Any]:
        return {"nav_items": nav_items(), "product_name": app.config["PRODUCT_NAME"]}
