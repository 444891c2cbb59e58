"""Badge assertions: signed awards, revoked in place with a reason

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('badge_assertion',
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('badge_class', sa.Enum('disclosed', 'verified_reporter', 'project_partner', 'reduction_achiever', 'target_setter', 'climate_leader', name='badgeclassid', native_enum=False, length=32), nullable=False),
    sa.Column('criteria_version', sa.String(length=20), nullable=False),
    sa.Column('issued_on', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('credential', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('jwt', sa.Text(), nullable=False),
    sa.Column('revoked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_badge_assertion_company_id_company'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_assertion'))
    )
    with op.batch_alter_table('badge_assertion', schema=None) as batch_op:
        batch_op.create_index('ix_badge_assertion_company_id_id', ['company_id', 'id'], unique=False)
        batch_op.create_index('ix_badge_assertion_standing', ['company_id', 'badge_class'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('badge_assertion', schema=None) as batch_op:
        batch_op.drop_index('ix_badge_assertion_standing', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index('ix_badge_assertion_company_id_id')

    op.drop_table('badge_assertion')
