"""A decided round's approval ballots as a pabulib `.pb` file (pabulib.org's format: META, PROJECTS and VOTES
sections, semicolon-separated), so anyone can count them again with pabutools or equalshares.net.

The file is made from the ratified run's recorded inputs, exactly as the tally counted them: the bids staff
departed from are gone, and an approval a recused panellist gave a bid is left out (the tally ignores it too).
Panellists are numbered 1, 2, 3... in the file, never named or given their account ids. Projects are bids by id,
costs in pennies, named by reference.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from grants.database import DbSession
from grants.decisions.queries import current_ratification
from grants.decisions.results import references
from grants.domain import DomainError
from grants.models import Round, VotingMethod

# Our methods with approval ballots, and the pabulib rule each counts them by.
APPROVAL_RULES = {VotingMethod.APPROVAL: "greedy", VotingMethod.EQUAL_SHARES: "equalshares"}


def has_approval_ballots(round_: Round) -> bool:
    """Whether the round's ballots are approvals, which pabulib can hold."""
    return round_.voting_method in APPROVAL_RULES


def counted_approvals(inputs: Mapping[str, Any]) -> list[list[int]]:
    """Each ballot's approvals as the tally counted them (without a recused panellist's approval of the bid)."""
    recused = {(r["panellist_id"], r["bid_id"]) for r in inputs["recusals"]}
    return [
        [bid for bid in ballot["approvals"] if (ballot["panellist_id"], bid) not in recused]
        for ballot in sorted(inputs["ballots"], key=lambda b: b["panellist_id"])
    ]


def round_pabulib(session: DbSession, round_: Round) -> str:
    """The round's ratified approval ballots as a .pb file; DomainError if it has none to give."""
    if not has_approval_ballots(round_):
        raise DomainError("This round's ballots are not approvals, so there is no pabulib file of them.")
    ratification = current_ratification(session, round_.id)
    if ratification is None:
        raise DomainError("This round has not been decided yet.")
    inputs = ratification.ratified_run.inputs
    refs = references(session, round_)
    ballots = counted_approvals(inputs)
    out = io.StringIO()
    rows = csv.writer(out, delimiter=";", lineterminator="\n")
    rows.writerow(["META"])
    rows.writerow(["key", "value"])
    meta = {
        "description": f"{round_.funder.name}: {round_.title} ({round_.code})",
        "country": "United Kingdom",
        "unit": round_.funder.name,
        "instance": round_.code,
        "num_projects": len(inputs["bids"]),
        "num_votes": len(ballots),
        "budget": inputs["settings"]["budget_pence"],
        "vote_type": "approval",
        "rule": APPROVAL_RULES[round_.voting_method],
        "currency": "GBP pence",
        "max_length": inputs["settings"].get("approval_limit") or len(inputs["bids"]),
    }
    rows.writerows(meta.items())
    rows.writerow(["PROJECTS"])
    rows.writerow(["project_id", "cost", "votes", "name"])
    for bid in inputs["bids"]:
        votes = sum(bid["id"] in chosen for chosen in ballots)
        rows.writerow([bid["id"], bid["amount_pence"], votes, refs.get(bid["id"], str(bid["id"]))])
    rows.writerow(["VOTES"])
    rows.writerow(["voter_id", "vote"])
    for number, chosen in enumerate(ballots, start=1):
        rows.writerow([number, ",".join(str(bid) for bid in chosen)])
    return out.getvalue()
