"""Verifying a round's ratified decision: re-run its tallies and compare them with what was stored.

For each stored run (the panel's and the ratified one) it checks that the stored inputs still hash to the stored
digest, that re-running the tally on the stored inputs gives the stored result, and that the inputs read from the
database now give the same digest and result. It also checks that the departures and the ratification note still
match the hashes logged in the audit chain. Every difference is named in plain words.

A run recorded before results stored their explanation as structured steps has the explanation in words only.
Its words are still compared with the re-run's (the words are made from the steps, so they agree exactly when
the steps do), and the steps it never stored are not counted as a difference: such runs verify as they did, and
ALGORITHM_VERSION stays as it is, because no figure, ranking or funded set can differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import rfc8785
import sqlalchemy as sa

from grants.database import DbSession
from grants.decisions.inputs import TallyInputs, tally_inputs
from grants.decisions.queries import current_ratification
from grants.decisions.results import references, result_document
from grants.decisions.services import text_sha256
from grants.models import AuditEvent, Departure, Round, TallyRun
from grants.tally import ALGORITHM_VERSION, TallyInputError


@dataclass
class VerifyReport:
    """What verification found: the digests checked and every difference (none: verified)."""

    round_id: int
    panel_digest: str = ""
    ratified_digest: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _outcome_words(outcome: Any) -> str:
    return "funded" if outcome == "funded" else "not funded"


def _fmt(value: Any) -> str:
    return "nothing" if value is None else str(value)


def result_differences(stored: Mapping[str, Any], recomputed: Mapping[str, Any], *, label: str) -> list[str]:
    """Differences between two stored-form results, bid by bid, e.g. "bid 12: stored funded, recomputed not funded"."""
    problems: list[str] = []
    stored_bids = {b["id"]: b for b in stored.get("bids", [])}
    new_bids = {b["id"]: b for b in recomputed.get("bids", [])}
    for bid_id in sorted(stored_bids.keys() | new_bids.keys()):
        old, new = stored_bids.get(bid_id), new_bids.get(bid_id)
        where = f"{label}bid {bid_id}"
        if old is None:
            problems.append(f"{where}: not in the stored result, recomputed {_outcome_words(new and new['outcome'])}")
            continue
        if new is None:
            problems.append(f"{where}: stored {_outcome_words(old['outcome'])}, not in the recomputed result")
            continue
        if (old.get("outcome") == "funded") != (new.get("outcome") == "funded"):
            problems.append(
                f"{where}: stored {_outcome_words(old['outcome'])}, recomputed {_outcome_words(new['outcome'])}"
            )
        for key in sorted(old.keys() | new.keys()):
            if key == "outcome" and (old.get(key) == "funded") != (new.get(key) == "funded"):
                continue
            if old.get(key) != new.get(key):
                problems.append(f"{where}: stored {key} {_fmt(old.get(key))}, recomputed {_fmt(new.get(key))}")
    for key in sorted((stored.keys() | recomputed.keys()) - {"bids"}):
        if stored.get(key) != recomputed.get(key):
            problems.append(f"{label}{key}: stored {_fmt(stored.get(key))}, recomputed {_fmt(recomputed.get(key))}")
    return problems


def _keyed(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(row[k] for k in keys): row for row in rows}


def input_differences(recorded: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """What changed in the inputs between the recorded document and the database now, in plain words."""
    changes: list[str] = []
    for key in sorted(recorded.get("settings", {}).keys() | now.get("settings", {}).keys()):
        old, new = recorded["settings"].get(key), now["settings"].get(key)
        if old != new:
            changes.append(f"the round's {key} was {_fmt(old)} when recorded and is {_fmt(new)} now")
    if recorded.get("algorithm") != now.get("algorithm"):
        changes.append(f"the algorithm was {recorded.get('algorithm')} when recorded and is {now.get('algorithm')} now")
    sections: list[tuple[str, tuple[str, ...], Any]] = [
        ("bids", ("id",), lambda k: f"bid {k[0]}"),
        (
            "scores",
            ("panellist_id", "bid_id", "criterion_id"),
            lambda k: f"panellist {k[0]}'s score for bid {k[1]} on criterion {k[2]}",
        ),
        ("recusals", ("panellist_id", "bid_id"), lambda k: f"panellist {k[0]}'s recusal from bid {k[1]}"),
        ("ballots", ("panellist_id",), lambda k: f"panellist {k[0]}'s ballot"),
    ]
    for section, keys, name in sections:
        old_rows = _keyed(list(recorded.get(section, [])), keys)
        new_rows = _keyed(list(now.get(section, [])), keys)
        for key in sorted(old_rows.keys() | new_rows.keys()):
            old, new = old_rows.get(key), new_rows.get(key)
            if old == new:
                continue
            if old is None:
                changes.append(f"{name(key)} was added since the tally was recorded")
            elif new is None:
                changes.append(f"{name(key)} was removed since the tally was recorded")
            else:
                for field_name in sorted(old.keys() | new.keys()):
                    if old.get(field_name) != new.get(field_name):
                        changes.append(
                            f"{name(key)}: {field_name} was {_fmt(old.get(field_name))} when recorded, "
                            f"{_fmt(new.get(field_name))} now"
                        )
    return changes


# Keys a stored result gained after runs were first recorded; a run stored without one is compared without it.
ADDED_SINCE = ("steps",)


def as_stored(recomputed: dict[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The recomputed result in the form `stored` was written in (without the keys added since it was)."""
    return {key: value for key, value in recomputed.items() if key in stored or key not in ADDED_SINCE}


def _document_digest(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(rfc8785.dumps(dict(document))).hexdigest()


class _StoredInputs:
    """Each run's stored inputs read once: the document's own digest and the inputs to re-run. The panel's and the
    ratified run store the same document when nothing was departed from; then it is hashed and re-run once."""

    def __init__(self) -> None:
        self._seen: list[tuple[dict[str, Any], str, TallyInputs | Exception]] = []

    def _read(self, document: dict[str, Any]) -> tuple[str, TallyInputs | Exception]:
        for seen, digest, inputs in self._seen:
            if seen is document or seen == document:
                return digest, inputs
        found: TallyInputs | Exception
        try:
            found = TallyInputs.from_json(document)
        except (TallyInputError, KeyError, TypeError, ValueError) as exc:
            found = exc
        digest = _document_digest(document)
        self._seen.append((document, digest, found))
        return digest, found

    def digest(self, run: TallyRun) -> str:
        return self._read(run.inputs)[0]

    def inputs(self, run: TallyRun) -> TallyInputs:
        found = self._read(run.inputs)[1]
        if isinstance(found, Exception):
            raise found
        return found


def _check_run(
    run: TallyRun,
    *,
    name: str,
    stored: _StoredInputs,
    now_inputs: TallyInputs,
    refs: Mapping[int, str],
    departed: list[int],
) -> list[str]:
    problems: list[str] = []
    label = f"{name} run {run.id}: "
    if run.algorithm_version != ALGORITHM_VERSION:
        problems.append(
            f"{label}recorded with algorithm {run.algorithm_version}; this installation runs {ALGORITHM_VERSION}"
        )
    if stored.digest(run) != run.digest:
        problems.append(f"{label}its stored inputs no longer hash to its stored digest (the stored inputs were edited)")
    try:
        stored_inputs = stored.inputs(run)
        rerun = as_stored(result_document(stored_inputs.run(), refs, departed_ids=departed), run.result)
    except (TallyInputError, KeyError, TypeError, ValueError) as exc:
        problems.append(f"{label}the tally cannot be re-run on its stored inputs: {exc}")
    else:
        for problem in result_differences(run.result, rerun, label=""):
            problems.append(f"{label}stored result differs from re-running its stored inputs: {problem}")

    try:
        now_run = now_inputs.run()
        now_digest = now_run.digest
        now_result = as_stored(result_document(now_run, refs, departed_ids=departed), run.result)
    except TallyInputError as exc:
        problems.append(f"{label}the tally cannot be run on the database's inputs now: {exc}")
        return problems
    if now_digest != run.digest:
        problems.append(f"{label}digest differs: inputs changed since the tally was recorded")
        problems.extend(f"{label}{change}" for change in input_differences(run.inputs, now_inputs.as_json()))
    problems.extend(result_differences(run.result, now_result, label=label))
    return problems


def _logged_hash(session: DbSession, action: str, object_type: str, object_id: int, key: str) -> str | None:
    event = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if event is None:
        return None
    value = (event.facts or {}).get(key)
    return str(value) if value is not None else ""


def verify_round(session: DbSession, round_: Round) -> VerifyReport:
    """Re-run the round's current ratification's tallies and compare them with what was stored and logged."""
    report = VerifyReport(round_id=round_.id)
    ratification = current_ratification(session, round_.id)
    if ratification is None:
        report.problems.append(f"round {round_.id} has no ratified decision to verify")
        return report
    panel_run, ratified_run = ratification.panel_run, ratification.ratified_run
    report.panel_digest, report.ratified_digest = panel_run.digest, ratified_run.digest
    refs = references(session, round_)
    db_inputs = tally_inputs(session, round_)
    departed = [int(b) for b in ratified_run.result.get("departed_ids", [])]

    stored = _StoredInputs()
    report.problems.extend(
        _check_run(panel_run, name="panel", stored=stored, now_inputs=db_inputs, refs=refs, departed=[])
    )
    report.problems.extend(
        _check_run(
            ratified_run,
            name="ratified",
            stored=stored,
            now_inputs=db_inputs.without(departed),
            refs=refs,
            departed=departed,
        )
    )

    departures = {d.bid_id: d for d in session.scalars(sa.select(Departure).where(Departure.round_id == round_.id))}
    for bid_id in sorted(set(departed) - departures.keys()):
        report.problems.append(f"bid {bid_id}: the ratified result departs from it, but its departure is missing")
    for bid_id in sorted(departures.keys() - set(departed)):
        report.problems.append(f"bid {bid_id}: a departure is recorded, but the ratified result does not apply it")
    for bid_id in sorted(departures.keys() & set(departed)):
        logged = _logged_hash(session, "decision.departed", "bid", bid_id, "reason_sha256")
        if logged != text_sha256(departures[bid_id].reason):
            report.problems.append(f"bid {bid_id}: the departure's reason differs from the one logged when it was made")
    logged_note = _logged_hash(session, "decision.ratified", "round", round_.id, "note_sha256")
    expected_note = text_sha256(ratification.note) if ratification.note else ""
    if logged_note is not None and logged_note != expected_note:
        report.problems.append("the ratification note differs from the one logged when the result was ratified")
    return report
