"""one audit chain per funder (and one for the installation); signed checkpoints

The one chain is rewritten into one chain per funder: every event's chain is found from its object, as
grants.audit.owners finds it, and each chain's sequence numbers and hashes are computed afresh from its own
genesis. The old chain is verified first and the migration refuses to run on a broken one, so a rewrite can never
launder an edit. Checkpoints move to their funder's chain: each now names the last event of that chain that was
at or before the old checkpoint. See docs/decisions/0001-audit-chain.md.

Revision ID: 0013_chains
Revises: 0012
"""

import hashlib
from collections import defaultdict
from datetime import UTC

import rfc8785
import sqlalchemy as sa
from alembic import op

import grants.models.base

revision = "0013_chains"
down_revision = "0012"
branch_labels = None
depends_on = None

OLD_GENESIS = "0" * 64
# The kinds of object whose rows name their round (the same hops as grants.audit.events.OWNERS).
THROUGH_ROUND = ("bid", "award", "panel_member", "conflict_declaration", "score", "deliberation_note", "ballot")


def _genesis(chain):
    return hashlib.sha256(f"common-pot audit chain {chain}".encode("ascii")).hexdigest()


def _time(value):
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _payload(row, **extra):
    return {
        **extra,
        "seq": row["seq"],
        "occurred_at": _time(row["occurred_at"]),
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "facts": row["facts"] or {},
    }


def _hash(prev_hash, payload):
    return hashlib.sha256(prev_hash.encode("ascii") + rfc8785.dumps(payload)).hexdigest()


def _pairs(bind, sql):
    return {row[0]: row[1] for row in bind.execute(sa.text(sql))}


class _Owners:
    """Each object's funder, read once from the tables (the rule of grants.audit.owners, in plain SQL)."""

    def __init__(self, bind):
        self.round_funder = _pairs(bind, "SELECT id, funder_id FROM round")
        self.round_of = {kind: _pairs(bind, f'SELECT id, round_id FROM "{kind}"') for kind in THROUGH_ROUND}
        self.report_award = _pairs(bind, "SELECT id, award_id FROM report")
        self.theme_funder = _pairs(bind, "SELECT id, funder_id FROM theme")
        self.invitations = {r[0]: (r[1], r[2]) for r in bind.execute(sa.text("SELECT id, funder_id, round_id FROM invitation"))}
        self.funders = set(_pairs(bind, "SELECT id, id FROM funder"))

    def _of_round(self, round_id):
        return self.round_funder.get(round_id)

    def funder(self, row):
        kind, oid, facts = row["object_type"], row["object_id"], row["facts"] or {}
        found = None
        if kind == "funder" and oid in self.funders:
            found = oid
        elif kind == "round":
            found = self._of_round(oid)
        elif kind in THROUGH_ROUND:
            found = self._of_round(self.round_of[kind].get(oid))
        elif kind == "report":
            found = self._of_round(self.round_of["award"].get(self.report_award.get(oid)))
        elif kind == "theme":
            found = self.theme_funder.get(oid)
        elif kind == "invitation" and oid in self.invitations:
            funder_id, round_id = self.invitations[oid]
            found = funder_id if funder_id is not None else self._of_round(round_id)
        elif kind == "user":
            found = facts.get("funder_id")
        if found is None and kind not in ("group", "user") and isinstance(facts.get("round_id"), int):
            found = self._of_round(facts["round_id"])  # an object since removed: its round, if the facts name it
        return found if found in self.funders else None


def _old_rows(bind):
    table = sa.table(
        "audit_event",
        sa.column("seq", sa.Integer),
        sa.column("occurred_at", grants.models.base.UtcDateTime()),
        sa.column("actor_id", sa.Integer),
        sa.column("actor_role", sa.String),
        sa.column("action", sa.String),
        sa.column("object_type", sa.String),
        sa.column("object_id", sa.Integer),
        sa.column("facts", sa.JSON),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    rows = [dict(r._mapping) for r in bind.execute(sa.select(table).order_by(table.c.seq))]
    prev = OLD_GENESIS
    for expected, row in enumerate(rows, start=1):
        if row["seq"] != expected or row["prev_hash"] != prev or _hash(prev, _payload(row)) != row["hash"]:
            raise RuntimeError(
                f"audit_event {row['seq']} does not verify: the chain is broken, so it is not rewritten."
                " Find out what happened to it (flask audit verify) before upgrading."
            )
        prev = row["hash"]
    return rows


def _rechain(rows, owners):
    """The rows with their chains, sequence numbers and hashes, and each old seq's new (chain, seq, hash)."""
    heads = defaultdict(lambda: (0, None))
    new_rows, moved = [], {}
    for row in rows:
        funder_id = owners.funder(row)
        chain = funder_id if funder_id is not None else 0
        seq, prev = heads[chain]
        prev = prev or _genesis(chain)
        new = {**row, "chain": chain, "funder_id": funder_id, "seq": seq + 1, "prev_hash": prev}
        new["hash"] = _hash(prev, _payload(new, chain=chain))
        heads[chain] = (seq + 1, new["hash"])
        new_rows.append(new)
        moved[row["seq"]] = (chain, seq + 1, new["hash"])
    return new_rows, moved


def _drop_triggers(postgresql):
    if postgresql:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update_delete ON audit_event")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def _create_triggers(postgresql):
    if postgresql:
        op.execute(
            "CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END"
        )


def _move_checkpoints(bind, moved):
    """Each checkpoint names the last event of its funder's chain at or before the event it named."""
    checkpoints = bind.execute(
        sa.text("SELECT c.id, c.seq, r.funder_id FROM audit_checkpoint c JOIN round r ON r.id = c.round_id")
    ).all()
    for checkpoint_id, old_seq, funder_id in checkpoints:
        seq, digest = 0, _genesis(funder_id)
        for old in range(old_seq, 0, -1):
            chain, new_seq, new_hash = moved.get(old, (None, 0, ""))
            if chain == funder_id:
                seq, digest = new_seq, new_hash
                break
        bind.execute(
            sa.text("UPDATE audit_checkpoint SET chain = :chain, seq = :seq, hash = :hash WHERE id = :id"),
            {"chain": funder_id, "seq": seq, "hash": digest, "id": checkpoint_id},
        )


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    rows = _old_rows(bind)
    new_rows, moved = _rechain(rows, _Owners(bind))

    _drop_triggers(postgresql)
    op.execute("DELETE FROM audit_event")
    with op.batch_alter_table("audit_event", schema=None, recreate="always") as batch_op:
        batch_op.add_column(sa.Column("chain", sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column("funder_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint("uq_audit_event_hash", type_="unique")
        batch_op.drop_constraint("uq_audit_event_prev_hash", type_="unique")
        batch_op.drop_constraint("pk_audit_event", type_="primary")
        batch_op.create_primary_key("pk_audit_event", ["chain", "seq"])
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_chain_prev_hash"), ["chain", "prev_hash"])
        batch_op.create_foreign_key(batch_op.f("fk_audit_event_funder_id_funder"), "funder", ["funder_id"], ["id"])
        batch_op.create_check_constraint(batch_op.f("ck_audit_event_chain_is_funder"), "chain = COALESCE(funder_id, 0)")
    if new_rows:
        table = sa.table(
            "audit_event",
            *(sa.column(name) for name in ("chain", "funder_id", "seq", "actor_id", "actor_role", "action")),
            *(sa.column(name) for name in ("object_type", "object_id", "prev_hash", "hash")),
            sa.column("occurred_at", grants.models.base.UtcDateTime()),
            sa.column("facts", sa.JSON),
        )
        op.bulk_insert(table, new_rows)
    _create_triggers(postgresql)

    with op.batch_alter_table("audit_checkpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("key_id", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("signature", sa.String(length=120), server_default="", nullable=False))
    _move_checkpoints(bind, moved)
    with op.batch_alter_table("audit_checkpoint", schema=None) as batch_op:
        batch_op.alter_column("chain", server_default=None)


def downgrade():
    raise RuntimeError(
        "0013_chains rewrote the audit chain into one chain per funder; going back would rewrite it again."
        " Restore the backup taken before the upgrade instead."
    )
