"""Each (city, company) pair of the co-location rows, with its facilities there and the company's rollup facts

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIED = [
    'name', 'sector', 'facility_count', 'reported_tco2e', 'verified_report', 'climate_active', 'has_target', 'target_year',
    'sbti_status',
]
# The tables as this revision finds them, for the backfill.
facility_city = sa.table('facility_city', sa.column('city_id', sa.Uuid()), sa.column('company_id', sa.Uuid()))
company_rollup = sa.table('company_rollup', sa.column('company_id', sa.Uuid()), *(sa.column(c) for c in COPIED))


def upgrade() -> None:
    op.create_table('city_company',
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('facilities', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.Enum('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', name='isicsection', native_enum=False, length=32), nullable=False),
    sa.Column('facility_count', sa.Integer(), nullable=False),
    sa.Column('reported_tco2e', sa.Float(), nullable=True),
    sa.Column('verified_report', sa.Boolean(), nullable=False),
    sa.Column('climate_active', sa.Boolean(), nullable=False),
    sa.Column('has_target', sa.Boolean(), nullable=False),
    sa.Column('target_year', sa.Integer(), nullable=True),
    sa.Column('sbti_status', sa.Enum('none', 'committed', 'validated', name='sbtistatus', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_city_company_city_id_city'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_city_company_company_id_company'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('city_id', 'company_id', name=op.f('pk_city_company'))
    )
    with op.batch_alter_table('city_company', schema=None) as batch_op:
        batch_op.create_index('ix_city_company_company_id', ['company_id'], unique=False)

    # Every pair gets its row now, a city's side by side; from here on the services keep them in step.
    fc, rollup = facility_city.c, company_rollup.c
    pairs = (
        sa.select(fc.city_id, fc.company_id, sa.func.count(), *(rollup[c] for c in COPIED))
        .join(company_rollup, rollup.company_id == fc.company_id)
        .group_by(fc.city_id, fc.company_id, rollup.company_id)
        .order_by(fc.city_id, fc.company_id)
    )
    city_company = sa.table('city_company', *(sa.column(c) for c in ['city_id', 'company_id', 'facilities', *COPIED]))
    op.execute(city_company.insert().from_select(['city_id', 'company_id', 'facilities', *COPIED], pairs))


def downgrade() -> None:
    with op.batch_alter_table('city_company', schema=None) as batch_op:
        batch_op.drop_index('ix_city_company_company_id')

    op.drop_table('city_company')
