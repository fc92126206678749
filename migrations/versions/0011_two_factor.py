"""two-step sign-in: authenticator app secrets (sealed) and single-use recovery codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:00:00

"""
from alembic import op
import sqlalchemy as sa
import grants.models.base


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('two_factor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_sealed', sa.String(length=500), nullable=False),
    sa.Column('enabled_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_used_step', sa.BigInteger(), nullable=True),
    sa.Column('created_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_two_factor_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor')),
    sa.UniqueConstraint('user_id', name=op.f('uq_two_factor_user_id'))
    )
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', grants.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_recovery_code_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_recovery_code_user_id_code_hash'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    op.drop_table('two_factor')
