"""Joint mitigation projects: participants, milestones, outcomes, verification, governance, voice

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('project',
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('action_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('expected_reduction_tco2e', sa.Float(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'active', 'completed', 'cancelled', name='projectstatus', native_enum=False, length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_project_city_id_city'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_status'), ['status'], unique=False)

    op.create_table('project_comment',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('hidden_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_by', sa.Uuid(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_project_comment_author_id_app_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_comment_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_comment'))
    )
    with op.batch_alter_table('project_comment', schema=None) as batch_op:
        batch_op.create_index('ix_project_comment_project_id_id', ['project_id', 'id'], unique=False)

    op.create_table('project_disclosure',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('company_id', sa.Uuid(), nullable=True),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_project_disclosure_company_id_company'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_disclosure_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_disclosure'))
    )
    with op.batch_alter_table('project_disclosure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_disclosure_project_id'), ['project_id'], unique=False)

    op.create_table('project_milestone',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('done_date', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_milestone_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_milestone'))
    )
    with op.batch_alter_table('project_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_milestone_project_id'), ['project_id'], unique=False)

    op.create_table('project_outcome',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('reduction_tco2e', sa.Float(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('attributions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_outcome_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_outcome'))
    )
    with op.batch_alter_table('project_outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_outcome_project_id'), ['project_id'], unique=False)

    op.create_table('project_participant',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.Enum('partner', 'funder', 'implementer', name='participantrole', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('invited', 'accepted', 'declined', name='participantstatus', native_enum=False, length=32), nullable=False),
    sa.Column('funding_amount', sa.Float(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('pledged_reduction_tco2e', sa.Float(), nullable=True),
    sa.Column('responded_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_project_participant_company_id_company'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_participant_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'company_id', name=op.f('pk_project_participant'))
    )
    with op.batch_alter_table('project_participant', schema=None) as batch_op:
        batch_op.create_index('ix_project_participant_company_id_status', ['company_id', 'status'], unique=False)

    op.create_table('project_support',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_support_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_project_support_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'user_id', name=op.f('pk_project_support'))
    )
    op.create_table('project_outcome_attribution',
    sa.Column('outcome_id', sa.Uuid(), nullable=False),
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('share_pct', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_project_outcome_attribution_company_id_company'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outcome_id'], ['project_outcome.id'], name=op.f('fk_project_outcome_attribution_outcome_id_project_outcome'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outcome_id', 'company_id', name=op.f('pk_project_outcome_attribution'))
    )
    with op.batch_alter_table('project_outcome_attribution', schema=None) as batch_op:
        batch_op.create_index('ix_project_outcome_attribution_company_id', ['company_id'], unique=False)

    op.create_table('project_outcome_verification',
    sa.Column('outcome_id', sa.Uuid(), nullable=False),
    sa.Column('verifier_id', sa.Uuid(), nullable=False),
    sa.Column('verified_by', sa.Uuid(), nullable=False),
    sa.Column('outcome', sa.Enum('verified', 'rejected', name='verificationoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('assurance_level', sa.Enum('limited', 'reasonable', name='assurancelevel', native_enum=False, length=32), nullable=False),
    sa.Column('standard', sa.String(length=200), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outcome_id'], ['project_outcome.id'], name=op.f('fk_project_outcome_verification_outcome_id_project_outcome'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verifier_id'], ['verifier.id'], name=op.f('fk_project_outcome_verification_verifier_id_verifier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outcome_id', name=op.f('pk_project_outcome_verification'))
    )
    with op.batch_alter_table('project_outcome_verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_outcome_verification_verifier_id'), ['verifier_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project_outcome_verification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_outcome_verification_verifier_id'))

    op.drop_table('project_outcome_verification')
    with op.batch_alter_table('project_outcome_attribution', schema=None) as batch_op:
        batch_op.drop_index('ix_project_outcome_attribution_company_id')

    op.drop_table('project_outcome_attribution')
    op.drop_table('project_support')
    with op.batch_alter_table('project_participant', schema=None) as batch_op:
        batch_op.drop_index('ix_project_participant_company_id_status')

    op.drop_table('project_participant')
    with op.batch_alter_table('project_outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_outcome_project_id'))

    op.drop_table('project_outcome')
    with op.batch_alter_table('project_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_milestone_project_id'))

    op.drop_table('project_milestone')
    with op.batch_alter_table('project_disclosure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_disclosure_project_id'))

    op.drop_table('project_disclosure')
    with op.batch_alter_table('project_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_project_comment_project_id_id')

    op.drop_table('project_comment')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_status'))
        batch_op.drop_index(batch_op.f('ix_project_city_id'))

    op.drop_table('project')
