"""Append-only records: audit events, verifications and report versions refuse edits in the database

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows never change nor go away once written.
FROZEN = ("audit_event", "verification", "project_outcome_verification")
# A report version may only be marked superseded, once; its content, hash and chain never change.
VERSION_CHANGED = (
    "NEW.report_id IS DISTINCT FROM OLD.report_id OR NEW.version IS DISTINCT FROM OLD.version "
    "OR NEW.content_hash IS DISTINCT FROM OLD.content_hash OR NEW.previous_hash IS DISTINCT FROM OLD.previous_hash "
    "OR NEW.reason IS DISTINCT FROM OLD.reason OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at "
    "OR (OLD.superseded AND NOT NEW.superseded)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION citypact_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: rows are never changed or deleted', TG_TABLE_NAME;
            END $$ LANGUAGE plpgsql
        """)
        for table in FROZEN:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION citypact_refuse_change()")
        op.execute(f"""
            CREATE FUNCTION citypact_guard_report_version() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR NEW.content::text IS DISTINCT FROM OLD.content::text OR {VERSION_CHANGED} THEN
                    RAISE EXCEPTION 'report versions are append-only: only a first supersession is allowed';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER report_version_append_only BEFORE UPDATE OR DELETE ON report_version "
                   "FOR EACH ROW EXECUTE FUNCTION citypact_guard_report_version()")
        return
    for table in FROZEN:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} BEGIN "
                       f"SELECT RAISE(ABORT, '{table} is append-only: rows are never changed or deleted'); END")
    sqlite_changed = VERSION_CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    op.execute("CREATE TRIGGER report_version_append_only BEFORE UPDATE ON report_version "
               f"WHEN NEW.content IS NOT OLD.content OR {sqlite_changed} BEGIN "
               "SELECT RAISE(ABORT, 'report versions are append-only: only a first supersession is allowed'); END")
    op.execute("CREATE TRIGGER report_version_no_delete BEFORE DELETE ON report_version BEGIN "
               "SELECT RAISE(ABORT, 'report versions are append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in FROZEN + ("report_version",):
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION citypact_refuse_change()")
        op.execute("DROP FUNCTION citypact_guard_report_version()")
        return
    for table in FROZEN:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{event}")
    op.execute("DROP TRIGGER report_version_append_only")
    op.execute("DROP TRIGGER report_version_no_delete")
