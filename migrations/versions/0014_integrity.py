"""integrity: one-use form tokens, payment reversals, withdrawn conflicts, who chose a story, published grants
frozen at publication, stories public only once staff approve

Revision ID: 0014_integrity
Revises: 0013_chains
Create Date: 2026-12-07 00:01:42

"""
from alembic import op
import sqlalchemy as sa
import grants.models.base


# revision identifiers, used by Alembic.
revision = '0014_integrity'
down_revision = '0013_chains'
branch_labels = None
depends_on = None

SIGNED = "(reverses_id IS NULL AND amount_pence > 0) OR (reverses_id IS NOT NULL AND amount_pence < 0)"


def upgrade():
    op.create_table('used_form_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('used_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_used_form_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_used_form_token')),
    sa.UniqueConstraint('token', 'purpose', name='uq_used_form_token_once')
    )
    with op.batch_alter_table('used_form_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_form_token_user_id'), ['user_id'], unique=False)

    op.create_table('published_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('group_name', sa.String(length=200), nullable=False),
    sa.Column('group_kind', sa.String(length=40), nullable=False),
    sa.Column('registration_number', sa.String(length=40), nullable=True),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('bid_title', sa.String(length=200), nullable=False),
    sa.Column('published_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('modified_at', grants.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_published_grant_award_id_award')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_published_grant_published_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_grant')),
    sa.UniqueConstraint('award_id', name=op.f('uq_published_grant_award_id'))
    )
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', grants.models.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_conflict_declaration_withdrawal_has_reason'), "withdrawn_at IS NULL OR withdrawal_reason <> ''"
        )

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reverses_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_payment_reverses_id'), ['reverses_id'])
        batch_op.create_foreign_key(batch_op.f('fk_payment_reverses_id_payment'), 'payment', ['reverses_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_payment_amount_positive'), type_='check')
        batch_op.create_check_constraint(op.f('ck_payment_amount_signed'), SIGNED)

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_approved_at', grants.models.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('share_approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_report_share_approved_by_id_user'), 'user', ['share_approved_by_id'], ['id'])

    with op.batch_alter_table('story_choice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chosen_as', sa.String(length=10), server_default='panellist', nullable=False))
        batch_op.create_check_constraint(op.f('ck_story_choice_chosen_as_known'), "chosen_as IN ('panellist', 'staff')")

    # Grants already published keep what they say now: their snapshot is taken from the group as it stands.
    op.execute(
        'INSERT INTO published_grant (award_id, group_name, group_kind, registration_number, area, bid_title,'
        ' published_at, modified_at) SELECT award.id, "group".name, "group".kind, "group".registration_number,'
        ' "group".area, bid.title, COALESCE(award.responded_at, award.created_at),'
        ' COALESCE(award.responded_at, award.created_at) FROM award JOIN bid ON bid.id = award.bid_id'
        ' JOIN "group" ON "group".id = bid.group_id'
        " WHERE award.status IN ('accepted', 'paid_in_full', 'closed')"
    )



def downgrade():
    with op.batch_alter_table('story_choice', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_story_choice_chosen_as_known'), type_='check')
        batch_op.drop_column('chosen_as')

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_share_approved_by_id_user'), type_='foreignkey')
        batch_op.drop_column('share_approved_by_id')
        batch_op.drop_column('share_approved_at')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_reverses_id_payment'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_payment_reverses_id'), type_='unique')
        batch_op.drop_constraint(op.f('ck_payment_amount_signed'), type_='check')
        batch_op.create_check_constraint(op.f('ck_payment_amount_positive'), 'amount_pence > 0')
        batch_op.drop_column('reason')
        batch_op.drop_column('reverses_id')

    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_conflict_declaration_withdrawal_has_reason'), type_='check')
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_at')

    op.drop_table('published_grant')
    with op.batch_alter_table('used_form_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_form_token_user_id'))

    op.drop_table('used_form_token')
