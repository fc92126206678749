"""registration by an emailed link; one live password-reset link per account

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa
import grants.models.base


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

LIVE = "used_at IS NULL AND replaced_at IS NULL"


def upgrade():
    op.create_table('pending_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_pending_registration_email_lower')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_registration')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_registration_token_hash'))
    )
    with op.batch_alter_table('pending_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_registration_email'), ['email'], unique=False)

    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_at', grants.models.base.UtcDateTime(timezone=True), nullable=True))
    # Links asked for before this migration: keep only each account's newest unused one live.
    op.execute(
        "UPDATE password_reset SET replaced_at = created_at WHERE used_at IS NULL AND id NOT IN "
        "(SELECT MAX(id) FROM password_reset WHERE used_at IS NULL GROUP BY user_id)"
    )
    op.create_index(
        'uq_password_reset_one_live_link', 'password_reset', ['user_id'], unique=True,
        sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE),
    )


def downgrade():
    op.drop_index('uq_password_reset_one_live_link', table_name='password_reset')
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.drop_column('replaced_at')
    with op.batch_alter_table('pending_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_registration_email'))
    op.drop_table('pending_registration')
