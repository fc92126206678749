"""After a restore: is this the real record? Every audit chain verifies, and agrees with every checkpoint that was
published (a copy that was edited and re-hashed would not), and every ratified tally re-runs to its digest."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from grants.audit.checkpoints import verify_checkpoints
from grants.audit.walk import verify_all_chains
from grants.database import DbSession
from grants.decisions.verify import verify_round
from grants.models import Ratification, Round


@dataclass
class RestoreCheck:
    chains: int = 0
    events: int = 0
    checkpoints: int = 0
    tallies: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (
            f"{self.chains} audit chain{'' if self.chains == 1 else 's'} ({self.events} events) verified,"
            f" {self.checkpoints} published checkpoint{'' if self.checkpoints == 1 else 's'} matched,"
            f" {self.tallies} ratified tall{'y' if self.tallies == 1 else 'ies'} re-run to the digest recorded."
        )


def check_record(session: DbSession) -> RestoreCheck:
    """Verify the whole record as it is now in the database."""
    check = RestoreCheck()
    for chain in verify_all_chains(session):
        check.chains += 1
        check.events += chain.count
        if not chain.ok:
            check.problems.append(f"audit chain {chain.chain} is broken at {chain.problem}")
    check.checkpoints, problems = verify_checkpoints(session)
    check.problems += [problem.message for problem in problems]
    ratified = session.scalars(
        sa.select(Round).where(sa.exists().where(Ratification.round_id == Round.id)).order_by(Round.id)
    )
    for round_ in ratified:
        check.tallies += 1
        tally = verify_round(session, round_)
        check.problems += [f"round {round_.code}: {problem}" for problem in tally.problems]
    return check
