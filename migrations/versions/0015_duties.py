"""separation of duties: proposals a second member of staff confirms; the funder's two-person setting

Revision ID: 0015_duties
Revises: 0014_integrity
Create Date: 2026-12-07 00:01:36.402564

"""
from alembic import op
import sqlalchemy as sa
import grants.models.base


revision = '0015_duties'
down_revision = '0014_integrity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decision_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ratify', 'depart', 'reopen', name='proposal_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('digest', sa.String(length=64), server_default='', nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', grants.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', grants.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'depart') = (bid_id IS NOT NULL)", name=op.f('ck_decision_proposal_departure_names_bid')),
    sa.CheckConstraint('confirmed_at IS NULL OR withdrawn_at IS NULL', name=op.f('ck_decision_proposal_confirmed_or_withdrawn')),
    sa.CheckConstraint('confirmed_by_id IS NULL OR confirmed_by_id <> proposed_by_id', name=op.f('ck_decision_proposal_second_person')),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_decision_proposal_bid_id_bid')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_decision_proposal_confirmed_by_id_user')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_decision_proposal_proposed_by_id_user')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_decision_proposal_round_id_round')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id'], name=op.f('fk_decision_proposal_withdrawn_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_proposal'))
    )
    with op.batch_alter_table('decision_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_proposal_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('funder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('two_person_decisions', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('funder', schema=None) as batch_op:
        batch_op.drop_column('two_person_decisions')

    with op.batch_alter_table('decision_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_proposal_round_id'))

    op.drop_table('decision_proposal')
