"""Cities, plans, actions, inventories; companies, facilities, co-location, commitments

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

import app.db

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('city',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('subdivision_code', sa.String(length=6), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('boundary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('radius_km', sa.Float(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['organization.id'], name=op.f('fk_city_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city'))
    )
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_country_code'), ['country_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_city_name'), ['name'], unique=False)

    op.create_table('company',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('lei', sa.String(length=20), nullable=True),
    sa.Column('sector', sa.Enum('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', name='isicsection', native_enum=False, length=32), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['organization.id'], name=op.f('fk_company_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company')),
    sa.UniqueConstraint('lei', name=op.f('uq_company_lei'))
    )
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_company_country_code'), ['country_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_company_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_company_sector'), ['sector'], unique=False)

    op.create_table('city_cell',
    sa.Column('cell', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_city_cell_city_id_city'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cell', 'city_id', name=op.f('pk_city_cell'))
    )
    with op.batch_alter_table('city_cell', schema=None) as batch_op:
        batch_op.create_index('ix_city_cell_city_id', ['city_id'], unique=False)

    op.create_table('city_inventory',
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('stationary_energy', sa.Float(), nullable=False),
    sa.Column('transportation', sa.Float(), nullable=False),
    sa.Column('waste', sa.Float(), nullable=False),
    sa.Column('ippu', sa.Float(), nullable=False),
    sa.Column('afolu', sa.Float(), nullable=False),
    sa.Column('total_tco2e', sa.Float(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('superseded_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_city_inventory_city_id_city'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_inventory'))
    )
    with op.batch_alter_table('city_inventory', schema=None) as batch_op:
        batch_op.create_index('ix_city_inventory_city_id_year', ['city_id', 'year'], unique=False)
        batch_op.create_index('uq_city_inventory_current_year', ['city_id', 'year'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('city_plan',
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('baseline_year', sa.Integer(), nullable=False),
    sa.Column('baseline_emissions_tco2e', sa.Float(), nullable=False),
    sa.Column('targets', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='planstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_city_plan_city_id_city'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('city_id', name=op.f('pk_city_plan'))
    )
    op.create_table('company_commitment',
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('targets', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('has_target', sa.Boolean(), nullable=False),
    sa.Column('net_zero_year', sa.Integer(), nullable=True),
    sa.Column('sbti_status', sa.Enum('none', 'committed', 'validated', name='sbtistatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_company_commitment_company_id_company'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_company_commitment'))
    )
    op.create_table('facility',
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('cell', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_facility_company_id_company'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility'))
    )
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_cell'), ['cell'], unique=False)
        batch_op.create_index(batch_op.f('ix_facility_company_id'), ['company_id'], unique=False)

    op.create_table('plan_action',
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sector', sa.Enum('stationary_energy', 'transportation', 'waste', 'ippu', 'afolu', name='gpcsector', native_enum=False, length=32), nullable=False),
    sa.Column('partner_sectors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('expected_reduction_tco2e', sa.Float(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'done', name='actionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_plan_action_city_id_city'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action'))
    )
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_action_city_id'), ['city_id'], unique=False)

    op.create_table('facility_city',
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.Column('facility_id', sa.Uuid(), nullable=False),
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_facility_city_city_id_city'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_facility_city_company_id_company'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_facility_city_facility_id_facility'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('city_id', 'facility_id', name=op.f('pk_facility_city'))
    )
    with op.batch_alter_table('facility_city', schema=None) as batch_op:
        batch_op.create_index('ix_facility_city_city_id_company_id', ['city_id', 'company_id'], unique=False)
        batch_op.create_index('ix_facility_city_company_id', ['company_id'], unique=False)
        batch_op.create_index('ix_facility_city_facility_id', ['facility_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('facility_city', schema=None) as batch_op:
        batch_op.drop_index('ix_facility_city_facility_id')
        batch_op.drop_index('ix_facility_city_company_id')
        batch_op.drop_index('ix_facility_city_city_id_company_id')

    op.drop_table('facility_city')
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_city_id'))

    op.drop_table('plan_action')
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_company_id'))
        batch_op.drop_index(batch_op.f('ix_facility_cell'))

    op.drop_table('facility')
    op.drop_table('company_commitment')
    op.drop_table('city_plan')
    with op.batch_alter_table('city_inventory', schema=None) as batch_op:
        batch_op.drop_index('uq_city_inventory_current_year', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_city_inventory_city_id_year')

    op.drop_table('city_inventory')
    with op.batch_alter_table('city_cell', schema=None) as batch_op:
        batch_op.drop_index('ix_city_cell_city_id')

    op.drop_table('city_cell')
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_sector'))
        batch_op.drop_index(batch_op.f('ix_company_name'))
        batch_op.drop_index(batch_op.f('ix_company_country_code'))

    op.drop_table('company')
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_name'))
        batch_op.drop_index(batch_op.f('ix_city_country_code'))

    op.drop_table('city')
