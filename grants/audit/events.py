"""Every action the audit chain records, in one table: what kind of object it is about and how pages word it.

`record_event` refuses an action that is not here, so the table is the whole vocabulary of the chain; a test
scans the code base for every action recorded and checks it is registered, and that nothing here is unused.
Two pages word events: the decision trail (`action_words`, for auditors and staff, one line per event of a
round) and a bid's own history on the screening page (`history_words`, which reads like a timeline of the bid
and may depend on the event's facts). An action may also be flagged for auditors (`flag_for_auditors`, always or
depending on its facts): the auditor's integrity page lists every flagged event (`flagged`), so an action opts in
here and nowhere else.

An action is `<realm>.<what happened>`; the realm is the first part. Events already in a chain are never
rewritten, so both wordings still read sensibly for an action that is no longer recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class Action:
    """One kind of audit event.

    `object_type` is what the event's object_id names. `words` is the line in the decision trail; `history`
    the line in a bid's own history (text, or a function of the facts), for the actions about a bid that read
    differently there.
    Sign-ins and password changes are not here: they go to the security log (grants.auth.security_log).
    """

    name: str
    object_type: str
    words: str
    history: str | Callable[[Facts], str] | None = None
    # Whether an auditor should look at this event (a departure, a reopening, a paper ballot, ...): always, or
    # when its facts say so. `why` says in plain words what makes it worth a look.
    flag_for_auditors: bool | Callable[[Facts], bool] = False
    why: str = ""

    @property
    def realm(self) -> str:
        return self.name.partition(".")[0]


class UnknownAction(ValueError):
    """An action not in the registry, or recorded against a kind of object it is not about (a programming error)."""


_SCREENED = {"eligible": "eligible", "ineligible": "not eligible"}


def _bid_started(facts: Facts) -> str:
    return "Started by staff on behalf of the group" if facts.get("on_behalf") else "Started as a draft"


def _bid_screened(facts: Facts) -> str:
    outcome = _SCREENED.get(str(facts.get("outcome")), str(facts.get("outcome")))
    previous = str(facts.get("previous", ""))
    if previous in _SCREENED:
        return f"Screening changed: marked {outcome} (was {_SCREENED[previous]})"
    return f"Screened: marked {outcome}"


def _screening_changed(facts: Facts) -> bool:
    return str(facts.get("previous", "")) in _SCREENED


def _reopened_or_closed_early(facts: Facts) -> bool:
    return "reason" in facts or bool(facts.get("closed_early"))


def _below_the_ask(facts: Facts) -> bool:
    asked, offered = facts.get("asked_pence"), facts.get("amount_pence")
    return isinstance(asked, int) and isinstance(offered, int) and offered < asked


ACTIONS: tuple[Action, ...] = (
    # roles and invitations (grants/auth, grants/admin); sign-ins go to the security log instead
    Action("role.granted", "user", "Role granted"),
    Action("invitation.created", "invitation", "Invitation created"),
    Action("invitation.accepted", "invitation", "Invitation accepted"),
    Action("invitation.revoked", "invitation", "Invitation revoked"),
    Action("funder.created", "funder", "Funder created"),
    Action("funder.two_person_changed", "funder", "Two-person rule for money decisions turned on or off"),
    Action("funder.retention_changed", "funder", "How long unfunded bids keep their details changed"),
    # retention (grants/retention)
    Action("retention.bid_details_removed", "funder", "Details of unfunded bids removed after the keeping time"),
    # rounds (grants/rounds)
    Action("round.created", "round", "Round created"),
    Action("round.updated", "round", "Round updated"),
    Action(
        "round.status_changed",
        "round",
        "Round moved",
        flag_for_auditors=_reopened_or_closed_early,
        why="A round moved back (reopened) or closed before its closing time",
    ),
    # groups and bids (grants/bids, grants/screening)
    Action("group.created", "group", "Group created"),
    Action("group.updated", "group", "Group updated"),
    Action("bid.created", "bid", "Bid started as a draft", history=_bid_started),
    Action("bid.submitted", "bid", "Bid submitted to the funder", history="Sent to the funder"),
    Action("bid.returned_to_draft", "bid", "Bid returned to draft", history="Returned to draft to be changed"),
    Action("bid.withdrawn", "bid", "Bid withdrawn by the group", history="Withdrawn by the group"),
    Action("bid.attachment_added", "bid", "File added to the bid", history="File added"),
    Action("bid.attachment_removed", "bid", "File removed from the bid", history="File removed"),
    Action(
        "bid.screened",
        "bid",
        "Bid screened",
        history=_bid_screened,
        flag_for_auditors=_screening_changed,
        why="A late change: a bid's screening outcome was changed",
    ),
    # the panel (grants/panel)
    Action("panel.conduct_accepted", "panel_member", "Panel conduct accepted"),
    Action("panel.chair_appointed", "panel_member", "Panel chair appointed"),
    Action("conflict.declared", "conflict_declaration", "Conflict of interest declared"),
    Action("conflict.changed", "conflict_declaration", "Conflict of interest declaration changed"),
    Action(
        "conflict.withdrawn",
        "conflict_declaration",
        "Declared conflict of interest withdrawn",
        history="A panellist withdrew a declared conflict",
        flag_for_auditors=True,
        why="A panellist withdrew a declared conflict while scoring was open, and may now score the bid",
    ),
    Action("score.given", "score", "Score given"),
    Action("score.changed", "score", "Score changed"),
    Action("deliberation.note_added", "deliberation_note", "Deliberation note added"),
    # the vote (grants/voting)
    Action("ballot.cast", "ballot", "Ballot cast"),
    Action("ballot.replaced", "ballot", "Ballot replaced"),
    Action(
        "ballot.recorded_on_paper",
        "ballot",
        "Paper ballot recorded by staff",
        flag_for_auditors=True,
        why="Staff recorded a ballot on a panellist's behalf",
    ),
    # the decision (grants/decisions, grants/rounds)
    Action("tally.recorded", "round", "Tally recorded"),
    Action(
        "decision.departed",
        "bid",
        "Staff departed from the panel's result",
        flag_for_auditors=True,
        why="Staff departed from the panel's result",
    ),
    Action("decision.departure_withdrawn", "bid", "Departure withdrawn"),
    Action("decision.ratified", "round", "Result ratified"),
    Action(
        "decision.undone",
        "round",
        "Ratified result undone (vote reopened)",
        flag_for_auditors=True,
        why="A decided round was reopened",
    ),
    # Two people for the decisions that move money (grants/decisions/confirmations.py).
    Action("decision.proposed", "decision_proposal", "Decision proposed, for a second member of staff to confirm"),
    Action("decision.confirmed", "decision_proposal", "Decision confirmed by a second member of staff"),
    Action("decision.proposal_withdrawn", "decision_proposal", "Proposed decision withdrawn"),
    # awards (grants/awards)
    Action(
        "award.offered",
        "award",
        "Grant offered",
        flag_for_auditors=_below_the_ask,
        why="The grant offered is less than the group asked for",
    ),
    Action("award.accepted", "award", "Offer accepted"),
    Action("award.declined", "award", "Offer declined"),
    Action("award.withdrawn", "award", "Offer withdrawn"),
    Action("award.closed", "award", "Award closed"),
    Action(
        "award.republished",
        "award",
        "Published grant details re-published",
        flag_for_auditors=True,
        why="A late change: what the public data says about a grant was changed after it was published",
    ),
    Action("payment.recorded", "award", "Payment recorded"),
    Action(
        "payment.reversed",
        "award",
        "Payment reversed",
        flag_for_auditors=True,
        why="A payment was reversed as recorded in error",
    ),
    Action("feedback.sent", "bid", "Feedback sent to the group"),
    # reports (grants/reports)
    Action("report.photo_added", "report", "Report photo added"),
    Action("report.photo_removed", "report", "Report photo removed"),
    Action("report.submitted", "report", "Report submitted"),
    Action("report.message", "report", "Report message"),
    Action("report.tagged", "report", "Report tagged"),
    Action("report.quote_picked", "report", "Report quote picked"),
    Action("report.quote_removed", "report", "Report quote removed"),
    Action("theme.added", "theme", "Theme added"),
    Action("story.selection_opened", "round", "Story selection opened"),
    Action("story.selection_closed", "round", "Story selection closed"),
    Action(
        "story.selection_reopened",
        "round",
        "Closed story selection reopened",
        flag_for_auditors=True,
        why="A late change: the closed choice of most significant stories was reopened",
    ),
    Action("story.share_approved", "report", "Story approved by staff for the public page"),
    Action("story.chosen", "report", "Story chosen"),
    Action("story.unchosen", "report", "Story unchosen"),
    # audit (grants/audit)
    Action("audit.tally_rerun", "round", "Auditor re-ran the tally"),
)

REGISTRY: dict[str, Action] = {action.name: action for action in ACTIONS}


@dataclass(frozen=True)
class Hop:
    """One step from an object towards its funder: the object's `column` names an object of kind `to`."""

    column: str
    to: str


# Whose chain an event goes in, found from its object (grants.audit.owners follows it): each kind of object names
# the hops that lead to a funder, tried in order (a hop whose column is empty is skipped). An event about a funder
# is in that funder's chain; one whose hops all come up empty, or about a kind with no hops (a group belongs to no
# funder), is in the installation's chain. A role grant names its funder in its facts ("funder_id").
FUNDER = "funder"
OWNED_THROUGH_FACTS = "user"
OWNERS: dict[str, tuple[Hop, ...]] = {
    FUNDER: (),
    "round": (Hop("funder_id", FUNDER),),
    "theme": (Hop("funder_id", FUNDER),),
    "bid": (Hop("round_id", "round"),),
    "award": (Hop("round_id", "round"),),
    "report": (Hop("award_id", "award"),),
    "panel_member": (Hop("round_id", "round"),),
    "conflict_declaration": (Hop("round_id", "round"),),
    "score": (Hop("round_id", "round"),),
    "deliberation_note": (Hop("round_id", "round"),),
    "ballot": (Hop("round_id", "round"),),
    "decision_proposal": (Hop("round_id", "round"),),
    "invitation": (Hop("funder_id", FUNDER), Hop("round_id", "round")),
    "group": (),
    OWNED_THROUGH_FACTS: (),
}


def registered(action: str) -> Action:
    """The registered action; UnknownAction for one that is not in the registry."""
    entry = REGISTRY.get(action)
    if entry is None:
        raise UnknownAction(f"{action!r} is not an audit action: add it to grants/audit/events.py")
    return entry


def flagged(action: str, facts: Facts) -> Action | None:
    """The registered action if an event of it, with these facts, is one an auditor should look at; else None."""
    entry = REGISTRY.get(action)
    if entry is None or not entry.flag_for_auditors:
        return None
    flag = entry.flag_for_auditors
    return entry if (flag(facts) if callable(flag) else flag) else None


# The actions that may be flagged: the integrity page reads only their events.
FLAGGABLE: frozenset[str] = frozenset(a.name for a in ACTIONS if a.flag_for_auditors)


def _capitalised(words: str) -> str:
    return words[:1].upper() + words[1:]


def action_words(action: str) -> str:
    """An event's action in plain words, for the decision trail."""
    entry = REGISTRY.get(action)
    if entry is not None:
        return entry.words
    # An event recorded before its action left the registry still reads sensibly ("bid.budget_updated").
    area, _, verb = action.partition(".")
    return _capitalised(f"{area} {verb.replace('_', ' ')}".strip())


def history_words(action: str, facts: Facts) -> str:
    """An event about a bid in plain words, for the bid's own history ("Sent to the funder")."""
    entry = REGISTRY.get(action)
    history = entry.history if entry is not None else None
    if callable(history):
        return history(facts)
    if history is not None:
        return history
    # Other events about a bid read as what happened to it: "decision.departed" -> "Departed".
    return _capitalised(action.split(".", 1)[-1].replace("_", " "))
