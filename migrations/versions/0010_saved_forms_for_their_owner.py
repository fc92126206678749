"""saved forms: kept only for the person who was signed in, bound to them and their browser

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:00:00

A kept form was anyone's (a token in a signed-out browser's cookie): now each belongs to the user whose sign-in
ended while they typed. The rows there are were kept for signed-out visitors, for a day at most; they cannot be
given an owner, so the table is made again, empty.
"""
from alembic import op
import sqlalchemy as sa
import grants.models.base


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('saved_form')
    op.create_table('saved_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_saved_form_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_form'))
    )
    with op.batch_alter_table('saved_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_form_token_hash'), ['token_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_form_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('saved_form')
    op.create_table('saved_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_form')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_saved_form_token_hash'))
    )
