"""Badge assertions are append-only in the database: only a first revocation may be recorded

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANGED = (
    "NEW.company_id IS DISTINCT FROM OLD.company_id OR NEW.badge_class IS DISTINCT FROM OLD.badge_class "
    "OR NEW.criteria_version IS DISTINCT FROM OLD.criteria_version OR NEW.issued_on IS DISTINCT FROM OLD.issued_on "
    "OR NEW.jwt IS DISTINCT FROM OLD.jwt OR OLD.revoked_at IS NOT NULL"
)
MESSAGE = "badge assertions are append-only: only a first revocation is allowed"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION citypact_guard_badge_assertion() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR NEW.credential::text IS DISTINCT FROM OLD.credential::text
                   OR NEW.evidence::text IS DISTINCT FROM OLD.evidence::text OR {CHANGED} THEN
                    RAISE EXCEPTION '{MESSAGE}';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER badge_assertion_append_only BEFORE UPDATE OR DELETE ON badge_assertion "
                   "FOR EACH ROW EXECUTE FUNCTION citypact_guard_badge_assertion()")
        return
    changed = CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    op.execute("CREATE TRIGGER badge_assertion_append_only BEFORE UPDATE ON badge_assertion "
               f"WHEN NEW.credential IS NOT OLD.credential OR NEW.evidence IS NOT OLD.evidence OR {changed} "
               f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    op.execute("CREATE TRIGGER badge_assertion_no_delete BEFORE DELETE ON badge_assertion "
               f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER badge_assertion_append_only ON badge_assertion")
        op.execute("DROP FUNCTION citypact_guard_badge_assertion()")
        return
    op.execute("DROP TRIGGER badge_assertion_append_only")
    op.execute("DROP TRIGGER badge_assertion_no_delete")
