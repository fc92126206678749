"""signed-in browsers: what browser and system each session was opened on, for the account page

Revision ID: 0016_session_devices
Revises: 0015_duties
Create Date: 2026-12-08 00:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_session_devices'
down_revision = '0015_duties'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=120), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_column('device')
