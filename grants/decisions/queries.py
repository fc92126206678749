"""Reads about a round's decision that other areas (awards, feedback, audit, public pages) rely on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.database import DbSession
from grants.decisions import wording
from grants.decisions.results import step_from_document
from grants.models import Bid, DecisionProposal, Departure, Group, Ratification, TallyRun
from grants.paging import Page, page_of


def current_ratification(session: DbSession, round_id: int) -> Ratification | None:
    """The round's ratification in force (not undone by a reopening), if any."""
    return session.scalar(
        sa.select(Ratification).where(Ratification.round_id == round_id, Ratification.undone_at.is_(None))
    )


def funded_bid_ids(session: DbSession, round_id: int) -> list[int]:
    """The bids funded by the ratified result, in the order the walk funded them; [] before ratification."""
    return funded_by_round(session, [round_id]).get(round_id, [])


def funded_by_round(session: DbSession, round_ids: Iterable[int]) -> dict[int, list[int]]:
    """The bids each ratified round's result funds, in the order the walk funded them, by round id (rounds not
    ratified are left out): one query, which reads only "funded_ids" out of each stored result, in the database.

    Every stored tally result carries "funded_ids" (see grants.decisions.results, which writes it).
    """
    ids = set(round_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Ratification.round_id, TallyRun.result["funded_ids"])
        .join(TallyRun, TallyRun.id == Ratification.ratified_run_id)
        .where(Ratification.round_id.in_(ids), Ratification.undone_at.is_(None))
    )
    return {round_id: [int(bid_id) for bid_id in funded or []] for round_id, funded in rows}


# --- views for the decision pages ---------------------------------------------------------------------------------

OUTCOME_WORDS = {"funded": "Funded", "not_funded_rank": "Not funded", "not_funded_did_not_fit": "Not funded"}


@dataclass(frozen=True)
class BidRow:
    """One bid's line in a result, with what people recognise it by."""

    id: int
    rank: int
    reference: str
    group: str
    title: str
    amount_pence: int
    mean_score: str  # for display, 2 dp or "not scored"
    scorers: int
    in_favour: int
    points: int | None
    funded: bool
    outcome: str  # "Funded" or "Not funded"
    reason: str
    flags: tuple[str, ...]  # "under_quorum", "no_support"
    flag_notes: tuple[str, ...]


@dataclass(frozen=True)
class ResultView:
    """A stored-form result (see `grants.decisions.results.result_document`) ready for a page."""

    rows: list[BidRow]
    method: str
    budget_pence: int
    used_pence: int
    left_pence: int
    funded_ids: list[int]
    departed_ids: list[int]
    explanation: list[str]
    digest: str
    algorithm: str

    def rows_on(self, page: Page) -> list[BidRow]:
        """The ranked list's rows on one page of it."""
        return self.rows[page.offset : page.offset + page.size]

    @property
    def funded_rows(self) -> list[BidRow]:
        by_id = {row.id: row for row in self.rows}
        return [by_id[i] for i in self.funded_ids if i in by_id]

    @property
    def used_share(self) -> float:
        """The part of the budget used, from 0 to 1 (for drawing the bar only)."""
        return min(1.0, self.used_pence / self.budget_pence) if self.budget_pence else 0.0

    @property
    def flagged(self) -> int:
        return sum(1 for row in self.rows if row.flags)


@dataclass(frozen=True)
class ComparedRow:
    """A bid in the panel's result beside what the resulting (ratified) result does with it."""

    reference: str
    title: str
    amount_pence: int
    panel: str  # "Funded", "Not funded"
    resulting: str  # "Funded", "Not funded", "Departed from"
    changed: bool


def _bids_by_id(session: DbSession, bid_ids: list[int]) -> dict[int, Bid]:
    if not bid_ids:
        return {}
    rows = session.scalars(sa.select(Bid).where(Bid.id.in_(bid_ids)).options(selectinload(Bid.group)))
    return {bid.id: bid for bid in rows}


def explanation(document: dict[str, Any], references: dict[int, str]) -> list[str]:
    """How a stored result came about, naming each bid by its reference (by id if it has none).

    A run recorded before results kept their steps has only its words, naming bids by id: those are shown as
    they were recorded.
    """
    if "steps" not in document:
        return [str(line) for line in document.get("explanation", [])]
    steps = [step_from_document(step) for step in document["steps"]]
    return wording.explanation(steps, lambda bid_id: references.get(bid_id) or wording.by_id(bid_id))


def _bid_labels(session: DbSession, bid_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each bid's title and its group's name, by bid id: one query of two columns (a result lists every bid)."""
    if not bid_ids:
        return {}
    rows = session.execute(
        sa.select(Bid.id, Bid.title, Group.name).join(Group, Group.id == Bid.group_id).where(Bid.id.in_(bid_ids))
    )
    return {bid_id: (title, group) for bid_id, title, group in rows}


def result_view(session: DbSession, document: dict[str, Any]) -> ResultView:
    """The page view of a stored-form result (one query: the bids' titles and groups' names)."""
    entries = list(document.get("bids", []))
    labels = _bid_labels(session, [int(e["id"]) for e in entries])
    references = {int(e["id"]): str(e.get("reference", "")) for e in entries}
    rows = []
    for entry in entries:
        title, group = labels.get(int(entry["id"]), ("", ""))
        rows.append(
            BidRow(
                id=int(entry["id"]),
                rank=int(entry["rank"]),
                reference=str(entry.get("reference", "")),
                group=group,
                title=title or "Untitled bid",
                amount_pence=int(entry["amount_pence"]),
                mean_score=str(entry.get("mean_score_display", "")),
                scorers=int(entry.get("scorers", 0)),
                in_favour=int(entry.get("in_favour", 0)),
                points=entry.get("points"),
                funded=entry.get("outcome") == "funded",
                outcome=OUTCOME_WORDS.get(str(entry.get("outcome")), str(entry.get("outcome"))),
                reason=str(entry.get("reason", "")),
                flags=tuple(entry.get("flags", [])),
                flag_notes=tuple(entry.get("flag_notes", [])),
            )
        )
    return ResultView(
        rows=rows,
        method=str(document.get("method", "")),
        budget_pence=int(document.get("budget_pence", 0)),
        used_pence=int(document.get("used_pence", 0)),
        left_pence=int(document.get("left_pence", 0)),
        funded_ids=[int(i) for i in document.get("funded_ids", [])],
        departed_ids=[int(i) for i in document.get("departed_ids", [])],
        explanation=explanation(document, references),
        digest=str(document.get("digest", "")),
        algorithm=str(document.get("algorithm", "")),
    )


def ranked_page(asked: int, *views: ResultView | None) -> Page:
    """The page `asked` for of the ranked lists of these results (50 bids to a page; the longest list decides how
    many pages there are)."""
    return page_of(max((len(view.rows) for view in views if view is not None), default=0), asked)


def compare(panel: ResultView, resulting: ResultView) -> list[ComparedRow]:
    """The panel's result beside the resulting one, in the panel's order."""
    resulting_funded = set(resulting.funded_ids)
    departed = set(resulting.departed_ids)
    rows = []
    for row in panel.rows:
        after = "Funded" if row.id in resulting_funded else "Not funded"
        if row.id in departed:
            after = "Departed from"
        rows.append(
            ComparedRow(
                reference=row.reference,
                title=row.title,
                amount_pence=row.amount_pence,
                panel=row.outcome,
                resulting=after,
                changed=after != row.outcome,
            )
        )
    return rows


def departures(session: DbSession, round_id: int) -> list[Departure]:
    """The round's departures, with their bids and who made them, in the order they were made."""
    return list(
        session.scalars(
            sa.select(Departure)
            .where(Departure.round_id == round_id)
            .options(selectinload(Departure.created_by))
            .order_by(Departure.created_at, Departure.id)
        )
    )


def departure_in_round(session: DbSession, round_id: int, departure_id: int) -> Departure | None:
    """One of the round's departures, or None (none with that id, or it is another round's)."""
    return session.scalar(sa.select(Departure).where(Departure.id == departure_id, Departure.round_id == round_id))


def departure_bids(session: DbSession, departures_: list[Departure]) -> dict[int, Bid]:
    return _bids_by_id(session, [d.bid_id for d in departures_])


def proposal_bids(session: DbSession, proposals: list[DecisionProposal]) -> dict[int, Bid]:
    return _bids_by_id(session, [p.bid_id for p in proposals if p.bid_id is not None])


def undone_ratifications(session: DbSession, round_id: int) -> list[Ratification]:
    """Earlier ratifications of the round that a reopening ended, newest first."""
    return list(
        session.scalars(
            sa.select(Ratification)
            .where(Ratification.round_id == round_id, Ratification.undone_at.is_not(None))
            .order_by(Ratification.undone_at.desc())
        )
    )
