"""Benchmark the audit chain at a large funder's scale: full and incremental verification, hashing against a bare
loop of the same hashing, the trail pages and the exports (time and peak memory).

    .venv/bin/python bench/audit_bench.py                         # 250,000 events in /tmp, about two minutes
    .venv/bin/python bench/audit_bench.py --events 1270000        # the scale of issue 13
    .venv/bin/python bench/audit_bench.py --database-url postgresql://postgres@127.0.0.1:5432/audit_bench
    .venv/bin/python bench/audit_bench.py --reuse                 # measure again on the database already built

The database is built in a file (or a PostgreSQL database whose name has "bench" in it, which is emptied first) by
the real migrations, then filled by bulk inserts: one funder, a decided round of bids from as many groups, 200
panellists who declared on every bid, 40 scores per bid, 200 ballots of 20 bids, a tally and its ratification,
awards with payments for a fifth of the bids and reports for a tenth, and one bid whose scores changed 3,000
times (a trail of thousands of events). Each event is hashed into the funder's chain as `record_event` would and
written to the trail index by the same rules, so the chain verifies. A recorded tally run holds inputs of the
round's size (bids, 40 scores per bid, recusals, ballots).

Each measurement runs in a fresh process, so its peak memory (VmHWM) is its own; "process floor" is a
process that only starts the app and runs one query. Hash rates are measured over the same rows in the same run:
the old hashing (the pure-Python rfc8785 library over payload dicts), `compute_hash` over the same dicts, and the
hashing of the verification loop over the same rows held in memory; the full verification is then compared with
the last, so what it costs beyond hashing is the reading of the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRANTS_ENV", "development")

SEED = 20261208
PANELLISTS = 200
SCORES_PER_BID = 40
BALLOT_SIZE = 20
HOT_BID_CHANGES = 3_000  # score changes of one bid: a trail of thousands of events
EVENTS_PER_BID = 2 + 1 + PANELLISTS + SCORES_PER_BID + 3 * 0.2 + 0.1  # sent, screened, conflicts, scores, ...
DEFAULT_EVENTS = 250_000
HASH_SAMPLE = 100_000  # rows held in memory for the bare hashing loops
NEW_EVENTS = 1_000  # events appended through record_event before the incremental measurements
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- the database -----------------------------------------------------------------------------------------------


def make_app(url: str) -> Any:
    from grants import create_app
    from tests.support.app import BASE_CONFIG

    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})


def reset_database(url: str) -> None:
    import sqlalchemy as sa

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = sa.engine.make_url(url).database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to empty database {name!r}: its name must contain 'bench'")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


class MapLookup:
    """The trail index's lookups from maps (the bench's awards and reports have no rows)."""

    def __init__(self, bid_round: dict[int, int], awards: dict[int, tuple[int, int]], reports: dict[int, int]):
        self._bid_round, self._awards, self._reports = bid_round, awards, reports

    def bid_round(self, bid_id: int) -> int | None:
        return self._bid_round.get(bid_id)

    def award(self, award_id: int) -> tuple[int, int] | None:
        return self._awards.get(award_id)

    def report_award(self, report_id: int) -> int | None:
        return self._reports.get(report_id)


Event = tuple[str, int | None, str | None, str | None, int | None, dict[str, Any]]


def story(
    rng: random.Random, round_id: int, bids: list[int], panellists: list[int], staff: int
) -> tuple[Iterator[Event], dict[int, tuple[int, int]], dict[int, int]]:
    """The round's events in the order they happened, and the awards and reports they name."""
    awarded = sorted(rng.sample(bids, len(bids) // 5))
    awards = {i + 1: (round_id, bid) for i, bid in enumerate(awarded)}
    reports = {i + 1: award_id for i, award_id in enumerate(sorted(rng.sample(sorted(awards), len(awards) // 2)))}
    hot = bids[0]

    def events() -> Iterator[Event]:
        for bid in bids:
            yield "bid.created", None, "applicant", "bid", bid, {"round_id": round_id, "on_behalf": False}
            yield "bid.submitted", None, "applicant", "bid", bid, {"round_id": round_id}
        for bid in bids:
            facts = {"round_id": round_id, "outcome": "eligible", "previous": "submitted"}
            yield "bid.screened", staff, "staff", "bid", bid, facts
        declaration = 0
        for panellist in panellists:
            for bid in bids:
                declaration += 1
                kind = "personal" if rng.random() < 0.02 else "none"
                facts = {"round_id": round_id, "bid_id": bid, "kind": kind, "by_system": False}
                yield "conflict.declared", panellist, "panellist", "conflict_declaration", declaration, facts
        score = 0
        for bid in bids:
            for i in range(SCORES_PER_BID):
                score += 1
                facts = {"round_id": round_id, "bid_id": bid, "criterion_id": 1 + i % 4, "value": rng.randint(1, 5)}
                yield "score.given", panellists[i * 5 % len(panellists)], "panellist", "score", score, facts
        for i in range(HOT_BID_CHANGES):
            facts = {"round_id": round_id, "bid_id": hot, "criterion_id": 1 + i % 4, "value": 1 + i % 5}
            yield "score.changed", panellists[i % len(panellists)], "panellist", "score", 1 + i % 4, facts
        for ballot, panellist in enumerate(panellists, start=1):
            facts = {
                "round_id": round_id, "ballot_id": ballot, "panellist_id": panellist, "method": "approval",
                "bids": rng.sample(bids, min(BALLOT_SIZE, len(bids))), "on_paper": False, "replaces": None,
            }  # fmt: skip
            yield "ballot.cast", panellist, "panellist", "ballot", ballot, facts
        funded = [bid for _, bid in awards.values()]
        for kind in ("panel", "ratified"):
            facts = {"round_id": round_id, "tally_run_id": 1, "kind": kind, "digest": "0" * 64, "funded_ids": funded}
            yield "tally.recorded", staff, "staff", "round", round_id, facts
        yield "decision.ratified", staff, "staff", "round", round_id, {"round_id": round_id, "funded_ids": funded}
        for award_id, (_, bid) in awards.items():
            facts = {"round_id": round_id, "bid_id": bid, "amount_pence": 1_000_00}
            yield "award.offered", staff, "staff", "award", award_id, facts
            yield "award.accepted", None, "applicant", "award", award_id, {"round_id": round_id, "bid_id": bid}
            facts = {"round_id": round_id, "bid_id": bid, "amount_pence": 500_00, "paid_pence": 500_00}
            yield "payment.recorded", staff, "staff", "award", award_id, facts
        for report_id, award_id in reports.items():
            facts = {"round_id": round_id, "award_id": award_id}
            yield "report.submitted", None, "applicant", "report", report_id, facts

    return events(), awards, reports


def build(url: str, n_events: int) -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from grants.audit.chain import chain_head, compute_hash, event_payload
    from grants.audit.index import link_rows, subjects
    from grants.extensions import db
    from grants.models import (
        AuditEvent,
        Bid,
        BidEventLink,
        BidStatus,
        Funder,
        Group,
        GroupKind,
        Ratification,
        Round,
        RoundEventLink,
        RoundStatus,
        TallyRun,
        User,
        VotingMethod,
    )
    from tests.support.factories import make_auditor, make_staff

    n_bids = max(50, round((n_events - HOT_BID_CHANGES) / EVENTS_PER_BID))
    rng = random.Random(SEED)  # noqa: S311  (repeatable benchmark data, not a secret)
    reset_database(url)
    app = make_app(url)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        s = db.session
        funder = Funder(name="Large Community Fund", slug="large-community-fund")
        s.add(funder)
        s.flush()
        staff = make_staff(s, funder, email="staff@bench.example")
        make_auditor(s, funder, email="auditor@bench.example")
        panellists = [
            User(email=f"panel{i}@bench.example", name=f"Panellist {i}", password_hash="!")  # noqa: S106
            for i in range(PANELLISTS)
        ]
        s.add_all(panellists)
        round_ = Round(
            funder_id=funder.id, code="BIG", title="The large round", summary="-", who_can_apply="-",
            budget_pence=10_000_000_00, min_grant_pence=100_00, max_grant_pence=25_000_00,
            opens_at=START - timedelta(days=90), closes_at=START - timedelta(days=60), status=RoundStatus.DECIDED,
            voting_method=VotingMethod.APPROVAL, scoring_closes_at=START - timedelta(days=30),
            voting_closes_at=START - timedelta(days=10), bid_counter=n_bids,
        )  # fmt: skip
        s.add(round_)
        groups = [Group(name=f"Group {i}", area="Riverside", kind=GroupKind.INFORMAL) for i in range(n_bids)]
        s.add_all(groups)
        s.flush()
        bids = [
            Bid(
                round_id=round_.id,
                group_id=g.id,
                number=i + 1,
                title=f"Project {i + 1}",
                amount_pence=2_000_00,
                status=BidStatus.ELIGIBLE,
                submitted_at=START,
                screened_at=START,
                screened_by_id=staff.id,
            )
            for i, g in enumerate(groups)
        ]
        s.add_all(bids)
        s.flush()
        bid_ids = [b.id for b in bids]
        panellist_ids = [p.id for p in panellists]
        inputs = {
            "bids": [{"id": b, "amount_pence": 2_000_00, "submitted_at": "2026-03-02T09:00:00Z"} for b in bid_ids],
            "scores": [
                {"panellist_id": panellist_ids[i * 5 % PANELLISTS], "bid_id": b, "criterion_id": 1 + i % 4, "value": 3}
                for b in bid_ids
                for i in range(SCORES_PER_BID)
            ],
            "recusals": [{"panellist_id": panellist_ids[0], "bid_id": b} for b in bid_ids[: len(bid_ids) // 50]],
            "ballots": [{"panellist_id": p, "bids": bid_ids[:BALLOT_SIZE]} for p in panellist_ids],
        }
        result = {"method": "approval", "used_pence": 0, "budget_pence": 1, "funded_ids": bid_ids[: n_bids // 5]}
        runs = [
            TallyRun(
                round_id=round_.id, kind=kind, algorithm_version="bench", digest="0" * 64, inputs=inputs,
                result=result,
            )
            for kind in ("panel", "ratified")
        ]  # fmt: skip
        s.add_all(runs)
        s.flush()
        s.add(Ratification(round_id=round_.id, panel_run_id=runs[0].id, ratified_run_id=runs[1].id,
                           ratified_by_id=staff.id))  # fmt: skip
        s.commit()
        round_id, chain, staff_id = round_.id, funder.id, staff.id
        s.expunge_all()
        del inputs, bids, groups, panellists
        events, awards, reports = story(rng, round_id, bid_ids, panellist_ids, staff_id)
        lookup = MapLookup(dict.fromkeys(bid_ids, round_id), awards, reports)
        seq, prev = chain_head(s, chain)
        s.commit()
        table, round_links, bid_links = AuditEvent.__table__, RoundEventLink.__table__, BidEventLink.__table__
        batch: list[dict[str, Any]] = []
        links: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])

        def flush() -> None:
            with db.engine.begin() as conn:
                conn.execute(sa.insert(table), batch)
                if links[0]:
                    conn.execute(sa.insert(round_links), links[0])
                if links[1]:
                    conn.execute(sa.insert(bid_links), links[1])
            batch.clear()
            links[0].clear()
            links[1].clear()

        for action, actor_id, role, object_type, object_id, facts in events:
            seq += 1
            when = START + timedelta(seconds=seq * 3, microseconds=seq * 7919 % 1_000_000)
            payload = event_payload(
                chain=chain, seq=seq, occurred_at=when, actor_id=actor_id, actor_role=role, action=action,
                object_type=object_type, object_id=object_id, facts=facts,
            )  # fmt: skip
            digest = compute_hash(prev, payload)
            batch.append(
                {
                    "chain": chain, "funder_id": chain, "seq": seq, "occurred_at": when, "actor_id": actor_id,
                    "actor_role": role, "action": action, "object_type": object_type, "object_id": object_id,
                    "facts": facts, "prev_hash": prev, "hash": digest,
                }
            )  # fmt: skip
            rounds, bid_rows = link_rows(chain, seq, subjects(action, object_type, object_id, facts, lookup))
            links[0].extend(rounds)
            links[1].extend(bid_rows)
            prev = digest
            if len(batch) >= 20_000:
                flush()
        if batch:
            flush()
    print(f"built {seq} events, {n_bids} bids in {time.perf_counter() - started:.0f} s", file=sys.stderr)


# --- the measurements, each in a process of its own ---------------------------------------------------------------


def check(holds: bool, what: Any) -> None:
    if not holds:
        raise SystemExit(f"check failed: {what}")


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh at exec (ru_maxrss does not: a child
    started by fork and exec would report the parent's peak if it was higher)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _round_and_bids(s: Any) -> tuple[Any, int, int]:
    import sqlalchemy as sa

    from grants.models import Bid, Round

    round_ = s.scalars(sa.select(Round).where(Round.code == "BIG")).one()
    hot = s.scalar(sa.select(sa.func.min(Bid.id)).where(Bid.round_id == round_.id))
    typical = s.scalar(sa.select(sa.func.max(Bid.id)).where(Bid.round_id == round_.id))
    return round_, hot, typical


def _sample(s: Any, chain: int) -> list[Any]:
    from grants.audit.walk import chain_rows

    rows: list[Any] = []
    for page in chain_rows(s, chain):
        rows.extend(page)
        if len(rows) >= HASH_SAMPLE:
            return rows[:HASH_SAMPLE]
    return rows


def measure(name: str, url: str) -> dict[str, Any]:
    import hashlib

    import rfc8785
    import sqlalchemy as sa

    from grants.audit import chain as chain_module
    from grants.audit import verification
    from grants.audit import walk as walk_module
    from grants.extensions import db
    from grants.models import AuditEvent, Funder, utcnow

    app = make_app(url)
    out: dict[str, Any] = {}
    with app.app_context():
        s = db.session
        funder = s.scalars(sa.select(Funder).where(Funder.slug == "large-community-fund")).one()
        chain = funder.id
        events = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.chain == chain))
        out["events"] = events
        if name == "floor":
            pass
        elif name.startswith("hash"):
            rows = _sample(s, chain)
            times = [walk_module.time_text(s, chain, r[0], r[1]) for r in rows]
            payloads = [
                {"chain": chain, "seq": r[0], "occurred_at": t, "actor_id": r[2], "actor_role": r[3], "action": r[4],
                 "object_type": r[5], "object_id": r[6], "facts": json.loads(r[7])}
                for r, t in zip(rows, times, strict=True)
            ]  # fmt: skip
            sha = hashlib.sha256

            def old() -> None:
                for r, p in zip(rows, payloads, strict=True):
                    check(sha(r[8].encode("ascii") + rfc8785.dumps(p)).hexdigest() == r[9], r[0])

            def new() -> None:
                for r, p in zip(rows, payloads, strict=True):
                    check(chain_module.compute_hash(r[8], p) == r[9], r[0])

            def loop() -> None:
                body = walk_module.row_payload_json
                for r, t in zip(rows, times, strict=True):
                    check(sha(r[8].encode("ascii") + body(chain, r, t)).hexdigest() == r[9], r[0])

            for label, fn in (("rfc8785", old), ("compute_hash", new), ("verify loop", loop)):
                seconds, _ = _timed(fn)
                out[label] = len(rows) / seconds
            out["sample"] = len(rows)
        elif name == "verify-old":
            # The verification as it was: every row as an ORM object, hashed with the pure-Python library.
            def old_verify() -> int:
                prev, count = chain_module.genesis_hash(chain), 0
                rows = s.scalars(
                    sa.select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)
                    .execution_options(yield_per=1000)
                )  # fmt: skip
                for row in rows:
                    payload = chain_module.payload_of(row)
                    digest = hashlib.sha256(row.prev_hash.encode("ascii") + rfc8785.dumps(payload)).hexdigest()
                    check(row.prev_hash == prev and digest == row.hash, row.seq)
                    prev, count = row.hash, count + 1
                return count

            out["seconds"], out["verified"] = _timed(old_verify)
        elif name == "verify-full":
            seconds, report = _timed(lambda: verification.verify_full(s, chain, now=utcnow(), between_pages=s.commit))
            s.commit()
            check(report.ok, report.problem)
            out["seconds"], out["verified"] = seconds, report.count
        elif name == "verify-new":
            from grants.audit.chain import record_event
            from grants.models import Bid

            _, hot, typical = _round_and_bids(s)
            other = (hot + typical) // 2  # not the bids whose trails are measured
            round_id = s.get(Bid, other).round_id
            seconds, _ = _timed(lambda: [
                record_event(s, "bid.submitted", about=other, facts={"round_id": round_id})
                for _ in range(NEW_EVENTS)
            ])  # fmt: skip
            s.commit()
            out["record_event each (ms)"] = seconds / NEW_EVENTS * 1000
            # The same calls without writing the index, to see what the index costs a writer.
            real = chain_module.index_event
            chain_module.index_event = lambda *_: None  # type: ignore[assignment]
            seconds, _ = _timed(lambda: [
                record_event(s, "bid.submitted", about=other, facts={"round_id": round_id})
                for _ in range(NEW_EVENTS)
            ])  # fmt: skip
            chain_module.index_event = real
            s.rollback()
            out["record_event each without the index (ms)"] = seconds / NEW_EVENTS * 1000
            out["page check (s)"], status = _timed(lambda: verification.chain_status(s, chain))
            out["page checked"] = status.checked_now
            s.rollback()
            out["seconds"], report = _timed(lambda: verification.verify_new(s, chain, now=utcnow()))
            s.commit()
            check(report.ok, report.problem)
            out["verified"] = report.count
            out["page check after (s)"], status = _timed(lambda: verification.chain_status(s, chain))
            out["page checked after"] = status.checked_now
        elif name.startswith("trail"):
            from grants.audit.trail import bid_trail
            from grants.models import Bid

            _, hot, typical = _round_and_bids(s)
            bid = s.get(Bid, hot if name == "trail-hot" else typical)
            statements: list[str] = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            out["first page (s)"], page = _timed(lambda: bid_trail(s, bid, name_panellists=True))
            out["total"], out["pages"] = page.total, page.pages
            out["last page (s)"], _ = _timed(lambda: bid_trail(s, bid, name_panellists=True, page=page.pages))
            out["statements per page"] = len(statements) // 2
        elif name == "round-audit":
            from grants.audit.trail import round_audit

            round_, _, _ = _round_and_bids(s)
            out["seconds"], audit = _timed(lambda: round_audit(s, round_))
            out["page checked"] = audit.chain.checked_now
        elif name.startswith("export"):
            from grants.audit import exports, funder_export

            round_, _, _ = _round_and_bids(s)
            make = {
                "export-csv": lambda: exports.round_trail_csv(s, round_),
                "export-jsonl": lambda: exports.round_log_jsonl(s, round_),
                "export-funder": lambda: funder_export.export_chunks(s, funder),
            }[name]

            def consume() -> int:
                size = 0
                with open(os.devnull, "w", encoding="utf-8") as sink:
                    for chunk in make():
                        size += len(chunk)
                        sink.write(chunk)
                return size

            out["seconds"], size = _timed(consume)
            out["MB written"] = size / 1e6
        elif name.startswith("http"):
            from tests.support.signin import sign_in

            round_, hot, typical = _round_and_bids(s)
            url_of = {
                "http-round": f"/audit/rounds/{round_.id}",
                "http-trail": f"/audit/bids/{hot}",
                "http-csv": f"/audit/rounds/{round_.id}/trail.csv",
                "http-funder": f"/audit/funders/{funder.id}/export.jsonl",
            }[name]
            s.remove()
            client = app.test_client()
            sign_in(client, "auditor@bench.example")

            if name in ("http-round", "http-trail"):
                client.get(url_of).close()  # the first request of a process compiles the page's templates

            def get() -> int:
                response = client.get(url_of)
                check(response.status_code == 200, response.status_code)
                size = 0
                for chunk in response.response:
                    size += len(chunk)
                response.close()
                return size

            out["seconds"], size = _timed(get)
            out["MB"] = size / 1e6
        else:
            raise SystemExit(f"no measurement {name!r}")
    out["peak MB"] = _peak_mb()
    return out


def run_measure(name: str, url: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603  (our own script, our own arguments)
        [sys.executable, __file__, "--database-url", url, "--measure", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="events in the funder's chain")
    parser.add_argument("--database-url", help="default: a SQLite file in /tmp named after --events")
    parser.add_argument("--reuse", action="store_true", help="measure the database already built")
    parser.add_argument("--old", action="store_true", help="also time the verification as it was (slow)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.gettempdir()) / f'audit-bench-{args.events}.sqlite'}"
    if args.measure:
        print(json.dumps(measure(args.measure, url)))
        return
    if not args.reuse:
        build(url, args.events)
    names = ["floor", "hash", "verify-full", "verify-new", "round-audit", "trail-hot", "trail-typical"]
    names += ["export-csv", "export-jsonl", "export-funder", "http-round", "http-trail", "http-csv", "http-funder"]
    if args.old:
        names.insert(2, "verify-old")
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, {url.split(':')[0]}")
    results = {}
    for name in names:
        results[name] = run_measure(name, url)
        print(f"{name}: {json.dumps(results[name])}", flush=True)
    report(results)


def report(results: dict[str, dict[str, Any]]) -> None:
    """The figures as Markdown tables."""
    events = results["floor"]["events"]
    hashing, full, new = results["hash"], results["verify-full"], results["verify-new"]
    loop = hashing["verify loop"]
    rate = full["verified"] / full["seconds"]
    print(f"\n{events:,} events in the funder's chain\n")
    print(f"| hashing, over the same {hashing['sample']:,} rows | hashes/s | against the verify loop |")
    print("| --- | ---: | ---: |")
    words = {
        "rfc8785": "old: rfc8785.dumps of each payload dict, rows in memory",
        "compute_hash": "`compute_hash` of each payload dict, rows in memory",
        "verify loop": "the verification's hashing of each row, rows in memory (the bare loop)",
    }
    for label, said in words.items():
        print(f"| {said} | {hashing[label]:,.0f} | {hashing[label] / loop:.2f} |")
    print(f"| full verification, rows read from the database | {rate:,.0f} | {rate / loop:.2f} |")
    rows = [("process floor (app started, one query)", "", results["floor"])]
    if "verify-old" in results:
        rows.append(("full verification as it was (ORM rows, rfc8785)", f"{results['verify-old']['seconds']:.1f} s",
                     results["verify-old"]))  # fmt: skip
    rows += [
        ("full verification (`flask audit verify`'s `verify_full`)", f"{full['seconds']:.1f} s", full),
        (f"{NEW_EVENTS:,} `record_event` calls, with the trail index", f"{new['record_event each (ms)']:.2f} ms each",
         None),
        ("the same calls without writing the index", f"{new['record_event each without the index (ms)']:.2f} ms each",
         None),
        (f"page check with {new['page checked']:,} new events", f"{new['page check (s)'] * 1000:.0f} ms", None),
        (f"`verify_new` of {new['verified']:,} new events", f"{new['seconds'] * 1000:.0f} ms", new),
        ("page check with nothing new", f"{new['page check after (s)'] * 1000:.0f} ms", None),
        ("`round_audit` (the round audit page's reads)", f"{results['round-audit']['seconds'] * 1000:.0f} ms",
         results["round-audit"]),
    ]  # fmt: skip
    for key, said in (("trail-hot", "the busiest bid"), ("trail-typical", "a typical bid")):
        t = results[key]
        rows.append((
            f"`bid_trail` of {said} ({t['total']:,} events, {t['pages']} pages), first / last page",
            f"{t['first page (s)'] * 1000:.0f} / {t['last page (s)'] * 1000:.0f} ms", t,
        ))  # fmt: skip
    for key, said in (
        ("export-csv", "the round's trail CSV"), ("export-jsonl", "the round's JSON Lines"),
        ("export-funder", "the funder's whole export"),
    ):  # fmt: skip
        e = results[key]
        rows.append((f"{said} ({e['MB written']:.0f} MB), streamed to /dev/null", f"{e['seconds']:.1f} s", e))
    for key, said in (
        ("http-round", "round audit page"), ("http-trail", "the busiest bid's trail, page 1"),
        ("http-csv", "trail CSV"), ("http-funder", "funder's whole export"),
    ):  # fmt: skip
        h = results[key]
        rows.append((f"GET {said} ({h['MB']:.1f} MB), test client, as the auditor", f"{h['seconds']:.2f} s", h))
    print("\n| measurement | time | peak memory of its process |")
    print("| --- | ---: | ---: |")
    for said, seconds, result in rows:
        peak = f"{result['peak MB']:.0f} MB" if result else ""
        print(f"| {said} | {seconds} | {peak} |")


if __name__ == "__main__":
    main()
