"""Each city's progress row, kept in step with its plan and inventories

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('city_progress',
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('has_published_plan', sa.Boolean(), nullable=False),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('baseline_tco2e', sa.Float(), nullable=True),
    sa.Column('target_year', sa.Integer(), nullable=True),
    sa.Column('target_reduction_pct', sa.Float(), nullable=True),
    sa.Column('latest_year', sa.Integer(), nullable=True),
    sa.Column('latest_tco2e', sa.Float(), nullable=True),
    sa.Column('latest_stationary_energy', sa.Float(), nullable=True),
    sa.Column('latest_transportation', sa.Float(), nullable=True),
    sa.Column('latest_waste', sa.Float(), nullable=True),
    sa.Column('latest_ippu', sa.Float(), nullable=True),
    sa.Column('latest_afolu', sa.Float(), nullable=True),
    sa.Column('reduction_pct', sa.Float(), nullable=True),
    sa.Column('on_track', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_city_progress_city_id_city'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('city_id', name=op.f('pk_city_progress'))
    )
    with op.batch_alter_table('city_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_progress_country_code'), ['country_code'], unique=False)

    # Cities registered before this revision get their row; the next plan or inventory write fills it.
    op.execute(
        "INSERT INTO city_progress (city_id, country_code, has_published_plan) "
        "SELECT id, country_code, false FROM city"
    )


def downgrade() -> None:
    with op.batch_alter_table('city_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_progress_country_code'))

    op.drop_table('city_progress')
