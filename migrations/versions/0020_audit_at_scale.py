"""the audit chain at scale: how far each chain has been verified, and the trail index (which rounds and bids each
event is about), written for every event already in a chain

The index is written by the rules of grants/audit/index.py as they stood at this revision, copied here (as 0013
copied the owners' rule) so that a later change to the module cannot change what this migration did. Events are
read in pages by (chain, seq), so a chain of a million events is never all in memory.

Revision ID: 0020_audit_at_scale
Revises: 0019_page_indexes
"""

import json

import sqlalchemy as sa
from alembic import op

import grants.models.base

revision = "0020_audit_at_scale"
down_revision = "0019_page_indexes"
branch_labels = None
depends_on = None

DECISION_ACTIONS = frozenset({"tally.recorded", "decision.ratified", "decision.undone"})
BID_LISTS = ("bids", "funded_ids", "departures")
PAGE = 10_000
INDEX_TABLES = ("audit_round_event", "audit_bid_event")


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ints(value):
    return [v for v in value if _int(v) is not None] if isinstance(value, list) else []


class _Maps:
    """Each bid's round, each award's round and bid, each report's award, read once."""

    def __init__(self, bind):
        self.bid_round = dict(bind.execute(sa.text("SELECT id, round_id FROM bid")).all())
        self.award = {r[0]: (r[1], r[2]) for r in bind.execute(sa.text("SELECT id, round_id, bid_id FROM award"))}
        self.report_award = dict(bind.execute(sa.text("SELECT id, award_id FROM report")).all())


def _subjects(action, object_type, object_id, facts, maps):
    rounds, bids = set(), set()

    def add_award(award_id):
        found = maps.award.get(award_id)
        if found is not None:
            rounds.add(found[0])
            bids.add(found[1])

    if object_id is not None:
        if object_type == "round":
            rounds.add(object_id)
        elif object_type == "bid":
            bids.add(object_id)
            if object_id in maps.bid_round:
                rounds.add(maps.bid_round[object_id])
        elif object_type == "award":
            add_award(object_id)
        elif object_type == "report":
            add_award(maps.report_award.get(object_id))
    if _int(facts.get("round_id")) is not None:
        rounds.add(facts["round_id"])
    if _int(facts.get("bid_id")) is not None:
        bids.add(facts["bid_id"])
    add_award(_int(facts.get("award_id")))
    add_award(maps.report_award.get(_int(facts.get("report_id"))))
    every_bid = action in DECISION_ACTIONS and bool(rounds)
    if not every_bid:
        for key in BID_LISTS:
            bids.update(_ints(facts.get(key)))
    return rounds, bids, every_bid


def _backfill(bind):
    maps = _Maps(bind)
    rounds_table = sa.table(
        "audit_round_event", *(sa.column(c) for c in ("round_id", "chain", "seq")), sa.column("every_bid", sa.Boolean)
    )
    bids_table = sa.table("audit_bid_event", *(sa.column(c) for c in ("bid_id", "chain", "seq")))
    after = (-1, 0)
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT chain, seq, action, object_type, object_id, facts FROM audit_event"
                " WHERE chain > :chain OR (chain = :chain AND seq > :seq) ORDER BY chain, seq LIMIT :page"
            ),
            {"chain": after[0], "seq": after[1], "page": PAGE},
        ).all()
        if not rows:
            return
        round_links, bid_links = [], []
        for chain, seq, action, object_type, object_id, facts in rows:
            if isinstance(facts, str):
                facts = json.loads(facts)
            rounds, bids, every_bid = _subjects(action, object_type, object_id, facts or {}, maps)
            round_links += [{"round_id": r, "chain": chain, "seq": seq, "every_bid": every_bid} for r in rounds]
            bid_links += [{"bid_id": b, "chain": chain, "seq": seq} for b in bids]
        if round_links:
            bind.execute(sa.insert(rounds_table), round_links)
        if bid_links:
            bind.execute(sa.insert(bids_table), bid_links)
        after = (rows[-1][0], rows[-1][1])


def _append_only(postgresql):
    """The index is written with its events and never changed, like the chain."""
    if postgresql:
        op.execute(
            """
            CREATE FUNCTION audit_index_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END;
            $$
            """
        )
    for table in INDEX_TABLES:
        if postgresql:
            op.execute(
                f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_index_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_index_append_only()"
            )
        else:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
                )


def upgrade():
    op.create_table(
        "audit_verification",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("verified_at", grants.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("full_verified_at", grants.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("full_verified_seq", sa.Integer(), nullable=True),
        sa.Column("problem", sa.Text(), server_default="", nullable=False),
        sa.Column("problem_found_at", grants.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("seq >= 0", name=op.f("ck_audit_verification_seq_not_negative")),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_verification")),
    )
    op.create_table(
        "audit_round_event",
        sa.Column("round_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("every_bid", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("round_id", "chain", "seq", name=op.f("pk_audit_round_event")),
    )
    op.create_table(
        "audit_bid_event",
        sa.Column("bid_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("bid_id", "chain", "seq", name=op.f("pk_audit_bid_event")),
    )
    bind = op.get_bind()
    _backfill(bind)
    # The partial index is made after the backfill, as a whole, rather than row by row.
    op.create_index(
        "ix_audit_round_event_every_bid",
        "audit_round_event",
        ["round_id", "seq"],
        unique=False,
        sqlite_where=sa.text("every_bid = 1"),
        postgresql_where=sa.text("every_bid"),
    )
    _append_only(bind.dialect.name == "postgresql")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_audit_round_event_every_bid", table_name="audit_round_event")
    for table in INDEX_TABLES:
        op.drop_table(table)  # its triggers go with it
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS audit_index_append_only()")
    op.drop_table("audit_verification")
