"""Which chain an audit event belongs in: the funder its object belongs to, found by following the registry's
hops (grants.audit.events.OWNERS), or the installation's chain for an object that belongs to no funder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grants.audit.events import FUNDER, OWNED_THROUGH_FACTS, OWNERS, Action, UnknownAction
from grants.database import DbSession
from grants.models import (
    Award,
    Ballot,
    Base,
    Bid,
    ConflictDeclaration,
    DecisionProposal,
    DeliberationNote,
    Funder,
    Group,
    Invitation,
    PanelMember,
    Report,
    Round,
    Score,
    Theme,
    User,
)

MODELS: dict[str, type[Base]] = {
    FUNDER: Funder,
    "round": Round,
    "theme": Theme,
    "bid": Bid,
    "award": Award,
    "report": Report,
    "panel_member": PanelMember,
    "conflict_declaration": ConflictDeclaration,
    "score": Score,
    "deliberation_note": DeliberationNote,
    "ballot": Ballot,
    "decision_proposal": DecisionProposal,
    "invitation": Invitation,
    "group": Group,
    OWNED_THROUGH_FACTS: User,
}


def check_about(action: Action, about: object) -> None:
    """Refuse an event about an object of another kind than its action is registered for (a programming error)."""
    if about is None or isinstance(about, int):
        return
    if not isinstance(about, MODELS[action.object_type]):
        kind = type(about).__name__
        article = "an" if kind[0] in "AEIOU" else "a"
        raise UnknownAction(f"{action.name!r} is recorded about a {action.object_type}, not {article} {kind}")


def _find(session: DbSession, object_type: str, object_id: int) -> Any:
    found = session.get(MODELS[object_type], object_id)
    if found is None:
        raise UnknownAction(f"an audit event names {object_type} {object_id}, which does not exist")
    return found


def owning_funder(
    session: DbSession, object_type: str | None, object_id: int | None, facts: Mapping[str, Any]
) -> int | None:
    """The id of the funder whose chain an event about this object goes in; None for the installation's chain."""
    if object_type is None or object_id is None:
        return None
    if object_type == OWNED_THROUGH_FACTS:
        funder_id = facts.get("funder_id")
        return funder_id if isinstance(funder_id, int) and not isinstance(funder_id, bool) else None
    kind, obj = object_type, _find(session, object_type, object_id)
    while kind != FUNDER:
        for hop in OWNERS[kind]:
            next_id = getattr(obj, hop.column)
            if next_id is not None:
                kind, obj = hop.to, _find(session, hop.to, next_id)
                break
        else:
            return None
    return int(obj.id)
