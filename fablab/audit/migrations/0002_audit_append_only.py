"""The audit log is append-only in the database too (like the ledger, credits/0002).

Only the actor column may change: `on_delete=SET_NULL` must still work if a user
row is ever deleted. PostgreSQL refuses DELETE too; SQLite allows it because
Django's test flush empties tables with DELETE.
"""

from django.db import migrations

from fablab.core.migration_operations import RunSQLPerVendor

MESSAGE = "audit_auditentry is append-only"
COLUMNS = "at, lab_id, action, target_type_id, target_id, changes, summary"

POSTGRESQL = [
    f"""
    CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}';
    END;
    $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OF {COLUMNS} ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
    """,
    """
    CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
    """,
]

SQLITE = [
    f"""
    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OF {COLUMNS} ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
]


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_entry")]

    operations = [
        RunSQLPerVendor(
            forwards={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            backwards={
                "postgresql": [
                    "DROP TRIGGER audit_entry_no_update ON audit_auditentry;",
                    "DROP TRIGGER audit_entry_no_delete ON audit_auditentry;",
                    "DROP FUNCTION audit_entry_append_only();",
                ],
                "sqlite": ["DROP TRIGGER audit_entry_no_update;"],
            },
        ),
    ]
