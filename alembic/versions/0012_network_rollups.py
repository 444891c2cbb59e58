"""Network rollups: per member country, per member country and year, per network; each city's yearly standing

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.cities.progress import TargetPoint, plan_progress

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('city_year_rollup',
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('total_tco2e', sa.Float(), nullable=False),
    sa.Column('stationary_energy', sa.Float(), nullable=False),
    sa.Column('transportation', sa.Float(), nullable=False),
    sa.Column('waste', sa.Float(), nullable=False),
    sa.Column('ippu', sa.Float(), nullable=False),
    sa.Column('afolu', sa.Float(), nullable=False),
    sa.Column('baseline_tco2e', sa.Float(), nullable=True),
    sa.Column('on_track', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_city_year_rollup_city_id_city'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('city_id', 'year', name=op.f('pk_city_year_rollup'))
    )
    with op.batch_alter_table('city_year_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_city_year_rollup_country_code_year', ['country_code', 'year'], unique=False)

    op.create_table('network_country_rollup',
    sa.Column('network_id', sa.Uuid(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('member_cities', sa.Integer(), nullable=False),
    sa.Column('cities_with_plans', sa.Integer(), nullable=False),
    sa.Column('cities_with_inventories', sa.Integer(), nullable=False),
    sa.Column('cities_on_track', sa.Integer(), nullable=False),
    sa.Column('baseline_tco2e', sa.Float(), nullable=False),
    sa.Column('latest_tco2e', sa.Float(), nullable=False),
    sa.Column('both_baseline_tco2e', sa.Float(), nullable=False),
    sa.Column('both_latest_tco2e', sa.Float(), nullable=False),
    sa.Column('stationary_energy', sa.Float(), nullable=False),
    sa.Column('transportation', sa.Float(), nullable=False),
    sa.Column('waste', sa.Float(), nullable=False),
    sa.Column('ippu', sa.Float(), nullable=False),
    sa.Column('afolu', sa.Float(), nullable=False),
    sa.Column('projects_proposed', sa.Integer(), nullable=False),
    sa.Column('projects_active', sa.Integer(), nullable=False),
    sa.Column('projects_completed', sa.Integer(), nullable=False),
    sa.Column('participating_companies', sa.Integer(), nullable=False),
    sa.Column('verified_reductions_tco2e', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_network_country_rollup_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('network_id', 'country_code', name=op.f('pk_network_country_rollup'))
    )
    op.create_table('network_rollup',
    sa.Column('network_id', sa.Uuid(), nullable=False),
    sa.Column('participating_companies', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_network_rollup_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('network_id', name=op.f('pk_network_rollup'))
    )
    op.create_table('network_year_rollup',
    sa.Column('network_id', sa.Uuid(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('cities_reporting', sa.Integer(), nullable=False),
    sa.Column('emissions_tco2e', sa.Float(), nullable=False),
    sa.Column('stationary_energy', sa.Float(), nullable=False),
    sa.Column('transportation', sa.Float(), nullable=False),
    sa.Column('waste', sa.Float(), nullable=False),
    sa.Column('ippu', sa.Float(), nullable=False),
    sa.Column('afolu', sa.Float(), nullable=False),
    sa.Column('both_baseline_tco2e', sa.Float(), nullable=False),
    sa.Column('both_latest_tco2e', sa.Float(), nullable=False),
    sa.Column('cities_on_track', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_network_year_rollup_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('network_id', 'country_code', 'year', name=op.f('pk_network_year_rollup'))
    )
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table('network_year_rollup')
    op.drop_table('network_rollup')
    op.drop_table('network_country_rollup')
    with op.batch_alter_table('city_year_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_city_year_rollup_country_code_year')

    op.drop_table('city_year_rollup')


SECTORS = ("stationary_energy", "transportation", "waste", "ippu", "afolu")


def backfill(connection: sa.Connection) -> None:
    """Compute the rollups of the networks that exist, as app/networks/rollup.py keeps them."""
    _city_years(connection)
    sectors = ", ".join(SECTORS)
    connection.execute(sa.text(f"""
        INSERT INTO network_year_rollup (network_id, country_code, year, cities_reporting, emissions_tco2e, {sectors},
                                         both_baseline_tco2e, both_latest_tco2e, cities_on_track)
        SELECT nc.network_id, y.country_code, y.year, count(*), sum(y.total_tco2e),
               {", ".join(f"sum(y.{s})" for s in SECTORS)},
               coalesce(sum(y.baseline_tco2e), 0),
               coalesce(sum(CASE WHEN y.baseline_tco2e IS NOT NULL THEN y.total_tco2e END), 0),
               count(CASE WHEN y.on_track THEN 1 END)
        FROM city_year_rollup y
        JOIN network_city nc ON nc.city_id = y.city_id
        GROUP BY nc.network_id, y.country_code, y.year
    """))
    both = "p.has_published_plan AND p.latest_tco2e IS NOT NULL"
    connection.execute(sa.text(f"""
        INSERT INTO network_country_rollup (network_id, country_code, member_cities, cities_with_plans,
            cities_with_inventories, cities_on_track, baseline_tco2e, latest_tco2e, both_baseline_tco2e,
            both_latest_tco2e, {sectors}, projects_proposed, projects_active, projects_completed,
            participating_companies, verified_reductions_tco2e)
        SELECT nc.network_id, c.country_code, count(*), count(CASE WHEN p.has_published_plan THEN 1 END),
               count(p.latest_year), count(CASE WHEN p.on_track THEN 1 END),
               coalesce(sum(p.baseline_tco2e), 0), coalesce(sum(p.latest_tco2e), 0),
               coalesce(sum(CASE WHEN {both} THEN p.baseline_tco2e END), 0),
               coalesce(sum(CASE WHEN {both} THEN p.latest_tco2e END), 0),
               {", ".join(f"coalesce(sum(p.latest_{s}), 0)" for s in SECTORS)},
               0, 0, 0, 0, 0
        FROM network_city nc
        JOIN city c ON c.id = nc.city_id
        LEFT JOIN city_progress p ON p.city_id = c.id
        GROUP BY nc.network_id, c.country_code
    """))
    scope = "JOIN network_city nc ON nc.city_id = pr.city_id JOIN city c ON c.id = pr.city_id"
    figures = {
        "projects_proposed": f"SELECT nc.network_id, c.country_code, count(*) FROM project pr {scope} "
                             "WHERE pr.status = 'proposed' GROUP BY nc.network_id, c.country_code",
        "projects_active": f"SELECT nc.network_id, c.country_code, count(*) FROM project pr {scope} "
                           "WHERE pr.status = 'active' GROUP BY nc.network_id, c.country_code",
        "projects_completed": f"SELECT nc.network_id, c.country_code, count(*) FROM project pr {scope} "
                              "WHERE pr.status = 'completed' GROUP BY nc.network_id, c.country_code",
        "participating_companies": "SELECT nc.network_id, c.country_code, count(DISTINCT pp.company_id) "
                                   f"FROM project_participant pp JOIN project pr ON pr.id = pp.project_id {scope} "
                                   "WHERE pp.status = 'accepted' GROUP BY nc.network_id, c.country_code",
        "verified_reductions_tco2e": "SELECT nc.network_id, c.country_code, sum(o.reduction_tco2e) "
                                     f"FROM project_outcome o JOIN project pr ON pr.id = o.project_id {scope} "
                                     "WHERE EXISTS (SELECT 1 FROM project_outcome_verification v "
                                     "WHERE v.outcome_id = o.id AND v.outcome = 'verified') "
                                     "GROUP BY nc.network_id, c.country_code",
    }
    rollup = sa.table("network_country_rollup", sa.column("network_id", sa.Uuid()), sa.column("country_code"),
                      *(sa.column(name) for name in figures))
    for column, query in figures.items():
        rows = [{"n": n, "c": c, "v": v} for n, c, v in connection.execute(sa.text(query).columns(
            sa.column("network_id", sa.Uuid()), sa.column("country_code"), sa.column("v")))]
        if rows:
            connection.execute(
                rollup.update().where(rollup.c.network_id == sa.bindparam("n"), rollup.c.country_code == sa.bindparam("c"))
                .values({column: sa.bindparam("v")}), rows
            )
    connection.execute(sa.text("""
        INSERT INTO network_rollup (network_id, participating_companies)
        SELECT nc.network_id, count(DISTINCT CASE WHEN pp.status = 'accepted' THEN pp.company_id END)
        FROM network_city nc
        LEFT JOIN project pr ON pr.city_id = nc.city_id
        LEFT JOIN project_participant pp ON pp.project_id = pr.id
        GROUP BY nc.network_id
    """))


def _city_years(connection: sa.Connection) -> None:
    """Each current inventory, with the city's published plan's baseline and standing that year."""
    plan = sa.table("city_plan", sa.column("city_id", sa.Uuid()), sa.column("baseline_year", sa.Integer()),
                    sa.column("baseline_emissions_tco2e", sa.Float()), sa.column("targets", sa.JSON()),
                    sa.column("status"))
    city = sa.table("city", sa.column("id", sa.Uuid()), sa.column("country_code"))
    inventory = sa.table("city_inventory", sa.column("city_id", sa.Uuid()), sa.column("year", sa.Integer()),
                         sa.column("total_tco2e", sa.Float()), sa.column("superseded_at"),
                         *(sa.column(s, sa.Float()) for s in SECTORS))
    plans = {
        row.city_id: (row.baseline_year, row.baseline_emissions_tco2e,
                      [TargetPoint(t["year"], t["reduction_pct"], t.get("kind", "absolute")) for t in row.targets])
        for row in connection.execute(sa.select(plan).where(plan.c.status == "published"))
    }
    stmt = (
        sa.select(inventory.c.city_id, city.c.country_code, inventory.c.year, inventory.c.total_tco2e,
                  *(inventory.c[s] for s in SECTORS))
        .join(city, city.c.id == inventory.c.city_id)
        .where(inventory.c.superseded_at.is_(None))
    )
    rows = []
    for row in connection.execute(stmt):
        baseline, on_track = None, None
        if row.city_id in plans:
            baseline_year, baseline, targets = plans[row.city_id]
            on_track = plan_progress(baseline_year, baseline, targets, [(row.year, row.total_tco2e)]).on_track
        rows.append({**row._asdict(), "baseline_tco2e": baseline, "on_track": on_track})
    table = sa.table("city_year_rollup", sa.column("city_id", sa.Uuid()), sa.column("year", sa.Integer()),
                     sa.column("country_code"), sa.column("total_tco2e", sa.Float()),
                     *(sa.column(s, sa.Float()) for s in SECTORS), sa.column("baseline_tco2e", sa.Float()),
                     sa.column("on_track", sa.Boolean()))
    for start in range(0, len(rows), 5000):
        connection.execute(table.insert(), rows[start : start + 5000])
