"""Each company's rollup row for matching, and each commitment's latest target year

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables as this revision finds them, for the backfills.
company = sa.table('company', sa.column('id', sa.Uuid()), sa.column('name', sa.String()), sa.column('sector', sa.String()))
facility = sa.table('facility', sa.column('company_id', sa.Uuid()))
commitment = sa.table(
    'company_commitment', sa.column('company_id', sa.Uuid()), sa.column('targets', sa.JSON()),
    sa.column('has_target', sa.Boolean()), sa.column('net_zero_year', sa.Integer()),
    sa.column('target_year', sa.Integer()), sa.column('sbti_status', sa.String()),
)
report = sa.table(
    'emissions_report', sa.column('id', sa.Uuid()), sa.column('company_id', sa.Uuid()),
    sa.column('reporting_year', sa.Integer()), sa.column('current_version', sa.Integer()), sa.column('status', sa.String()),
)
version = sa.table(
    'report_version', sa.column('report_id', sa.Uuid()), sa.column('version', sa.Integer()), sa.column('content', sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table('company_commitment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_year', sa.Integer(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(commitment.c.company_id, commitment.c.targets, commitment.c.net_zero_year)).all()
    years = []
    for company_id, targets, net_zero_year in rows:
        found = [t['target_year'] for t in targets or ()] + ([net_zero_year] if net_zero_year else [])
        if found:
            years.append({'id': company_id, 'year': max(found)})
    if years:
        bind.execute(
            commitment.update().where(commitment.c.company_id == sa.bindparam('id')).values(target_year=sa.bindparam('year')),
            years,
        )

    op.create_table('company_rollup',
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.Enum('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', name='isicsection', native_enum=False, length=32), nullable=False),
    sa.Column('facility_count', sa.Integer(), nullable=False),
    sa.Column('reported_year', sa.Integer(), nullable=True),
    sa.Column('reported_tco2e', sa.Float(), nullable=True),
    sa.Column('verified_report', sa.Boolean(), nullable=False),
    sa.Column('climate_active', sa.Boolean(), nullable=False),
    sa.Column('has_target', sa.Boolean(), nullable=False),
    sa.Column('target_year', sa.Integer(), nullable=True),
    sa.Column('sbti_status', sa.Enum('none', 'committed', 'validated', name='sbtistatus', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_company_rollup_company_id_company'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_company_rollup'))
    )

    # Every company gets its row now; from here on the services keep it in step.
    company_id = company.c.id
    of_company = commitment.c.company_id == company_id
    has_target = sa.exists().where(of_company, commitment.c.has_target)
    reports = sa.exists().where(report.c.company_id == company_id)
    latest = (
        sa.select(version.c.content['scope1_tco2e'].as_float() + version.c.content['scope2_location_tco2e'].as_float())
        .join(report, (report.c.id == version.c.report_id) & (report.c.current_version == version.c.version))
        .where(report.c.company_id == company_id)
        .order_by(report.c.reporting_year.desc())
        .limit(1)
    )
    columns = {
        'name': company.c.name,
        'sector': company.c.sector,
        'facility_count': sa.select(sa.func.count()).where(facility.c.company_id == company_id).scalar_subquery(),
        'reported_year': sa.select(sa.func.max(report.c.reporting_year)).where(report.c.company_id == company_id)
        .scalar_subquery(),
        'reported_tco2e': latest.scalar_subquery(),
        'verified_report': sa.exists().where(report.c.company_id == company_id, report.c.status == 'verified'),
        'climate_active': sa.or_(has_target, reports),
        'has_target': has_target,
        'target_year': sa.select(commitment.c.target_year).where(of_company).scalar_subquery(),
        'sbti_status': sa.func.coalesce(sa.select(commitment.c.sbti_status).where(of_company).scalar_subquery(), 'none'),
    }
    rollup = sa.table('company_rollup', *(sa.column(name) for name in ['company_id', *columns]))
    op.execute(rollup.insert().from_select(['company_id', *columns], sa.select(company_id, *columns.values())))


def downgrade() -> None:
    op.drop_table('company_rollup')
    with op.batch_alter_table('company_commitment', schema=None) as batch_op:
        batch_op.drop_column('target_year')
