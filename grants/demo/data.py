"""The demo's story as data (demo.toml beside this module), and the few conversions it needs."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any

Spec = dict[str, Any]

DEMO: Spec = tomllib.loads(files("grants.demo").joinpath("demo.toml").read_text(encoding="utf-8"))
DEMO_PASSWORD: str = DEMO["password"]
DEMO_TWO_FACTOR_SECRET: str = DEMO["two_factor_secret"]


def pence(pounds: int) -> int:
    return pounds * 100


def pounds_text(pounds: int) -> str:
    """An amount as a person types it on the amount page ("1200")."""
    return str(pounds)


def days_from(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days)


def logins() -> list[tuple[str, str]]:
    """(role, email) for each demo login, in the order they are printed."""
    return [
        ("Site admin", DEMO["admin"]["email"]),
        ("Funder staff", DEMO["staff"]["email"]),
        ("Funder staff (confirms decisions)", DEMO["colleague"]["email"]),
        ("Auditor", DEMO["auditor"]["email"]),
        *[(f"Applicant ({g['name']})", g["email"]) for g in DEMO["groups"] if g.get("email")],
        *[("Panellist", p["email"]) for p in DEMO["panellists"]],
    ]
