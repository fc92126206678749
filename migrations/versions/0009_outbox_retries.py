"""outbox: each email retried with back-off, then set aside with its error

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00

"""

from alembic import op
import sqlalchemy as sa

import grants.models.base


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", grants.models.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_at", grants.models.base.UtcDateTime(timezone=True), nullable=True))
    # Emails the old sender had given up on (five failed attempts) are set aside, so they can be listed and retried.
    op.execute("UPDATE outbox_email SET failed_at = created_at WHERE sent_at IS NULL AND attempts >= 5")


def downgrade():
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.drop_column("failed_at")
        batch_op.drop_column("next_attempt_at")
