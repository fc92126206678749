"""The registry of audit actions: the chain refuses any other, and every action the code records is in it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grants.audit.chain import record_event
from grants.audit.events import REGISTRY, UnknownAction, action_words, history_words
from grants.models import AuditEvent, Award

GRANTS = Path(__file__).resolve().parents[2] / "grants"


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _literals(node: ast.expr) -> Iterator[str] | None:
    """The action names an argument can be: a string, or a choice between strings (`"a" if new else "b"`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return iter([node.value])
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        if body is None or orelse is None:
            return None
        return iter([*body, *orelse])
    return None


def recorded_actions() -> tuple[dict[str, list[str]], list[str]]:
    """Every action passed to `record_event` in grants/, directly or through a module's own wrapper
    (`_audit(session, "bid.submitted", ...)`) or a local variable (`action = "ballot.cast"`), with where.
    Also returns the calls whose action could not be read, so a new kind of call cannot slip past."""
    found: dict[str, list[str]] = {}
    unreadable: list[str] = []
    # A wrapper defined in one module may be called from another (`audit_bid`, `log_round_event`), so first find
    # every wrapper in grants/, then read every call.
    wrappers: dict[str, int] = {"record_event": 1}
    modules: list[tuple[str, dict[ast.AST, dict[str, list[str]]]]] = []
    functions: list[tuple[ast.FunctionDef, list[str], dict[str, list[str]]]] = []
    for path in sorted(GRANTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(GRANTS.parent))
        local_actions: dict[ast.AST, dict[str, list[str]]] = {}
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            params = [a.arg for a in func.args.args]
            assigned: dict[str, list[str]] = {}
            for node in ast.walk(func):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    names = _literals(node.value)
                    if names is not None:
                        assigned.setdefault(node.targets[0].id, []).extend(names)
            local_actions[func] = assigned
            functions.append((func, params, assigned))
        modules.append((where, local_actions))
    # A wrapper may call another wrapper (`_payment_event` -> `record_award_event` -> `record_event`): grow the
    # set until no function passes one of its own parameters on as the action of a known wrapper.
    grown = True
    while grown:
        grown = False
        for func, params, assigned in functions:
            if func.name in wrappers:
                continue
            for node in ast.walk(func):
                name = _call_name(node) if isinstance(node, ast.Call) else None
                if name in wrappers and isinstance(node, ast.Call) and len(node.args) > wrappers[name or ""]:
                    arg = node.args[wrappers[name or ""]]
                    if isinstance(arg, ast.Name) and arg.id in params and arg.id not in assigned:
                        wrappers[func.name] = params.index(arg.id)
                        grown = True
                        break
    for where, local_actions in modules:
        for func, assigned in local_actions.items():
            for node in ast.walk(func):
                if not isinstance(node, ast.Call) or _call_name(node) not in wrappers:
                    continue
                position = wrappers[_call_name(node) or ""]
                if len(node.args) <= position:
                    unreadable.append(f"{where}:{node.lineno}")
                    continue
                arg = node.args[position]
                names = _literals(arg)
                if names is None and isinstance(arg, ast.Name):
                    if arg.id in assigned:
                        names = iter(assigned[arg.id])
                    elif isinstance(func, ast.FunctionDef) and func.name in wrappers:
                        continue  # the wrapper passing its own parameter on
                if names is None:
                    unreadable.append(f"{where}:{node.lineno}")
                    continue
                for name in names:
                    found.setdefault(name, []).append(f"{where}:{node.lineno}")
    return found, unreadable


def test_every_action_recorded_in_the_code_is_registered() -> None:
    found, unreadable = recorded_actions()
    assert unreadable == [], "record_event calls whose action is not a string the test can read"
    assert len(found) > 40  # the scan really reads the services (awards, bids, panel, reports, ...)
    missing = {name: places for name, places in found.items() if name not in REGISTRY}
    assert missing == {}


def test_every_registered_action_is_recorded_somewhere() -> None:
    found, _ = recorded_actions()
    assert sorted(set(REGISTRY) - set(found)) == []


def test_record_event_refuses_an_action_not_in_the_registry(session: Session) -> None:
    with pytest.raises(UnknownAction, match=r"panel\.member_added"):
        record_event(session, "panel.member_added", about=1)
    with pytest.raises(UnknownAction, match="about a bid, not an Award"):
        record_event(session, "bid.submitted", about=Award(id=1))
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_sign_ins_cannot_be_written_into_the_decision_chain(session: Session) -> None:
    # Anyone on the internet can fail to sign in; such rows belong in the prunable security log, never the chain.
    for action in ("auth.sign_in_failed", "auth.signed_in", "account.registered"):
        with pytest.raises(UnknownAction):
            record_event(session, action, about=1)
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_the_trail_and_the_bid_history_word_actions_from_the_registry() -> None:
    assert action_words("bid.submitted") == "Bid submitted to the funder"
    assert history_words("bid.submitted", {}) == "Sent to the funder"
    assert history_words("bid.created", {"on_behalf": True}) == "Started by staff on behalf of the group"
    assert history_words("bid.screened", {"outcome": "ineligible", "previous": "eligible"}) == (
        "Screening changed: marked not eligible (was eligible)"
    )
    assert history_words("decision.departed", {}) == "Departed"
    # An action no longer recorded, read from an old chain, still reads sensibly.
    assert action_words("bid.budget_updated") == "Bid budget updated"
    assert history_words("bid.budget_updated", {}) == "Budget updated"
    assert all(entry.realm == name.partition(".")[0] for name, entry in REGISTRY.items())
