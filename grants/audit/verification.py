"""How far each chain has been verified, and verifying only what is new since then.

Re-hashing a whole chain takes seconds at a large funder's scale (a million events), too long for a page. So each
chain's row in audit_verification records how far it was verified (event N, with hash H, at what time), and:

- the full verification (`flask audit verify`, e.g. nightly) walks every chain from its genesis, trusting nothing
  recorded, and writes each chain's row afresh: verified up to its head, or the first problem and the last good
  event before it;
- the verification of new events (`flask audit verify --new`, e.g. every few minutes) starts from the recorded
  event: it checks that event still has the hash it had, then verifies each event after it, and records how far
  it got;
- a page (`chain_status`) does the same without recording anything (a GET never writes), and only when there are
  at most PAGE_LIMIT new events; beyond that it says how many are not yet verified and leaves them to the command.

A page therefore says what it knows and since when: verified up to event N by the verification at T, the events
after N checked now, and when the last full verification ran. An event changed after it was verified is found by
the next full verification, which is why the page names its time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from grants.audit.chain import chain_head, chains
from grants.audit.walk import ChainReport, verify_rows
from grants.database import DbSession
from grants.models import AuditEvent, ChainVerification
from grants.models.audit import genesis_hash

# The most new events a page verifies itself (a few tens of milliseconds of hashing).
PAGE_LIMIT = 5_000


@dataclass(frozen=True)
class ChainStatus:
    """What is known of a chain's integrity now: how far it is verified, and by which verification."""

    chain: int
    head_seq: int  # the chain's last event now
    head_hash: str
    verified_seq: int  # events 1..verified_seq are verified (by the record, and by this check)
    verified_hash: str
    recorded: ChainVerification | None  # the recorded verification this check started from
    checked_now: int = 0  # new events this check verified itself
    problem: str | None = None
    problem_found_at: datetime | None = None  # when a recorded verification found the problem (None: just now)

    @property
    def ok(self) -> bool:
        """No problem is known (the chain may still have events not verified yet: see `unverified`)."""
        return self.problem is None

    @property
    def unverified(self) -> int:
        """Events after the last verified one, left to `flask audit verify --new`."""
        return 0 if self.problem else self.head_seq - self.verified_seq

    @property
    def count(self) -> int:
        """How many events are verified."""
        return self.verified_seq

    @property
    def verified_at(self) -> datetime | None:
        """When the recorded verification reached the event this check started from (None: never)."""
        return self.recorded.verified_at if self.recorded is not None and self.recorded.seq > 0 else None

    @property
    def from_seq(self) -> int:
        """The last event the recorded verification reached (0: none)."""
        return self.recorded.seq if self.recorded is not None else 0

    @property
    def full_verified_at(self) -> datetime | None:
        return self.recorded.full_verified_at if self.recorded is not None else None

    @property
    def full_verified_seq(self) -> int | None:
        return self.recorded.full_verified_seq if self.recorded is not None else None

    @property
    def last_good_seq(self) -> int:
        return self.verified_seq

    @property
    def last_good_hash(self) -> str:
        return self.verified_hash


def recorded_verification(session: DbSession, chain: int) -> ChainVerification | None:
    return session.get(ChainVerification, chain)


def _start(session: DbSession, chain: int, recorded: ChainVerification | None) -> tuple[int, str, str | None]:
    """Where a check of new events starts: (seq, hash, a problem with the recorded point if it no longer holds)."""
    if recorded is None or recorded.seq == 0:
        return 0, genesis_hash(chain), None
    stored = session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.chain == chain, AuditEvent.seq == recorded.seq))
    if stored is None:
        return recorded.seq, recorded.hash, f"row {recorded.seq}, verified before, is missing (rows were removed)"
    if stored != recorded.hash:
        return (
            recorded.seq,
            recorded.hash,
            f"row {recorded.seq}: its hash is not the one it had when it was verified (the chain was rewritten)",
        )
    return recorded.seq, recorded.hash, None


def chain_status(session: DbSession, chain: int, *, limit: int | None = None) -> ChainStatus:
    """A chain's integrity for a page: the recorded verification, and the new events after it verified now when
    there are at most `limit` (PAGE_LIMIT) of them. Reads only; bounded work whatever the chain's length."""
    limit = PAGE_LIMIT if limit is None else limit
    head_seq, head_hash = chain_head(session, chain)
    recorded = recorded_verification(session, chain)
    if recorded is not None and recorded.problem:
        return ChainStatus(
            chain, head_seq, head_hash, recorded.seq, recorded.hash, recorded,
            problem=recorded.problem, problem_found_at=recorded.problem_found_at,
        )  # fmt: skip
    seq, digest, problem = _start(session, chain, recorded)
    if problem is not None:
        return ChainStatus(chain, head_seq, head_hash, 0, genesis_hash(chain), recorded, problem=problem)
    if head_seq - seq > limit:
        return ChainStatus(chain, head_seq, head_hash, seq, digest, recorded)
    report = verify_rows(session, chain, after=seq, after_hash=digest, upto=head_seq)
    return ChainStatus(
        chain, head_seq, head_hash, report.head_seq, report.head_hash, recorded, report.count, report.problem
    )


def _record(
    session: DbSession, chain: int, report: ChainReport, *, now: datetime, full: bool, expect_seq: int | None = None
) -> bool:
    """Write how far the chain is verified. A check of new events writes only when the record is still the one it
    started from (`expect_seq`, no problem): a full verification that ran meanwhile is not overwritten."""
    row = session.get(ChainVerification, chain, populate_existing=True, with_for_update=True)
    if expect_seq is not None and (
        (row is None and expect_seq != 0) or (row is not None and (row.seq != expect_seq or row.problem))
    ):
        return False
    if row is None:
        row = ChainVerification(chain=chain, seq=0, hash=genesis_hash(chain), verified_at=now)
        session.add(row)
    problem = report.problem or ""
    row.seq, row.hash, row.verified_at = report.head_seq, report.head_hash, now
    row.problem, row.problem_found_at = problem, (now if problem else None)
    if full:
        row.full_verified_at, row.full_verified_seq = now, report.head_seq
    session.flush()
    return True


def verify_full(
    session: DbSession, chain: int, *, now: datetime, between_pages: Callable[[], None] | None = None
) -> ChainReport:
    """Verify a chain from its genesis to its head as it stands, trusting nothing recorded, and record the outcome
    (the caller commits; `between_pages` as for grants.audit.walk.chain_rows)."""
    head_seq, _ = chain_head(session, chain)
    report = verify_rows(session, chain, upto=head_seq, between_pages=between_pages)
    _record(session, chain, report, now=now, full=True)
    return report


def verify_new(
    session: DbSession, chain: int, *, now: datetime, between_pages: Callable[[], None] | None = None
) -> ChainReport:
    """Verify a chain's events after the recorded verification, and record how far it got (the caller commits).
    A problem recorded before stays until a full verification finds the chain whole again."""
    recorded = recorded_verification(session, chain)
    if recorded is not None and recorded.problem:
        return ChainReport(chain, 0, recorded.seq, recorded.hash, recorded.problem)
    started = recorded.seq if recorded is not None else 0
    seq, digest, problem = _start(session, chain, recorded)
    if problem is not None:
        report = ChainReport(chain, 0, seq, digest, problem)
    else:
        head_seq, _ = chain_head(session, chain)
        report = verify_rows(session, chain, after=seq, after_hash=digest, upto=head_seq, between_pages=between_pages)
    _record(session, chain, report, now=now, full=False, expect_seq=started)
    return report


def verify_every_chain(
    session: DbSession, *, now: datetime, new_only: bool = False, between_pages: Callable[[], None] | None = None
) -> list[ChainReport]:
    """Every chain verified (in full, or only its new events) and recorded, the installation's first."""
    verify = verify_new if new_only else verify_full
    return [verify(session, chain, now=now, between_pages=between_pages) for chain in chains(session)]
