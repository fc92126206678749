"""Build a large funder's data in a database of its own, for the load benchmark (bench/load.py).

    .venv/bin/python bench/seed.py --database-url sqlite:////tmp/bench_scale.sqlite --reset            # the full size
    .venv/bin/python bench/seed.py --database-url sqlite:////tmp/bench_small.sqlite --reset --small    # in seconds
    .venv/bin/python bench/seed.py --database-url postgresql://postgres@127.0.0.1:5432/bench_scale --reset

What it makes (the full size, issue 13): one funder with 20 rounds; one large round of 5,000 eligible bids, each from
a group of its own (one bid per group per round is a database constraint, so `--groups` is raised to `--bids`);
200 panellists who declared on every bid (about 2% conflicts, 1,000,000 declarations), 10 of them scoring each bid
on 4 criteria (200,000 scores), 200 approval ballots; the result ratified by two members of staff; 1,000 awards
accepted and paid in full, 500 reports sent; the 19 other rounds with a few bids each. Every step writes the
audit events the services write, in one valid hash chain per funder.

How: the schema comes from the app's migrations. Everything a person does a few times (the funder, its staff and
auditor with two-step sign-in, the rounds and their settings, every move of a round with its signed checkpoints,
the panel's invitations and code of conduct, the ratification with its tally, the first award, the reports, the
small rounds' bids) goes through the real services. What is done thousands of times (groups, the large round's
bids, declarations, scores, ballots, the other awards and their payments) is inserted in bulk with SQLAlchemy Core,
with the same rows and the same audit events the services would write: the facts are the services' own, each event
is checked against the registry of actions, and its hash is `grants.audit.chain.compute_hash` over the previous
hash, in order, as `record_event` makes it. With `--check` (on by default with `--small`) the seeder then verifies
every chain and compares the bulk events of an award with those the real services wrote for the first one.

The same seed gives the same data (names, amounts, conflicts, scores, ballots); ids and the server's timestamps may
differ. The logins and the ids the benchmark needs are written to bench/out/seeded-<hash of the URL>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import benchenv

ACCOUNT_EMAILS = {
    "admin": "admin@bench.example.org",
    "staff": "staff@bench.example.org",
    "staff2": "staff2@bench.example.org",
    "auditor": "auditor@bench.example.org",
}
CRITERIA = (
    ("Local need", "Does the idea answer something people nearby have said they need?", 3),
    ("Community involvement", "Are local people leading it or closely involved?", 2),
    ("Doable", "Can the group realistically do this with the money asked for?", 1),
    ("Value for money", "Is the amount asked for reasonable for what the group will do?", 1),
)
QUESTIONS = (
    ("What do you want to do?", "Tell us about your idea in your own words.", 250),
    ("Who will take part or benefit?", "Who are the people, roughly how many?", 150),
    ("Why does it matter to your area?", "What difference will it make locally?", 150),
    ("How will you make it happen?", "Who will do what, and when.", 150),
)
AREAS = ("Riverside", "Northside", "Elm Park", "Old Town", "Harbour", "Hillcrest", "Millbrook", "Westgate")
THINGS = ("garden", "lunch club", "football team", "repair cafe", "choir", "food share", "reading group", "youth club")
DOINGS = ("Start", "Grow", "Keep going", "Open", "Run", "Bring back", "Equip", "Share")
SENTENCE = (
    "local people will meet every week to plan and run it together with neighbours who have asked for this for a "
    "long time and the group will keep a record of who comes and what they think of it"
)
WORDS = tuple(SENTENCE.split(" "))
FIRST = ("Aisha", "George", "Bronwen", "Tomasz", "Grace", "Maria", "Dan", "Sam", "Joyce", "Priya", "Li", "Omar")
LAST = ("Rahman", "Evans", "Hughes", "Nowak", "Mensah", "Okafor", "Whitfield", "Patel", "Bennett", "Shah", "Chen")
CONFLICT_KINDS = ("personal", "financial", "organisational", "other")
GROUP_KINDS = ("informal", "unincorporated_association", "cio", "cic", "charity")


# --- sizes ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    rounds: int
    bids: int
    groups: int
    panellists: int
    scorers_per_bid: int
    conflict_share: float
    approvals: int
    awards: int
    reports: int
    other_bids: int

    @property
    def favourites(self) -> int:
        """The bids the ballots approve: the ones the tally funds, and staff award."""
        return self.awards


FULL = Sizes(
    rounds=20,
    bids=5000,
    groups=3000,
    panellists=200,
    scorers_per_bid=10,
    conflict_share=0.02,
    approvals=20,
    awards=1000,
    reports=500,
    other_bids=5,
)
SMALL = Sizes(
    rounds=4,
    bids=200,
    groups=150,
    panellists=12,
    scorers_per_bid=5,
    conflict_share=0.02,
    approvals=10,
    awards=40,
    reports=20,
    other_bids=3,
)


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Sizes]:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="sqlite:////path/file.sqlite or postgresql://...")
    parser.add_argument("--reset", action="store_true", help="empty that database first (drops every table)")
    parser.add_argument("--small", action="store_true", help="a small preset, built in seconds, checked at the end")
    parser.add_argument("--seed", type=int, default=1)
    for name in Sizes.__dataclass_fields__:
        parser.add_argument("--" + name.replace("_", "-"), type=float if name == "conflict_share" else int)
    parser.add_argument("--check", action=argparse.BooleanOptionalAction, default=None, help="verify the chains")
    parser.add_argument("--out", type=Path, help="where the logins and ids go (default: bench/out/seeded-*.json)")
    args = parser.parse_args(argv)
    base = SMALL if args.small else FULL
    chosen = {name: getattr(args, name) for name in Sizes.__dataclass_fields__ if getattr(args, name) is not None}
    sizes = Sizes(**{**base.__dict__, **chosen})
    if sizes.groups < sizes.bids:
        # One bid per group per round (unique round_id, group_id): a round of N bids needs N groups.
        sizes = Sizes(**{**sizes.__dict__, "groups": sizes.bids})
    if args.check is None:
        args.check = args.small
    problems = []
    if sizes.awards > sizes.bids:
        problems.append("--awards cannot be more than --bids")
    if sizes.reports > sizes.awards:
        problems.append("--reports cannot be more than --awards")
    if sizes.scorers_per_bid > sizes.panellists:
        problems.append("--scorers-per-bid cannot be more than --panellists")
    if sizes.panellists * sizes.approvals < sizes.favourites * 1.2:
        problems.append("too few approvals for every awarded bid to get one: raise --approvals or --panellists")
    if sizes.rounds < 1:
        problems.append("--rounds must be at least 1")
    if problems:
        parser.error("; ".join(problems))
    return args, sizes


# --- the audit chain, written in bulk -----------------------------------------------------------------------------


class Chain:
    """Appends events to one chain exactly as `record_event` does (the action checked against the registry, the
    sequence and previous hash from the chain's head, `compute_hash` over the payload), many rows per statement.

    It reads the head again at each `append`, so it interleaves with the real services' own `record_event` calls."""

    def __init__(self, session: Any, funder_id: int | None) -> None:
        from grants.models.audit import INSTALLATION_CHAIN

        self.session = session
        self.funder_id = funder_id
        self.chain = funder_id if funder_id is not None else INSTALLATION_CHAIN
        self.written = 0

    def append(self, events: Iterable[tuple[str, int | None, str | None, str, int, dict[str, Any]]]) -> int:
        """Each event is (action, actor_id, actor_role, object_type, object_id, facts). Returns how many."""
        from grants.audit.chain import _check_fact, chain_head, compute_hash, event_payload
        from grants.audit.events import registered
        from grants.models import AuditEvent, utcnow

        seq, prev = chain_head(self.session, self.chain)
        table = AuditEvent.__table__
        rows: list[dict[str, Any]] = []
        count = 0
        for action, actor_id, actor_role, object_type, object_id, facts in events:
            registered(action, object_type)
            _check_fact(facts, "facts")
            seq += 1
            occurred_at = utcnow()
            payload = event_payload(
                chain=self.chain,
                seq=seq,
                occurred_at=occurred_at,
                actor_id=actor_id,
                actor_role=actor_role,
                action=action,
                object_type=object_type,
                object_id=object_id,
                facts=facts,
            )
            digest = compute_hash(prev, payload)
            rows.append(
                {
                    "chain": self.chain,
                    "seq": seq,
                    "funder_id": self.funder_id,
                    "occurred_at": occurred_at,
                    "actor_id": actor_id,
                    "actor_role": actor_role,
                    "action": action,
                    "object_type": object_type,
                    "object_id": object_id,
                    "facts": facts,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
            count += 1
            if len(rows) >= CHUNK:
                insert_rows(self.session, table, rows, explicit_ids=False)
                rows = []
        insert_rows(self.session, table, rows, explicit_ids=False)
        self.written += count
        return count


CHUNK = 5000


def insert_rows(session: Any, table: Any, rows: list[dict[str, Any]], *, explicit_ids: bool = True) -> None:
    """Insert many rows with one executemany (COPY on PostgreSQL, then its id sequence moved past explicit ids)."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, table, rows)
    else:
        connection.execute(table.insert(), rows)
    if explicit_ids and connection.dialect.name == "postgresql":
        import sqlalchemy as sa

        name = table.name
        connection.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence(:t, 'id'), (SELECT MAX(id) FROM \"{name}\"))"),  # noqa: S608
            {"t": f'"{name}"'},
        )


def _copy_rows(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY, in the session's own transaction: many times faster than INSERTs for a million rows. The
    values are the ones the Core insert would bind (JSON columns as their JSON text)."""
    from psycopg import sql

    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in (row[c] for c in columns)])


def next_id(session: Any, model: Any) -> int:
    import sqlalchemy as sa

    return int(session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0))) or 0) + 1


def chunked(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- what is made -------------------------------------------------------------------------------------------------


@dataclass
class Made:
    """What the seeder made, for the report and for the benchmark."""

    funder_id: int = 0
    funder_slug: str = ""
    large_round_id: int = 0
    other_round_ids: list[int] = field(default_factory=list)
    open_round_ids: list[int] = field(default_factory=list)
    bid_ids: list[int] = field(default_factory=list)
    panellists: list[tuple[int, str]] = field(default_factory=list)
    recused: dict[int, set[int]] = field(default_factory=dict)
    scored: dict[int, list[int]] = field(default_factory=dict)
    award_ids: list[int] = field(default_factory=list)
    trail_bid_id: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)


class Clock:
    """When each step of the large round's story happens: long ago, one step after another, never after `until`."""

    def __init__(self, start: datetime, until: datetime) -> None:
        self.now = start
        self.until = until

    def at(self, moment: datetime) -> datetime:
        self.now = min(max(self.now, moment), self.until)
        return self.now

    def tick(self, minutes: int = 7) -> datetime:
        self.now = min(self.now + timedelta(minutes=minutes), self.until)
        return self.now


class Seeder:
    def __init__(self, session: Any, sizes: Sizes, seed: int) -> None:
        from grants.models import utcnow

        self.s = session
        self.sizes = sizes
        self.rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
        self.made = Made()
        self.started = time.perf_counter()
        self.real_now = utcnow().replace(microsecond=0)
        self.opens = self.real_now - timedelta(days=400)
        self.clock = Clock(self.opens, self.real_now - timedelta(minutes=5))
        self.password_hash = ""

    # -- helpers --

    def step(self, what: str) -> None:
        self.s.commit()
        elapsed = time.perf_counter() - self.started
        self.made.timings.append((what, elapsed))
        print(f"  {elapsed:7.1f} s  {what}", flush=True)

    def chain(self) -> Chain:
        return Chain(self.s, self.made.funder_id)

    def words(self, n: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(n)).capitalize() + "."

    def person_name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def accounts(self, people: list[tuple[str, str]]) -> list[int]:
        """Accounts made in bulk as `register_user` makes them (the same argon2 hash for all: one password), each
        with its "account.registered" entry in the security log."""
        from grants.models import SecurityEvent, User, utcnow

        first = next_id(self.s, User)
        now = utcnow()
        ids = list(range(first, first + len(people)))
        for batch in chunked(list(zip(ids, people, strict=True))):
            insert_rows(
                self.s,
                User.__table__,
                [
                    {
                        "id": uid,
                        "email": email,
                        "name": name,
                        "password_hash": self.password_hash,
                        "is_disabled": False,
                        "password_changed_at": None,
                        "created_at": now,
                    }
                    for uid, (email, name) in batch
                ],
            )
        first_event = next_id(self.s, SecurityEvent)
        insert_rows(
            self.s,
            SecurityEvent.__table__,
            [
                {
                    "id": first_event + i,
                    "occurred_at": now,
                    "kind": "account.registered",
                    "user_id": uid,
                    "source_ip": None,
                    "facts": {},
                }
                for i, uid in enumerate(ids)
            ],
        )
        return ids

    # -- the funder and its people (real services) --

    def funder(self) -> None:
        import pyotp

        from grants.admin.services import create_funder
        from grants.auth.invitations import accept_invitation, grant_role, invite
        from grants.auth.passwords import hash_password
        from grants.auth.services import register_user
        from grants.auth.two_factor import confirm_setup
        from grants.models import Role

        self.password_hash = hash_password(benchenv.PASSWORD)
        admin = register_user(self.s, name="Sian Roberts", email=ACCOUNT_EMAILS["admin"], password=benchenv.PASSWORD)
        grant_role(self.s, user=admin, role=Role.SITE_ADMIN)
        funder = create_funder(self.s, name="Large Community Foundation", created_by=admin)
        funder.grant_id_prefix = "360G-largecf"  # a setting, not logged (as the demo does)
        team = []
        for key, name, role, by in (
            ("staff", "Priya Shah", Role.STAFF, admin),
            ("staff2", "Daniel Okafor", Role.STAFF, None),
            ("auditor", "Martin Doyle", Role.AUDITOR, None),
        ):
            issued = invite(self.s, email=ACCOUNT_EMAILS[key], role=role, funder=funder, invited_by=by or team[0])
            user = register_user(self.s, name=name, email=ACCOUNT_EMAILS[key], password=benchenv.PASSWORD)
            accept_invitation(self.s, token=issued.token, user=user)
            team.append(user)
        now = self.real_now
        shown = pyotp.TOTP(benchenv.TOTP_SECRET).at(now - timedelta(seconds=30))
        for person in [admin, *team]:
            confirm_setup(self.s, user=person, secret=benchenv.TOTP_SECRET, code=shown, now=now)
        self.admin, self.staff, self.staff2, self.auditor = admin, team[0], team[1], team[2]
        self.funder_obj = funder
        self.made.funder_id = funder.id
        self.made.funder_slug = funder.slug
        self.step("the funder, two staff, an auditor and a site admin, with two-step sign-in")

    # -- groups (bulk) --

    def groups(self) -> None:
        """Groups as `create_group` makes them from an applicant's account: the group, its member, the event
        (in the installation's chain: a group belongs to no funder)."""
        from grants.models import Group, GroupMember, utcnow

        n = self.sizes.groups
        people = [(f"applicant{i:05d}@bench.example.org", self.person_name()) for i in range(1, n + 1)]
        user_ids = self.accounts(people)
        first = next_id(self.s, Group)
        member_first = next_id(self.s, GroupMember)
        now = utcnow()
        self.group_ids: list[int] = []
        self.group_rows: dict[int, dict[str, Any]] = {}
        self.member_of: dict[int, int] = {}
        rows, members = [], []
        for i, (uid, (email, person)) in enumerate(zip(user_ids, people, strict=True)):
            gid = first + i
            kind = self.rng.choice(GROUP_KINDS)
            area = self.rng.choice(AREAS)
            row = {
                "id": gid,
                "name": f"{area} {self.rng.choice(THINGS).title()} {i + 1}",
                "area": f"{area}, RV{self.rng.randint(1, 9)}",
                "kind": kind,
                "registration_number": str(1_100_000 + i) if kind in ("cio", "charity") else None,
                "contact_name": person,
                "contact_email": email,
                "contact_phone": "",
                "created_at": now,
            }
            rows.append(row)
            members.append({"id": member_first + i, "group_id": gid, "user_id": uid, "created_at": now})
            self.group_ids.append(gid)
            self.group_rows[gid] = row
            self.member_of[gid] = uid
        for batch in chunked(rows):
            insert_rows(self.s, Group.__table__, batch)
        for batch in chunked(members):
            insert_rows(self.s, GroupMember.__table__, batch)
        Chain(self.s, None).append(
            (
                "group.created",
                self.member_of[r["id"]],
                "applicant",
                "group",
                r["id"],
                {"kind": r["kind"], "on_behalf": False},
            )
            for r in rows
        )
        self.made.counts["groups"] = n
        self.step(f"{n:,} groups, each with an applicant's account")

    # -- rounds (real services) --

    def make_round(
        self,
        *,
        code: str,
        title: str,
        opens: datetime,
        closes: datetime,
        budget_pence: int,
        method: str,
        approval_limit: int | None,
        scoring_closes: datetime,
        voting_closes: datetime,
    ) -> Any:
        from grants.models import RoundStatus, VotingMethod
        from grants.rounds.parts import CriterionInput, QuestionInput, set_criteria, set_questions
        from grants.rounds.services import change_status
        from grants.rounds.settings import PanelSettings, RoundDetails, create_round, set_panel_and_voting

        round_ = create_round(
            self.s,
            funder=self.funder_obj,
            actor=self.staff,
            details=RoundDetails(
                title=title,
                code=code,
                summary="Small grants for groups of local people, decided by a panel of residents.",
                who_can_apply="Any group of at least three local people, registered or not.",
                budget_pence=budget_pence,
                min_grant_pence=25_000,
                max_grant_pence=200_000,
                opens_at=opens,
                closes_at=closes,
            ),
        )
        set_questions(self.s, round=round_, actor=self.staff, questions=[QuestionInput(*q) for q in QUESTIONS])
        set_criteria(self.s, round=round_, actor=self.staff, criteria=[CriterionInput(*c) for c in CRITERIA])
        set_panel_and_voting(
            self.s,
            round=round_,
            actor=self.staff,
            settings=PanelSettings(
                voting_method=VotingMethod(method),
                approval_limit=approval_limit,
                ranked_limit=None,
                quorum=3,
                scoring_closes_at=scoring_closes,
                voting_closes_at=voting_closes,
            ),
        )
        change_status(self.s, round=round_, to=RoundStatus.OPEN, actor=self.staff, now=opens)
        return round_

    def move(self, round_: Any, *stages: Any, now: datetime) -> None:
        from grants.rounds.services import change_status

        for stage in stages:
            change_status(self.s, round=round_, to=stage, actor=self.staff, expected_from=round_.status, now=now)
            now = now + timedelta(minutes=7)

    def amounts(self) -> int:
        return self.rng.randrange(250, 2001, 25) * 100

    # -- the large round --

    def large_round(self) -> None:
        from grants.models import RoundStatus

        n = self.sizes.bids
        self.bid_amounts = [self.amounts() for _ in range(n)]
        favourites = sorted(self.rng.sample(range(n), self.sizes.favourites))
        self.favourite_positions = favourites
        budget = sum(self.bid_amounts[i] for i in favourites)
        o = self.opens
        self.round_ = self.make_round(
            code="LARGE",
            title="Neighbourhood Grants 2026",
            opens=o,
            closes=o + timedelta(days=30),
            budget_pence=budget,
            method="approval",
            approval_limit=self.sizes.approvals,
            scoring_closes=o + timedelta(days=60),
            voting_closes=o + timedelta(days=75),
        )
        self.made.large_round_id = self.round_.id
        self.step(f"the large round (approval vote, budget £{budget // 100:,}), set up and opened")
        self.large_bids()
        self.move(self.round_, RoundStatus.CLOSED, RoundStatus.SCREENING, now=o + timedelta(days=30, minutes=1))
        self.screen_large()

    def large_bids(self) -> None:
        """Bids written on the task list's pages and sent, as `start_bid`, `save_*` and `submit_bid` leave them."""
        import sqlalchemy as sa

        from grants.models import Answer, Bid, BudgetLine, Round, utcnow

        round_ = self.round_
        questions = list(round_.questions)
        n = self.sizes.bids
        first, answer_first, line_first = next_id(self.s, Bid), next_id(self.s, Answer), next_id(self.s, BudgetLine)
        now = utcnow()
        bids, answers, lines, events = [], [], [], []
        self.bid_group: dict[int, int] = {}
        self.bid_amount: dict[int, int] = {}
        for i in range(n):
            bid_id, gid = first + i, self.group_ids[i]
            group = self.group_rows[gid]
            amount = self.bid_amounts[i]
            submitted = self.opens + timedelta(days=29 * (i + 1) / n, minutes=1)
            bids.append(
                {
                    "id": bid_id,
                    "round_id": round_.id,
                    "group_id": gid,
                    "number": i + 1,
                    "title": f"{self.rng.choice(DOINGS)} the {self.rng.choice(THINGS)}",
                    "amount_pence": amount,
                    "status": "submitted",
                    "submitted_at": submitted,
                    "entered_by_staff_id": None,
                    "recording_url": "",
                    "declaration_name": group["contact_name"],
                    "withdrawn_at": None,
                    "withdrawal_reason": "",
                    "screening_reason": "",
                    "screened_at": None,
                    "screened_by_id": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for q in questions:
                answers.append(
                    {
                        "id": answer_first + len(answers),
                        "bid_id": bid_id,
                        "question_id": q.id,
                        "text": self.words(self.rng.randint(20, 60)),
                    }
                )
            parts = self.rng.randint(1, 3)
            split = [amount // parts // 100 * 100] * (parts - 1)
            split.append(amount - sum(split))
            for position, cost in enumerate(split):
                lines.append(
                    {
                        "id": line_first + len(lines),
                        "bid_id": bid_id,
                        "position": position,
                        "item": self.rng.choice(("Materials", "Room hire", "Food", "Equipment", "Travel")),
                        "cost_pence": cost,
                    }
                )
            self.bid_group[bid_id] = gid
            self.bid_amount[bid_id] = amount
            self.made.bid_ids.append(bid_id)
            member = self.member_of[gid]
            facts = {"round_id": round_.id, "group_id": gid}
            events.append(
                ("bid.created", member, "applicant", "bid", bid_id, {**facts, "number": i + 1, "on_behalf": False})
            )
            events.append(
                (
                    "bid.submitted",
                    member,
                    "applicant",
                    "bid",
                    bid_id,
                    {**facts, "amount_pence": amount, "has_recording": False, "has_attachment": False},
                )
            )
        for batch in chunked(bids):
            insert_rows(self.s, Bid.__table__, batch)
        for batch in chunked(answers):
            insert_rows(self.s, Answer.__table__, batch)
        for batch in chunked(lines):
            insert_rows(self.s, BudgetLine.__table__, batch)
        self.s.execute(sa.update(Round).where(Round.id == round_.id).values(bid_counter=n))
        self.s.expire(round_, ["bid_counter"])
        self.chain().append(events)
        self.made.counts["large round bids"] = n
        self.step(f"{n:,} bids sent to the large round (with {len(answers):,} answers, {len(lines):,} budget lines)")

    def screen_large(self) -> None:
        """Staff mark every bid eligible, as `screen_bid` does (the group's email is not queued)."""
        import sqlalchemy as sa

        from grants.models import Bid

        when = self.clock.at(self.opens + timedelta(days=31))
        self.s.execute(
            sa.update(Bid)
            .where(Bid.round_id == self.round_.id)
            .values(status="eligible", screened_at=when, screened_by_id=self.staff.id)
            .execution_options(synchronize_session=False)
        )
        self.chain().append(
            (
                "bid.screened",
                self.staff.id,
                "staff",
                "bid",
                bid_id,
                {"round_id": self.round_.id, "outcome": "eligible", "previous": "submitted"},
            )
            for bid_id in self.made.bid_ids
        )
        self.step(f"{len(self.made.bid_ids):,} bids screened eligible")

    # -- the panel --

    def panel(self) -> None:
        """Staff invite each panellist (invitations through the real services), each accepts with their account and
        agrees to the code of conduct, and staff appoint a chair."""
        import sqlalchemy as sa

        from grants.auth.invitations import accept_invitation
        from grants.models import PanelMember, User
        from grants.panel.services import accept_code_of_conduct, appoint_chair, invite_panellist

        n = self.sizes.panellists
        people = [(f"panellist{i:03d}@bench.example.org", self.person_name()) for i in range(1, n + 1)]
        ids = self.accounts(people)
        users = {u.id: u for u in self.s.scalars(sa.select(User).where(User.id.in_(ids)))}
        at = self.opens + timedelta(days=35)
        for uid, (email, _) in zip(ids, people, strict=True):
            issued = invite_panellist(self.s, round_=self.round_, email=email, invited_by=self.staff, now=at)
            accept_invitation(self.s, token=issued.token, user=users[uid])
        for uid in ids:
            accept_code_of_conduct(self.s, round_=self.round_, user=users[uid], now=at + timedelta(hours=1))
        seat = self.s.scalars(
            sa.select(PanelMember).where(PanelMember.round_id == self.round_.id, PanelMember.user_id == ids[0])
        ).one()
        appoint_chair(self.s, member=seat, actor=self.staff)
        self.panellist_ids = ids
        self.made.panellists = [(uid, email) for uid, (email, _) in zip(ids, people, strict=True)]
        self.step(f"{n} panellists invited, joined and agreed to the code of conduct")

    def declarations(self) -> None:
        """Each panellist's answer for every bid, as one `save_declarations` per panellist records it."""
        from grants.models import ConflictDeclaration, RoundStatus, utcnow

        self.move(self.round_, RoundStatus.SCORING, now=self.opens + timedelta(days=40))
        table = ConflictDeclaration.__table__
        next_decl = next_id(self.s, ConflictDeclaration)
        share = self.sizes.conflict_share
        total = conflicts = 0
        chain = self.chain()
        for uid in self.panellist_ids:
            now = utcnow()
            rows, events = [], []
            recused = set()
            for bid_id in self.made.bid_ids:
                conflicted = self.rng.random() < share
                kind = self.rng.choice(CONFLICT_KINDS) if conflicted else "none"
                if conflicted:
                    recused.add(bid_id)
                rows.append(
                    {
                        "id": next_decl,
                        "round_id": self.round_.id,
                        "user_id": uid,
                        "bid_id": bid_id,
                        "kind": kind,
                        "note": "I know people in this group well" if conflicted else "",
                        "by_system": False,
                        "created_at": now,
                        "updated_at": now,
                        "withdrawn_at": None,
                        "withdrawal_reason": "",
                    }
                )
                events.append(
                    (
                        "conflict.declared",
                        uid,
                        "panellist",
                        "conflict_declaration",
                        next_decl,
                        {"round_id": self.round_.id, "bid_id": bid_id, "kind": kind, "by_system": False},
                    )
                )
                next_decl += 1
            for batch in chunked(rows):
                insert_rows(self.s, table, batch)
            chain.append(events)
            self.made.recused[uid] = recused
            total += len(rows)
            conflicts += len(recused)
            if len(self.made.recused) % 50 == 0:
                print(f"           {len(self.made.recused)} panellists' declarations", flush=True)
        self.made.counts["declarations"] = total
        self.made.counts["conflicts"] = conflicts
        self.step(f"{total:,} declarations ({conflicts:,} conflicts, {100 * conflicts / max(total, 1):.1f}%)")

    def scores(self) -> None:
        """Each bid scored on every criterion by `scorers_per_bid` panellists not recused from it, as
        `save_scores` records them (one call per panellist and bid)."""
        from grants.models import Score, utcnow

        criteria = list(self.round_.criteria)
        by_panellist: dict[int, list[int]] = {uid: [] for uid in self.panellist_ids}
        for bid_id in self.made.bid_ids:
            free = [uid for uid in self.panellist_ids if bid_id not in self.made.recused[uid]]
            for uid in self.rng.sample(free, min(self.sizes.scorers_per_bid, len(free))):
                by_panellist[uid].append(bid_id)
        next_score = next_id(self.s, Score)
        chain = self.chain()
        total = 0
        for uid, bid_ids in by_panellist.items():
            now = utcnow()
            rows, events = [], []
            for bid_id in bid_ids:
                for criterion in criteria:
                    value = self.rng.randint(1, 5)
                    comment = (
                        self.words(8) if criterion.position == criteria[0].position and self.rng.random() < 0.3 else ""
                    )
                    rows.append(
                        {
                            "id": next_score,
                            "round_id": self.round_.id,
                            "user_id": uid,
                            "bid_id": bid_id,
                            "criterion_id": criterion.id,
                            "value": value,
                            "comment": comment,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    events.append(
                        (
                            "score.given",
                            uid,
                            "panellist",
                            "score",
                            next_score,
                            {
                                "round_id": self.round_.id,
                                "bid_id": bid_id,
                                "criterion_id": criterion.id,
                                "value": value,
                            },
                        )
                    )
                    next_score += 1
            for batch in chunked(rows):
                insert_rows(self.s, Score.__table__, batch)
            chain.append(events)
            total += len(rows)
        self.made.scored = by_panellist
        self.made.counts["scores"] = total
        self.step(f"{total:,} scores")

    def ballots(self) -> None:
        """Every panellist's approval ballot, as `cast_ballot` records it (its receipt code from the same function);
        together they approve each favourite bid at least once and nothing else, so the tally funds exactly them."""
        from grants.models import Ballot, BallotChoice, RoundStatus, utcnow
        from grants.voting import receipts

        self.move(self.round_, RoundStatus.VOTING, now=self.opens + timedelta(days=61))
        favourites = [self.made.bid_ids[i] for i in self.favourite_positions]
        chosen: dict[int, set[int]] = {uid: set() for uid in self.panellist_ids}
        limit = self.sizes.approvals
        # Every favourite goes on some ballot (one whose panellist is not recused from it), then ballots fill up.
        order = list(self.panellist_ids)
        k = 0
        for bid_id in favourites:
            for _ in range(len(order)):
                uid = order[k % len(order)]
                k += 1
                if bid_id not in self.made.recused[uid] and len(chosen[uid]) < limit:
                    chosen[uid].add(bid_id)
                    break
            else:
                raise SystemExit(f"bench: no ballot has room for bid {bid_id}: raise --approvals")
        for uid in self.panellist_ids:
            room = [b for b in favourites if b not in self.made.recused[uid] and b not in chosen[uid]]
            want = max(0, self.rng.randint(limit // 2, limit) - len(chosen[uid]))
            chosen[uid].update(self.rng.sample(room, min(want, len(room))))
        first, choice_first = next_id(self.s, Ballot), next_id(self.s, BallotChoice)
        now = utcnow()
        ballots, choices, events = [], [], []
        for i, uid in enumerate(self.panellist_ids):
            ballot_id = first + i
            stored = sorted(chosen[uid])
            salt = f"{self.rng.getrandbits(128):032x}"
            code = receipts.receipt_code(salt=salt, round_id=self.round_.id, ballot_id=ballot_id, choices=stored)
            ballots.append(
                {
                    "id": ballot_id,
                    "round_id": self.round_.id,
                    "user_id": uid,
                    "is_current": True,
                    "superseded_at": None,
                    "recorded_by_staff_id": None,
                    "receipt_salt": salt,
                    "receipt_code": code,
                    "created_at": now,
                }
            )
            for position, bid_id in enumerate(stored, start=1):
                choices.append(
                    {"id": choice_first + len(choices), "ballot_id": ballot_id, "bid_id": bid_id, "position": position}
                )
            events.append(
                (
                    "ballot.cast",
                    uid,
                    "panellist",
                    "ballot",
                    ballot_id,
                    {
                        "round_id": self.round_.id,
                        "ballot_id": ballot_id,
                        "panellist_id": uid,
                        "method": "approval",
                        "bids": stored,
                        "on_paper": False,
                        "replaces": None,
                    },
                )
            )
        insert_rows(self.s, Ballot.__table__, ballots)
        for batch in chunked(choices):
            insert_rows(self.s, BallotChoice.__table__, batch)
        self.chain().append(events)
        self.made.counts["ballots"] = len(ballots)
        self.step(f"{len(ballots)} ballots ({len(choices):,} approvals)")

    def decide(self) -> None:
        """Staff close the vote, one proposes ratifying the panel's result and the other confirms it (the tally runs
        in the real services, and is stored)."""
        from grants.decisions.confirmations import Asked, confirm, propose
        from grants.decisions.queries import funded_bid_ids
        from grants.models import ProposalKind, RoundStatus

        at = self.opens + timedelta(days=76)
        self.move(self.round_, RoundStatus.DECIDED, now=at)
        self.step("the vote closed")
        proposal = propose(
            self.s,
            round_=self.round_,
            asked=Asked(ProposalKind.RATIFY, "As the panel chose."),
            actor=self.staff,
            now=at + timedelta(hours=1),
        )
        self.step("ratifying proposed (the tally run to check it)")
        confirm(self.s, proposal=proposal, actor=self.staff2, now=at + timedelta(hours=2))
        funded = funded_bid_ids(self.s, self.round_.id)
        favourites = {self.made.bid_ids[i] for i in self.favourite_positions}
        if set(funded) != favourites:
            print(f"  note: the tally funds {len(funded)} bids, {len(set(funded) & favourites)} of the favourites")
        self.funded = funded
        self.step(f"ratified by a second member of staff: {len(funded):,} bids funded")

    # -- awards --

    def awards(self) -> None:
        """The first award through the real services (offer, acceptance, payment in full); the others in bulk with
        the same rows and events."""
        import sqlalchemy as sa

        from grants.awards.services import accept_offer, make_offer, record_payment
        from grants.models import Award, Bid, Payment, PublishedGrant, ReportDate, User, utcnow
        from grants.timefmt import today_in_london

        at = self.clock.at(self.opens + timedelta(days=80))
        today = today_in_london(at)
        due = [today + timedelta(days=120)]
        funded = self.funded[: self.sizes.awards]
        conditions = "Spend the grant on what the bid describes, and tell us how it went."
        first_bid = self.s.get(Bid, funded[0])
        member = self.s.get(User, self.member_of[first_bid.group_id])
        award = make_offer(
            self.s,
            bid=first_bid,
            amount_pence=first_bid.amount_pence,
            reduced_reason="",
            conditions=conditions,
            report_dates=due,
            withhold_name=False,
            actor=self.staff,
            now=at,
        )
        accept_offer(
            self.s,
            award=award,
            name=self.group_rows[first_bid.group_id]["contact_name"],
            conditions_accepted=True,
            actor=member,
            now=at + timedelta(days=1),
        )
        record_payment(
            self.s,
            award=award,
            amount_pence=award.amount_pence,
            paid_on=today + timedelta(days=2),
            reference="BACS-00001",
            actor=self.staff,
            now=at + timedelta(days=2),
        )
        self.first_award_id = award.id
        self.made.trail_bid_id = first_bid.id
        self.made.award_ids.append(award.id)
        self.s.flush()

        award_id, rd_id = next_id(self.s, Award), next_id(self.s, ReportDate)
        pg_id, pay_id = next_id(self.s, PublishedGrant), next_id(self.s, Payment)
        awards, dates, published, payments, events = [], [], [], [], []
        now = utcnow()
        titles = dict(self.s.execute(sa.select(Bid.id, Bid.title).where(Bid.id.in_(funded))).all())
        for n, bid_id in enumerate(funded[1:], start=2):
            gid = self.bid_group[bid_id]
            group = self.group_rows[gid]
            amount = self.bid_amount[bid_id]
            responded = at + timedelta(days=1, minutes=n)
            awards.append(
                {
                    "id": award_id,
                    "round_id": self.round_.id,
                    "bid_id": bid_id,
                    "amount_pence": amount,
                    "reduced_reason": "",
                    "conditions": conditions,
                    "status": "paid_in_full",
                    "paid_pence": amount,
                    "offered_by_id": self.staff.id,
                    "responded_at": responded,
                    "accepted_name": group["contact_name"],
                    "decline_reason": "",
                    "withdrawn_at": None,
                    "withdrawal_reason": "",
                    "withhold_name": False,
                    "created_at": now,
                }
            )
            dates.append({"id": rd_id, "award_id": award_id, "due_on": due[0]})
            published.append(
                {
                    "id": pg_id,
                    "award_id": award_id,
                    "group_name": group["name"],
                    "group_kind": group["kind"],
                    "registration_number": group["registration_number"],
                    "area": group["area"],
                    "bid_title": titles[bid_id],
                    "published_at": responded,
                    "modified_at": responded,
                    "published_by_id": None,
                }
            )
            payments.append(
                {
                    "id": pay_id,
                    "award_id": award_id,
                    "amount_pence": amount,
                    "paid_on": today + timedelta(days=2),
                    "reference": f"BACS-{n:05d}",
                    "recorded_by_id": self.staff.id,
                    "reverses_id": None,
                    "reason": "",
                    "created_at": now,
                }
            )
            about = {"round_id": self.round_.id, "bid_id": bid_id, "award_id": award_id}
            events.append(
                (
                    "award.offered",
                    self.staff.id,
                    "staff",
                    "award",
                    award_id,
                    {**about, "amount_pence": amount, "asked_pence": amount},
                )
            )
            events.append(("award.accepted", self.member_of[gid], "applicant", "award", award_id, dict(about)))
            events.append(
                (
                    "payment.recorded",
                    self.staff.id,
                    "staff",
                    "award",
                    award_id,
                    {**about, "payment_id": pay_id, "amount_pence": amount, "paid_pence": amount},
                )
            )
            self.made.award_ids.append(award_id)
            award_id, rd_id, pg_id, pay_id = award_id + 1, rd_id + 1, pg_id + 1, pay_id + 1
        insert_rows(self.s, Award.__table__, awards)
        insert_rows(self.s, ReportDate.__table__, dates)
        insert_rows(self.s, PublishedGrant.__table__, published)
        insert_rows(self.s, Payment.__table__, payments)
        self.chain().append(events)
        self.made.counts["awards"] = len(self.made.award_ids)
        self.step(f"{len(self.made.award_ids):,} awards offered, accepted and paid in full")

    def reports(self) -> None:
        """Groups tell their story for their award's report date, through the real services."""
        import sqlalchemy as sa

        from grants.models import Award, ReportDate, User
        from grants.reports.group_services import report_for, save_draft, submit_report

        at = self.clock.at(self.opens + timedelta(days=200))
        award_ids = self.made.award_ids[: self.sizes.reports]
        dates = {
            rd.award_id: rd for rd in self.s.scalars(sa.select(ReportDate).where(ReportDate.award_id.in_(award_ids)))
        }
        awards = {a.id: a for a in self.s.scalars(sa.select(Award).where(Award.id.in_(award_ids)))}
        members = {
            u.id: u
            for u in self.s.scalars(
                sa.select(User).where(User.id.in_([self.member_of[self.bid_group[a.bid_id]] for a in awards.values()]))
            )
        }
        for i, award_id in enumerate(award_ids):
            award = awards[award_id]
            writer = members[self.member_of[self.bid_group[award.bid_id]]]
            report_date = dates[award_id]
            save_draft(
                self.s,
                report_date=report_date,
                texts=[self.words(40), self.words(30), self.words(20), ""],
                recording_url="",
                actor=writer,
            )
            report = report_for(self.s, report_date)
            submit_report(self.s, report=report, share_publicly=i % 3 == 0, actor=writer, now=at + timedelta(minutes=i))
            if i % 100 == 99:
                self.s.commit()
        self.made.counts["reports"] = len(award_ids)
        self.step(f"{len(award_ids)} reports sent")

    # -- the other rounds (real services) --

    def other_rounds(self) -> None:
        """The funder's other rounds, each with a few bids written and sent through the real services: older ones
        closed and screened, the last two open now."""
        import sqlalchemy as sa

        from grants.bids.services import BudgetLineInput, save_amount, save_answer, save_title, start_bid, submit_bid
        from grants.models import Group, RoundStatus, User
        from grants.screening.services import screen_bid

        others = self.sizes.rounds - 1
        if others <= 0:
            return
        now = self.real_now
        total = 0
        for r in range(others):
            open_now = r >= others - 2
            opens = now - timedelta(days=10) if open_now else self.opens + timedelta(days=20 * (r + 1))
            closes = now + timedelta(days=30) if open_now else opens + timedelta(days=14)
            round_ = self.make_round(
                code=f"R{r + 1:02d}",
                title=f"Small Sparks {r + 1}",
                opens=opens,
                closes=closes,
                budget_pence=2_000_000,
                method="scores",
                approval_limit=None,
                scoring_closes=closes + timedelta(days=20),
                voting_closes=closes + timedelta(days=30),
            )
            gids = self.rng.sample(self.group_ids, self.sizes.other_bids)
            groups = {g.id: g for g in self.s.scalars(sa.select(Group).where(Group.id.in_(gids)))}
            users = {
                u.id: u for u in self.s.scalars(sa.select(User).where(User.id.in_([self.member_of[g] for g in gids])))
            }
            made = []
            for j, gid in enumerate(gids):
                member = users[self.member_of[gid]]
                when = opens + timedelta(days=1, minutes=10 * j)
                bid = start_bid(self.s, round_=round_, group=groups[gid], actor=member, now=when)
                save_title(self.s, bid=bid, title=f"{self.rng.choice(DOINGS)} the {self.rng.choice(THINGS)}")
                for question in round_.questions:
                    save_answer(self.s, bid=bid, question=question, text=self.words(30))
                pounds = self.amounts() // 100
                save_amount(self.s, bid=bid, amount=str(pounds), lines=[BudgetLineInput("Materials", str(pounds))])
                submit_bid(
                    self.s,
                    bid=bid,
                    declaration_name=groups[gid].contact_name,
                    confirmed=True,
                    actor=member,
                    now=when + timedelta(minutes=5),
                )
                made.append(bid)
            total += len(made)
            if open_now:
                self.made.open_round_ids.append(round_.id)
            else:
                self.move(round_, RoundStatus.CLOSED, RoundStatus.SCREENING, now=closes + timedelta(hours=1))
                for j, bid in enumerate(made):
                    screen_bid(
                        self.s,
                        bid=bid,
                        eligible=True,
                        reason="",
                        actor=self.staff,
                        now=closes + timedelta(days=1, minutes=j),
                    )
            self.made.other_round_ids.append(round_.id)
        self.made.counts["other rounds"] = others
        self.made.counts["other rounds' bids"] = total
        self.step(f"{others} other rounds with {total} bids ({len(self.made.open_round_ids)} open now)")

    # -- checks --

    def check(self) -> None:
        """Every chain verified from its genesis, and the bulk award's events the same shape as the real one's."""
        import sqlalchemy as sa

        from grants.audit.walk import verify_all_chains
        from grants.models import AuditEvent

        def shape(award_id: int) -> list[tuple[str, str | None, tuple[str, ...]]]:
            rows = self.s.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.object_type == "award", AuditEvent.object_id == award_id)
                .order_by(AuditEvent.chain, AuditEvent.seq)
            )
            return [(e.action, e.actor_role, tuple(sorted(e.facts))) for e in rows]

        real, bulk = shape(self.first_award_id), shape(self.made.award_ids[-1])
        if real != bulk:
            raise SystemExit(f"bench: the bulk award's events differ from the real services':\n{real}\n{bulk}")
        reports = verify_all_chains(self.s)
        for report in reports:
            print(f"  chain {report.chain}: {report.count:,} events, " + ("valid" if report.ok else report.problem))
        if not all(r.ok for r in reports):
            raise SystemExit("bench: an audit chain does not verify")
        self.step("checked: every chain verifies; bulk award events match the real services' in shape")


def _large_sqlite_cache(dbapi_connection: Any, connection_record: Any) -> None:
    """A page cache of 1 GiB for the seeder's SQLite connections: the audit chain's unique (chain, prev_hash) index
    takes its rows in random order, which SQLite's default 2 MiB cache turns into a re-read page per row."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA cache_size = -1048576")
        cursor.close()


def reset(database_url: str) -> None:
    """Empty the database: the file removed (SQLite), or every table dropped (PostgreSQL)."""
    import sqlalchemy as sa

    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def count_rows(session: Any) -> dict[str, int]:
    import sqlalchemy as sa

    from grants.models import (
        AuditEvent,
        Award,
        Ballot,
        Bid,
        ConflictDeclaration,
        Group,
        OutboxEmail,
        Payment,
        Report,
        Round,
        Score,
        User,
    )

    models = {
        "users": User,
        "groups": Group,
        "rounds": Round,
        "bids": Bid,
        "declarations": ConflictDeclaration,
        "scores": Score,
        "ballots": Ballot,
        "awards": Award,
        "payments": Payment,
        "reports": Report,
        "audit events": AuditEvent,
        "emails queued": OutboxEmail,
    }
    return {name: int(session.scalar(sa.select(sa.func.count()).select_from(m)) or 0) for name, m in models.items()}


def main(argv: Sequence[str] | None = None) -> int:
    args, sizes = parse_args(argv)
    benchenv.refuse_dev_database(args.database_url)
    if args.reset:
        reset(args.database_url)
    import sqlalchemy as sa
    from sqlalchemy.engine import Engine

    sa.event.listen(Engine, "connect", _large_sqlite_cache)
    app = benchenv.make_app(args.database_url)
    from flask_migrate import upgrade

    from grants.extensions import db

    print(f"seeding {args.database_url} (seed {args.seed}): {sizes}", flush=True)
    started = time.perf_counter()
    with app.app_context():
        if sa.inspect(db.engine).get_table_names():
            raise SystemExit("bench: the database is not empty; pass --reset to empty it first")
        upgrade()
        print(f"  {time.perf_counter() - started:7.1f} s  schema built by the migrations", flush=True)
        seeder = Seeder(db.session, sizes, args.seed)
        seeder.funder()
        seeder.groups()
        seeder.large_round()
        seeder.panel()
        seeder.declarations()
        seeder.scores()
        seeder.ballots()
        seeder.decide()
        seeder.awards()
        seeder.reports()
        seeder.other_rounds()
        if args.check:
            seeder.check()
        counts = count_rows(db.session)
        made = seeder.made
        scorer = next(uid for uid, bids in made.scored.items() if bids)
        scorer_email = dict(made.panellists)[scorer]
        facts = {
            "database_url": args.database_url,
            "seed": args.seed,
            "sizes": sizes.__dict__,
            "seeded_on": seeder.real_now.isoformat(),
            "seconds": round(time.perf_counter() - started, 1),
            "password": benchenv.PASSWORD,
            "totp_secret": benchenv.TOTP_SECRET,
            "logins": {
                "staff": ACCOUNT_EMAILS["staff"],
                "staff2": ACCOUNT_EMAILS["staff2"],
                "auditor": ACCOUNT_EMAILS["auditor"],
                "admin": ACCOUNT_EMAILS["admin"],
                "panellist": scorer_email,
            },
            "funder_id": made.funder_id,
            "funder_slug": made.funder_slug,
            "large_round_id": made.large_round_id,
            "other_round_ids": made.other_round_ids,
            "open_round_ids": made.open_round_ids,
            # A bid the panellist scored (so not recused from it); the first award's bid, whose trail is the longest.
            "scored_bid_id": made.scored[scorer][0],
            "bid_id": made.bid_ids[0],
            "trail_bid_id": made.trail_bid_id,
            "award_ids": made.award_ids[:5],
            "counts": counts,
        }
    out = args.out or benchenv.seeded_path(args.database_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    print(f"\nbuilt in {facts['seconds']} s:")
    for name, value in counts.items():
        print(f"  {name:>14}: {value:,}")
    print(
        f"\nlogins (password {benchenv.PASSWORD!r}; staff, auditor and admin also a code from the key"
        f" {benchenv.TOTP_SECRET}):"
    )
    for role, email in facts["logins"].items():
        print(f"  {role:>10}: {email}")
    print(f"large round: {made.large_round_id}; funder: /funders/{made.funder_slug}; written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
