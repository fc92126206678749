"""The community panel's rules in action: invitations and the chair, the code of conduct, conflict declarations
and recusal, scores, and deliberation notes.

Every function changes rows and writes its audit event in the caller's transaction; the route commits. Writes
by one panellist are serialised on their seat (a row lock on PostgreSQL; SQLite's write transaction already
excludes other writers), so a double click or a second tab finds the first request's rows and updates them
rather than adding a second: the unique constraints on declarations and scores are the backstop.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.auth import services as account_services
from grants.database import DbSession, is_postgresql
from grants.models import (
    Bid,
    ConflictDeclaration,
    ConflictKind,
    DeliberationNote,
    Invitation,
    PanelMember,
    Role,
    Round,
    RoundStatus,
    Score,
    User,
    utcnow,
)
from grants.panel import rules
from grants.timefmt import london_time

MAX_DECLARATION_NOTE = 500
MAX_COMMENT = 1000
MAX_DELIBERATION_NOTE = 5000
SCORE_VALUES = (1, 2, 3, 4, 5)
SCORE_LABELS = {1: "Poor", 2: "Weak", 3: "Fair", 4: "Good", 5: "Excellent"}
SYSTEM_RECUSAL_NOTE = "You are a member of this group"
CHAIR = "chair"
PANELLIST = Role.PANELLIST.value
STAFF = Role.STAFF.value

CONFLICT_NOTE_REQUIRED = "Say in a few words what your conflict with {group} is"
CONFLICT_NOTE_TOO_LONG = f"Keep your note to {MAX_DECLARATION_NOTE} characters or fewer"
COMMENT_TOO_LONG = f"Keep your comment to {MAX_COMMENT:,} characters or fewer"
SCORE_REQUIRED = "Choose a score from 1 to 5 for {criterion}"
NOTE_REQUIRED = "Write the note before saving it"
NOTE_TOO_LONG = f"Keep the note to {MAX_DELIBERATION_NOTE:,} characters or fewer"


class PanelError(Exception):
    """A panel rule was broken. `field` names the form field the message belongs next to (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def scoring_started(round_: Round) -> bool:
    """The round has reached scoring (open, closed or moved on): the bids can be read."""
    return round_.status.at_least(RoundStatus.SCORING)


class DeclarationWindow(enum.Enum):
    """What a panellist may do with their declarations at this moment."""

    OPEN = "open"  # declare and change freely (before scoring closes)
    CONFLICTS_ONLY = "conflicts_only"  # scoring has closed: a new conflict may still be declared, none withdrawn
    FROZEN = "frozen"  # voting has closed or the round is decided


def declaration_window(round_: Round, now: datetime | None = None) -> DeclarationWindow:
    """Declarations change freely until scoring closes. Until voting closes a panellist may still declare a
    conflict they have only just realised (it excludes their scores and vote for that bid), but not withdraw
    one, which would bring back scores and a vote for a bid they said they were conflicted on. Once voting has
    closed or the round is decided, declarations are frozen like every other input to the tally."""
    now = now or utcnow()
    if round_.is_decided or (round_.status == RoundStatus.VOTING and not rules.voting_open(round_, now)):
        return DeclarationWindow.FROZEN
    if rules.scoring_closed(round_, now):
        return DeclarationWindow.CONFLICTS_ONLY
    return DeclarationWindow.OPEN


def scoring_not_open_reason(round_: Round, now: datetime | None = None) -> str | None:
    """Why scores cannot be given or changed now, in plain words; None while scoring is open."""
    now = now or utcnow()
    if rules.scoring_open(round_, now):
        return None
    if not scoring_started(round_):
        return "Scoring has not opened yet. You can score the bids once the funder's staff open scoring."
    if round_.status == RoundStatus.SCORING and round_.scoring_closes_at is not None:
        return f"Scoring closed on {london_time(round_.scoring_closes_at)}. Scores can no longer be given or changed."
    return "Scoring has closed. Scores can no longer be given or changed."


def _lock_round(session: DbSession, round_: Round) -> None:
    # Read the round's status again under a shared lock (PostgreSQL): staff moving the round on take an exclusive
    # lock, so nothing is stored in a round that has just moved on. SQLite's write transaction already excludes it.
    if is_postgresql(session):
        session.refresh(round_, with_for_update={"read": True})


def _lock_seat(session: DbSession, seat: PanelMember) -> None:
    # One writer at a time per panellist: a second request by the same person waits here until the first has
    # committed, then finds (and updates) the rows the first stored.
    if is_postgresql(session):
        session.execute(sa.select(PanelMember.id).where(PanelMember.id == seat.id).with_for_update())


def _seat_or_error(session: DbSession, round_: Round, user_id: int) -> PanelMember:
    seat = rules.seat(session, round_.id, user_id)
    if seat is None:
        raise PanelError("You are not on this round's panel.")
    return seat


# --- membership (staff) -----------------------------------------------------------------------------------------


def pending_invitation(session: DbSession, round_: Round, email: str) -> Invitation | None:
    """A live invitation to this round's panel for this address, if there is one."""
    return session.scalar(
        sa.select(Invitation).where(
            Invitation.round_id == round_.id,
            Invitation.role == Role.PANELLIST,
            Invitation.email == account_services.normalise_email(email),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )


def invite_panellist(
    session: DbSession, *, round_: Round, email: str, invited_by: User
) -> account_services.IssuedInvitation:
    """Invite a resident onto the round's panel by a single-use, expiring link sent to their email address."""
    if round_.is_decided:
        raise PanelError("This round has been decided, so its panel can no longer change.", "email")
    existing_user = account_services.find_user_by_email(session, email)
    if existing_user is not None and rules.seat(session, round_.id, existing_user.id) is not None:
        raise PanelError(f"{account_services.normalise_email(email)} is already on this panel.", "email")
    if pending_invitation(session, round_, email) is not None:
        raise PanelError(
            f"{account_services.normalise_email(email)} has already been invited and has not answered yet."
            " Send the invitation again from the list below if they cannot find it.",
            "email",
        )
    return account_services.invite(session, email=email, role=Role.PANELLIST, round=round_, invited_by=invited_by)


def _withdraw(session: DbSession, *, invitation: Invitation, actor: User, resent: bool) -> None:
    # Lock the row and read it again, so two clicks cannot both withdraw it (and send two new links).
    session.refresh(invitation, with_for_update=True)
    if invitation.accepted_at is not None:
        raise PanelError(f"{invitation.email} has already accepted this invitation and joined the panel.")
    if invitation.revoked_at is not None:
        raise PanelError(f"The invitation to {invitation.email} has already been withdrawn.")
    invitation.revoked_at = utcnow()
    record_event(
        session,
        "invitation.revoked",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="invitation",
        object_id=invitation.id,
        facts={"round_id": invitation.round_id, "resent": resent},
    )


def resend_invitation(
    session: DbSession, *, round_: Round, invitation: Invitation, actor: User
) -> account_services.IssuedInvitation:
    """Send a new link; the old one stops working at once."""
    if round_.is_decided:
        raise PanelError("This round has been decided, so its panel can no longer change.")
    _withdraw(session, invitation=invitation, actor=actor, resent=True)
    return account_services.invite(session, email=invitation.email, role=Role.PANELLIST, round=round_, invited_by=actor)


def revoke_invitation(session: DbSession, *, invitation: Invitation, actor: User) -> None:
    """Withdraw an invitation that has not been accepted: its link stops working."""
    _withdraw(session, invitation=invitation, actor=actor, resent=False)


def appoint_chair(session: DbSession, *, member: PanelMember, actor: User) -> PanelMember | None:
    """Make a member the panel's chair; a panel has one chair, so the previous chair (returned) steps down."""
    if member.round.is_decided:
        raise PanelError("This round has been decided, so its panel can no longer change.")
    session.refresh(member, with_for_update=True)
    if member.is_chair:
        raise PanelError(f"{member.user.name} is already the chair.")
    previous = session.scalar(
        sa.select(PanelMember).where(PanelMember.round_id == member.round_id, PanelMember.is_chair.is_(True))
    )
    if previous is not None:
        previous.is_chair = False
    member.is_chair = True
    record_event(
        session,
        "panel.chair_appointed",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="panel_member",
        object_id=member.id,
        facts={
            "round_id": member.round_id,
            "member_id": member.id,
            "previous_member_id": previous.id if previous else None,
        },
    )
    return previous


# --- joining: the code of conduct and the system's own recusals ------------------------------------------------


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
    session: DbSession, declaration: ConflictDeclaration, *, new: bool, actor_id: int | None
) -> None:
    record_event(
        session,
        "conflict.declared" if new else "conflict.changed",
        actor_id=actor_id,
        actor_role="system" if declaration.by_system else PANELLIST,
        object_type="conflict_declaration",
        object_id=declaration.id,
        # The note stays on the declaration: the chain holds ids and the kind of conflict, never free text.
        facts={
            "round_id": declaration.round_id,
            "bid_id": declaration.bid_id,
            "kind": declaration.kind.value,
            "by_system": declaration.by_system,
        },
    )


def sync_system_recusals(session: DbSession, *, round_: Round, user_id: int) -> list[SystemRecusal]:
    """Record an organisational conflict (by the system) for each of the panel's bids from a group this panellist
    belongs to, replacing whatever they had declared for it. Returns the recusals newly recorded."""
    seat = _seat_or_error(session, round_, user_id)
    own = rules.own_group_bid_ids(session, round_.id, user_id)
    bids = [bid for bid in rules.panel_bids(session, round_) if bid.id in own]
    if not bids:
        return []
    _lock_seat(session, seat)
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
        _declaration_event(session, declaration, new=new, actor_id=None)
        made.append(SystemRecusal(bid, 0 if was_recused else _score_count(session, user_id, bid.id)))
    return made


def accept_code_of_conduct(session: DbSession, *, round_: Round, user: User) -> list[SystemRecusal]:
    """The panellist agrees to the code of conduct (once); the platform then records their own groups' recusals."""
    seat = _seat_or_error(session, round_, user.id)
    _lock_seat(session, seat)
    session.refresh(seat)
    if seat.conduct_accepted_at is None:
        seat.conduct_accepted_at = utcnow()
        record_event(
            session,
            "panel.conduct_accepted",
            actor_id=user.id,
            actor_role=PANELLIST,
            object_type="panel_member",
            object_id=seat.id,
            facts={"round_id": round_.id},
        )
    return sync_system_recusals(session, round_=round_, user_id=user.id)


# --- conflict declarations ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationChoice:
    """What the panellist chose for one bid."""

    bid_id: int
    kind: ConflictKind
    note: str = ""


@dataclass(frozen=True)
class DeclarationResult:
    bid: Bid
    declaration: ConflictDeclaration
    changed: bool  # False when the same answer was sent again
    excluded_scores: int  # scores they had given the bid that this new conflict excludes


def _check_choice(
    choice: DeclarationChoice,
    *,
    bid: Bid | None,
    existing: ConflictDeclaration | None,
    window: DeclarationWindow,
) -> None:
    kind_field, note_field = f"kind_{choice.bid_id}", f"note_{choice.bid_id}"
    if bid is None:
        raise PanelError("One of the bids is no longer with the panel. Reload the page and try again.", kind_field)
    if existing is not None and existing.by_system:
        raise PanelError(
            f"You are a member of {bid.group.name}, so you will not score or vote on its bid. This cannot be changed.",
            kind_field,
        )
    if choice.kind != ConflictKind.NONE:
        if not choice.note.strip():
            raise PanelError(CONFLICT_NOTE_REQUIRED.format(group=bid.group.name), note_field)
        if len(choice.note.strip()) > MAX_DECLARATION_NOTE:
            raise PanelError(CONFLICT_NOTE_TOO_LONG, note_field)
    withdrawing = existing is not None and existing.recused and choice.kind == ConflictKind.NONE
    if window == DeclarationWindow.CONFLICTS_ONLY and withdrawing:
        raise PanelError(
            f"Scoring has closed, so your conflict with {bid.group.name} can no longer be withdrawn. If it was a"
            " mistake, tell the funder's staff.",
            kind_field,
        )


def save_declarations(
    session: DbSession, *, round_: Round, user: User, choices: Sequence[DeclarationChoice]
) -> list[DeclarationResult]:
    """Record or change the panellist's declarations for some of the panel's bids, all or none.

    A conflict recuses them from the bid; scores they had already given it stay in the database but no longer
    count (the tally leaves out every recused panellist's scores and votes).
    """
    _lock_round(session, round_)
    seat = _seat_or_error(session, round_, user.id)
    if seat.conduct_accepted_at is None:
        raise PanelError("Read and agree to the code of conduct before you declare conflicts.")
    window = declaration_window(round_)
    if window == DeclarationWindow.FROZEN:
        raise PanelError("Declarations for this round are closed, so nothing was changed.")
    _lock_seat(session, seat)
    sync_system_recusals(session, round_=round_, user_id=user.id)
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
        declaration.kind = choice.kind
        declaration.note = note
        session.flush()
        _declaration_event(session, declaration, new=new, actor_id=user.id)
        excluded = _score_count(session, user.id, bid.id) if declaration.recused and not was_recused else 0
        results.append(DeclarationResult(bid, declaration, changed=True, excluded_scores=excluded))
    return results


# --- scores -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreEntry:
    """What the panellist gave one criterion: `value` as sent (checked here), and an optional comment."""

    value: int | None
    comment: str = ""


@dataclass(frozen=True)
class ScoreResult:
    given: int  # criteria scored for the first time
    changed: int  # criteria whose score or comment changed


def save_scores(
    session: DbSession, *, round_: Round, bid: Bid, user: User, entries: Mapping[int, ScoreEntry]
) -> ScoreResult:
    """Give or change the panellist's scores for one bid, one per criterion, all or none."""
    _lock_round(session, round_)
    seat = _seat_or_error(session, round_, user.id)
    if seat.conduct_accepted_at is None:
        raise PanelError("Read and agree to the code of conduct before you score bids.")
    if bid.round_id != round_.id or bid.id not in {b.id for b in rules.panel_bids(session, round_)}:
        raise PanelError("This bid is not with the panel.")
    reason = scoring_not_open_reason(round_)
    if reason is not None:
        raise PanelError(reason + " Nothing was saved.")
    _lock_seat(session, seat)
    if rules.undeclared_bid_ids(session, round_, user.id):
        raise PanelError("Say whether you have a conflict with every bid before you score any of them.")
    if bid.id in rules.recused_bid_ids(session, round_.id, user.id):
        raise PanelError("You have declared a conflict with this bid, so you cannot score it.")

    for criterion in round_.criteria:
        entry = entries.get(criterion.id)
        if entry is None or entry.value not in SCORE_VALUES:
            raise PanelError(SCORE_REQUIRED.format(criterion=criterion.name), f"score_{criterion.id}")
        if len(entry.comment.strip()) > MAX_COMMENT:
            raise PanelError(COMMENT_TOO_LONG, f"comment_{criterion.id}")

    existing = {
        s.criterion_id: s
        for s in session.scalars(sa.select(Score).where(Score.user_id == user.id, Score.bid_id == bid.id))
    }
    given = changed = 0
    for criterion in round_.criteria:
        entry = entries[criterion.id]
        value, comment = int(entry.value or 0), entry.comment.strip()
        score = existing.get(criterion.id)
        if score is not None and score.value == value and score.comment == comment:
            continue
        new = score is None
        if score is None:
            score = Score(round_id=round_.id, user_id=user.id, bid_id=bid.id, criterion_id=criterion.id)
            session.add(score)
        score.value = value
        score.comment = comment
        session.flush()
        record_event(
            session,
            "score.given" if new else "score.changed",
            actor_id=user.id,
            actor_role=PANELLIST,
            object_type="score",
            object_id=score.id,
            # The value is a fact for the tally; the comment stays on the score.
            facts={"round_id": round_.id, "bid_id": bid.id, "criterion_id": criterion.id, "value": value},
        )
        if new:
            given += 1
        else:
            changed += 1
    return ScoreResult(given, changed)


# --- deliberation -------------------------------------------------------------------------------------------------


def notes_not_open_reason(round_: Round, now: datetime | None = None) -> str | None:
    """Why deliberation notes cannot be added now; None when they can (scoring closed, round not yet decided)."""
    if round_.is_decided:
        return "This round has been decided, so no more notes can be added."
    if not rules.scoring_closed(round_, now):
        return "Notes can be added once scoring has closed and the panel meets to deliberate."
    return None


def add_deliberation_note(
    session: DbSession, *, round_: Round, author: User, text: str, as_role: str
) -> DeliberationNote:
    """Record a note of the panel's discussion, by the chair (`as_role="chair"`) or staff (`"staff"`)."""
    if as_role not in (CHAIR, STAFF):
        raise ValueError(f"unknown note author role: {as_role}")
    _lock_round(session, round_)
    if as_role == CHAIR:
        seat = rules.seat(session, round_.id, author.id)
        if seat is None or not seat.is_chair:
            raise PanelError("Only the panel's chair or the funder's staff can add notes.", "text")
    reason = notes_not_open_reason(round_)
    if reason is not None:
        raise PanelError(reason, "text")
    text = text.strip()
    if not text:
        raise PanelError(NOTE_REQUIRED, "text")
    if len(text) > MAX_DELIBERATION_NOTE:
        raise PanelError(NOTE_TOO_LONG, "text")
    note = DeliberationNote(round_id=round_.id, author_id=author.id, text=text)
    session.add(note)
    session.flush()
    record_event(
        session,
        "deliberation.note_added",
        actor_id=author.id,
        actor_role=as_role,
        object_type="deliberation_note",
        object_id=note.id,
        facts={"round_id": round_.id, "note_id": note.id},
    )
    return note
