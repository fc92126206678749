"""The layers hold: low-level modules load no pages, and services do not reach into the web layer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

GRANTS = Path(__file__).resolve().parents[1] / "grants"
# Modules that hold rules and reads: they take what they need as arguments, never from the request.
SERVICE_MODULES = sorted(
    p
    for p in GRANTS.rglob("*.py")
    if p.stem.endswith(("services", "queries"))
    or p.stem in {"rules", "audience", "chain", "trail", "threesixty", "invitations"}
)
WEB_ONLY_NAMES = {"request", "url_for", "render_template", "flash", "redirect", "session", "g"}
# Page addresses are the web layer's: a service that emails a link passes the token; the email template builds it.
ENDPOINT_BUILDERS = {"url_for", "absolute_url"}


@pytest.mark.parametrize("module", ["grants.audit.chain", "grants.tally", "grants.models", "grants.bids.services"])
def test_importing_a_low_level_module_loads_no_route_module(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "print(sorted(m for m in sys.modules if m.startswith('grants.') and m.rsplit('.', 1)[-1].endswith('routes')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=GRANTS.parent)  # noqa: S603
    assert out.stdout.strip() == "[]"


def test_services_and_queries_take_nothing_from_the_request_or_the_pages() -> None:
    assert SERVICE_MODULES, "no service modules found"
    found = []
    for path in SERVICE_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                found += [f"{path.relative_to(GRANTS)}: {a.name}" for a in node.names if a.name in WEB_ONLY_NAMES]
    assert found == []


def test_services_and_queries_know_no_page_addresses() -> None:
    found = []
    for path in SERVICE_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in {"flask", "grants.mail"}:
                found += [f"{path.relative_to(GRANTS)}: {a.name}" for a in node.names if a.name in ENDPOINT_BUILDERS]
    assert found == []
