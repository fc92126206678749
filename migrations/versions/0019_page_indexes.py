"""indexes for the panel's pages: a panellist's answers and scores in a round counted along an index, and the few
withdrawn conflicts found without reading every answer

Revision ID: 0019_page_indexes
Revises: 0018_retention
Create Date: 2026-12-08 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0019_page_indexes'
down_revision = '0018_retention'
branch_labels = None
depends_on = None


def upgrade():
    # Each new index starts with round_id, so it serves every read the one-column index served.
    op.create_index('ix_conflict_declaration_round_user', 'conflict_declaration', ['round_id', 'user_id', 'kind', 'bid_id'])
    op.drop_index('ix_conflict_declaration_round_id', table_name='conflict_declaration')
    op.create_index('ix_score_round_user_bid', 'score', ['round_id', 'user_id', 'bid_id'])
    op.drop_index('ix_score_round_id', table_name='score')
    # The few withdrawn conflicts a round's pages list, found without reading every answer of the round.
    op.create_index(
        'ix_conflict_declaration_withdrawn', 'conflict_declaration', ['round_id', 'withdrawn_at'],
        sqlite_where=sa.text('withdrawn_at IS NOT NULL'), postgresql_where=sa.text('withdrawn_at IS NOT NULL'),
    )


def downgrade():
    op.drop_index('ix_conflict_declaration_withdrawn', table_name='conflict_declaration')
    op.create_index('ix_score_round_id', 'score', ['round_id'])
    op.drop_index('ix_score_round_user_bid', table_name='score')
    op.create_index('ix_conflict_declaration_round_id', 'conflict_declaration', ['round_id'])
    op.drop_index('ix_conflict_declaration_round_user', table_name='conflict_declaration')
