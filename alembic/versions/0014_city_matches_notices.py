"""Every committed change to what a city's matches read tells the workers which cities' answers to forget

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = 'citypact_city_matches'
# The tables a city's matches read, and the column that names the city in each.
READ = {'city': 'id', 'city_plan': 'city_id', 'plan_action': 'city_id', 'city_company': 'city_id'}
# A notice names at most this many cities (it must stay under 8,000 bytes); beyond, '*' says every city.
NAMED = 100
# A trigger with transition tables answers one kind of statement only: one trigger per kind.
EVENTS = {
    'insert': 'AFTER INSERT ON {table} REFERENCING NEW TABLE AS changed',
    'update': 'AFTER UPDATE ON {table} REFERENCING OLD TABLE AS changed NEW TABLE AS changed_to',
    'delete': 'AFTER DELETE ON {table} REFERENCING OLD TABLE AS changed',
    'truncate': 'AFTER TRUNCATE ON {table}',
}


def upgrade() -> None:
    # SQLite keeps no answers (app/common/answers.py).
    if op.get_bind().dialect.name != 'postgresql':
        return
    # Once a statement: the cities it touched, from the rows it wrote or removed (the transition tables,
    # `changed` and, for an update, `changed_to` as well). PostgreSQL sends the notice at commit.
    op.execute(f"""
        CREATE FUNCTION citypact_city_matches_changed() RETURNS trigger AS $$
        DECLARE
            touched text := 'SELECT DISTINCT %1$I AS city FROM changed';
            cities text;
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                cities := '*';
            ELSE
                IF TG_OP = 'UPDATE' THEN
                    touched := 'SELECT %1$I AS city FROM changed UNION SELECT %1$I FROM changed_to';
                END IF;
                EXECUTE format('SELECT CASE WHEN count(*) > {NAMED} THEN ''*'' ELSE string_agg(city::text, '','') END '
                               'FROM (' || touched || ') AS touched', TG_ARGV[0]) INTO cities;
            END IF;
            IF cities IS NOT NULL THEN
                PERFORM pg_notify('{CHANNEL}', cities);
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
    """)
    for table, column in READ.items():
        for event, when in EVENTS.items():
            op.execute(f"CREATE TRIGGER {table}_matches_{event} {when.format(table=table)} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION citypact_city_matches_changed('{column}')")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in READ:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_matches_{event} ON {table}")
    op.execute("DROP FUNCTION citypact_city_matches_changed()")
