"""Conflict declarations and recusal: a panellist says for each of the panel's bids whether they have a conflict
of interest, and the platform records the recusals it makes itself (the panellist belongs to the bidding group).

A conflict recuses the panellist from the bid; scores they had already given it stay in the database but no
longer count (the tally leaves out every recused panellist's scores and votes). An own group's bid needs no row
to be recused (`grants.panel.rules` works it out when read); the row that records it, and its audit event, are
written here at the panellist's next write in the round, never by opening a page.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Bid, ConflictDeclaration, ConflictKind, Round, RoundStatus, Score, User
from grants.panel import rules
from grants.panel.services.seats import PANELLIST, STAFF, lock_round, lock_seat, seat_or_refuse

MAX_DECLARATION_NOTE = 500
SYSTEM_RECUSAL_NOTE = "You are a member of this group"
CONFLICT_NOTE_REQUIRED = "Say in a few words what your conflict with {group} is"
CONFLICT_NOTE_TOO_LONG = f"Keep your note to {MAX_DECLARATION_NOTE} characters or fewer"
WITHDRAWAL_REASON_REQUIRED = (
    "You declared a conflict with {group}. To withdraw it, say why: the panel's chair and the funder's staff will"
    " see your reason"
)
WITHDRAWAL_REASON_TOO_LONG = f"Keep your reason to {MAX_DECLARATION_NOTE} characters or fewer"


class DeclarationWindow(enum.Enum):
    """What a panellist may do with their declarations at this moment."""

    OPEN = "open"  # declare and change freely (before scoring closes)
    CONFLICTS_ONLY = "conflicts_only"  # scoring has closed: a new conflict may still be declared, none withdrawn
    FROZEN = "frozen"  # voting has closed or the round is decided


def declaration_window(round_: Round, now: datetime) -> DeclarationWindow:
    """Declarations change freely until scoring closes. Until voting closes a panellist may still declare a
    conflict they have only just realised (it excludes their scores and vote for that bid), but not withdraw
    one, which would bring back scores and a vote for a bid they said they were conflicted on. Once voting has
    closed or the round is decided, declarations are frozen like every other input to the tally."""
    if round_.is_decided or (round_.status == RoundStatus.VOTING and not rules.voting_open(round_, now)):
        return DeclarationWindow.FROZEN
    if rules.scoring_closed(round_, now):
        return DeclarationWindow.CONFLICTS_ONLY
    return DeclarationWindow.OPEN


# --- the platform's own recusals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemRecusal:
    """A recusal the platform recorded because the panellist belongs to the bidding group."""

    bid: Bid
    excluded_scores: int  # scores they had already given the bid, kept but no longer counted


def _score_count(session: DbSession, user_id: int, bid_id: int) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count()).select_from(Score).where(Score.user_id == user_id, Score.bid_id == bid_id)
        )
        or 0
    )


def _declaration_event(
    session: DbSession,
    action: str,
    declaration: ConflictDeclaration,
    *,
    actor_id: int | None,
    role: str = PANELLIST,
    **extra: Any,
) -> None:
    record_event(
        session,
        action,
        by=actor_id,
        role="system" if declaration.by_system else role,
        about=declaration,
        facts={
            "round_id": declaration.round_id,
            "bid_id": declaration.bid_id,
            "kind": declaration.kind.value,
            "by_system": declaration.by_system,
            **extra,
        },
    )


def record_own_group_recusals(session: DbSession, *, round_: Round, user_id: int) -> list[SystemRecusal]:
    """Record an organisational conflict (by the system) for each of the panel's bids from a group this panellist
    belongs to, replacing whatever they had declared for it. Returns the recusals newly recorded (none when each
    is recorded already, so every write by the panellist can call it for a read or two)."""
    seat = seat_or_refuse(session, round_, user_id)
    bids = rules.own_group_panel_bids(session, round_, user_id)
    if not bids:
        return []
    lock_seat(session, seat)
    existing = rules.declarations(session, round_.id, user_id)
    made: list[SystemRecusal] = []
    for bid in bids:
        declaration = existing.get(bid.id)
        if declaration is not None and declaration.by_system:
            continue
        was_recused = declaration is not None and declaration.recused
        new = declaration is None
        if declaration is None:
            declaration = ConflictDeclaration(round_id=round_.id, user_id=user_id, bid_id=bid.id)
            session.add(declaration)
        declaration.kind = ConflictKind.ORGANISATIONAL
        declaration.by_system = True
        declaration.note = SYSTEM_RECUSAL_NOTE
        session.flush()
        _declaration_event(session, "conflict.declared" if new else "conflict.changed", declaration, actor_id=None)
        made.append(SystemRecusal(bid, 0 if was_recused else _score_count(session, user_id, bid.id)))
    return made


# --- the panellist's declarations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationChoice:
    """What the panellist chose for one bid."""

    bid_id: int
    kind: ConflictKind
    note: str = ""
    withdrawal_reason: str = ""  # needed to take back a declared conflict


@dataclass(frozen=True)
class DeclarationResult:
    bid: Bid
    declaration: ConflictDeclaration
    changed: bool  # False when the same answer was sent again
    excluded_scores: int  # scores they had given the bid that this new conflict excludes


@dataclass(frozen=True)
class Declared:
    """What saving the declarations did: each answer given, and the platform's recusals recorded with them."""

    answers: list[DeclarationResult]
    system_recusals: list[SystemRecusal]


def _check_note(note: str, *, bid: Bid, field: str) -> None:
    if not note.strip():
        raise DomainError(CONFLICT_NOTE_REQUIRED.format(group=bid.group.name), field)
    if len(note.strip()) > MAX_DECLARATION_NOTE:
        raise DomainError(CONFLICT_NOTE_TOO_LONG, field)


def _check_choice(
    choice: DeclarationChoice,
    *,
    bid: Bid | None,
    existing: ConflictDeclaration | None,
    window: DeclarationWindow,
) -> None:
    kind_field, note_field = f"kind_{choice.bid_id}", f"note_{choice.bid_id}"
    if bid is None:
        raise DomainError("One of the bids is no longer with the panel. Reload the page and try again.", kind_field)
    if existing is not None and existing.by_system:
        raise DomainError(
            f"You are a member of {bid.group.name}, so you will not score or vote on its bid. This cannot be changed.",
            kind_field,
        )
    if choice.kind != ConflictKind.NONE:
        _check_note(choice.note, bid=bid, field=note_field)
    withdrawing = existing is not None and existing.recused and choice.kind == ConflictKind.NONE
    if window == DeclarationWindow.CONFLICTS_ONLY and withdrawing:
        raise DomainError(
            f"Scoring has closed, so your conflict with {bid.group.name} can no longer be withdrawn. If it was a"
            " mistake, tell the funder's staff.",
            kind_field,
        )
    if withdrawing:
        # Taking back a conflict lets the panellist score and vote for the bid again: it needs a reason, which
        # the chair and staff see on the panel's progress page and the chain records (as a hash).
        reason_field = f"withdrawal_{choice.bid_id}"
        if not choice.withdrawal_reason.strip():
            raise DomainError(WITHDRAWAL_REASON_REQUIRED.format(group=bid.group.name), reason_field)
        if len(choice.withdrawal_reason.strip()) > MAX_DECLARATION_NOTE:
            raise DomainError(WITHDRAWAL_REASON_TOO_LONG, reason_field)


def save_declarations(
    session: DbSession,
    *,
    round_: Round,
    user: User,
    choices: Sequence[DeclarationChoice],
    now: datetime,
) -> Declared:
    """Record or change the panellist's declarations for some of the panel's bids, all or none, while the window
    at `now` allows; their own groups' recusals are recorded first."""
    lock_round(session, round_)
    seat = seat_or_refuse(session, round_, user.id)
    if seat.conduct_accepted_at is None:
        raise DomainError("Read and agree to the code of conduct before you declare conflicts.")
    window = declaration_window(round_, now)
    if window == DeclarationWindow.FROZEN:
        raise DomainError("Declarations for this round are closed, so nothing was changed.")
    lock_seat(session, seat)
    made = record_own_group_recusals(session, round_=round_, user_id=user.id)
    bids = {bid.id: bid for bid in rules.panel_bids(session, round_)}
    existing = rules.declarations(session, round_.id, user.id)
    for choice in choices:
        _check_choice(choice, bid=bids.get(choice.bid_id), existing=existing.get(choice.bid_id), window=window)

    results: list[DeclarationResult] = []
    for choice in choices:
        bid = bids[choice.bid_id]
        note = choice.note.strip() if choice.kind != ConflictKind.NONE else ""
        declaration = existing.get(bid.id)
        if declaration is not None and declaration.kind == choice.kind and declaration.note == note:
            results.append(DeclarationResult(bid, declaration, changed=False, excluded_scores=0))
            continue
        was_recused = declaration is not None and declaration.recused
        new = declaration is None
        if declaration is None:
            declaration = ConflictDeclaration(round_id=round_.id, user_id=user.id, bid_id=bid.id, by_system=False)
            session.add(declaration)
        withdrawn_kind = declaration.kind if was_recused and choice.kind == ConflictKind.NONE else None
        declaration.kind = choice.kind
        declaration.note = note
        if withdrawn_kind is not None:
            declaration.withdrawn_at = now
            declaration.withdrawal_reason = choice.withdrawal_reason.strip()
        session.flush()
        if withdrawn_kind is not None:
            # The reason is free text: it stays on the declaration, the chain holds its hash.
            reason_sha256 = hashlib.sha256(declaration.withdrawal_reason.encode("utf-8")).hexdigest()
            _declaration_event(
                session,
                "conflict.withdrawn",
                declaration,
                actor_id=user.id,
                withdrawn_kind=withdrawn_kind.value,
                reason_sha256=reason_sha256,
            )
        else:
            _declaration_event(
                session, "conflict.declared" if new else "conflict.changed", declaration, actor_id=user.id
            )
        excluded = _score_count(session, user.id, bid.id) if declaration.recused and not was_recused else 0
        results.append(DeclarationResult(bid, declaration, changed=True, excluded_scores=excluded))
    return Declared(results, made)


# --- staff's declarations ------------------------------------------------------------------------------------------


def declare_staff_conflict(session: DbSession, *, bid: Bid, actor: User, kind: ConflictKind, note: str) -> None:
    """A member of the funder's staff declares a conflict with a bid, at any stage: from then on another member of
    staff acts on it (`grants.auth.permissions.duties`). It is not withdrawn by the one who declared it: a conflict
    declared by mistake only means a colleague does that bid's work. Their own groups' bids need no declaration."""
    session.refresh(bid, with_for_update=True)  # two clicks at once: the second sees the first's row
    if kind == ConflictKind.NONE:
        raise DomainError("Choose what kind of conflict you have with this bid", "kind")
    if bid.group_id in rules.user_group_ids(session, actor.id):
        raise DomainError(
            f"You are a member of {bid.group.name}, so you are treated as conflicted on its bid already", "kind"
        )
    if rules.seat(session, bid.round_id, actor.id) is not None:
        raise DomainError("You sit on this round's panel: declare your conflicts on the panel's pages", "kind")
    _check_note(note, bid=bid, field="note")
    existing = session.scalar(
        sa.select(ConflictDeclaration).where(
            ConflictDeclaration.user_id == actor.id, ConflictDeclaration.bid_id == bid.id
        )
    )
    if existing is not None and existing.recused:
        raise DomainError("You have already declared a conflict with this bid", "kind")
    declaration = existing or ConflictDeclaration(round_id=bid.round_id, user_id=actor.id, bid_id=bid.id)
    declaration.kind, declaration.note, declaration.by_system = kind, note.strip(), False
    session.add(declaration)
    session.flush()
    _declaration_event(
        session,
        "conflict.declared" if existing is None else "conflict.changed",
        declaration,
        actor_id=actor.id,
        role=STAFF,
    )
