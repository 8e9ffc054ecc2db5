"""The ledger is append-only in the database too.

PostgreSQL refuses UPDATE and DELETE on entries (TRUNCATE, an administrator's
tool, stays possible). SQLite refuses UPDATE; DELETE stays possible there
because Django's test flush empties tables with DELETE, and the model and the
admin refuse deletion anyway.
"""

from django.db import migrations

from fablab.core.migration_operations import RunSQLPerVendor

MESSAGE = "credits_ledgerentry is append-only"

POSTGRESQL = [
    f"""
    CREATE FUNCTION credits_ledger_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER credits_ledger_no_update_or_delete
    BEFORE UPDATE OR DELETE ON credits_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION credits_ledger_append_only();
    """,
]

SQLITE = [
    f"""
    CREATE TRIGGER credits_ledger_no_update BEFORE UPDATE ON credits_ledgerentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
]


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]

    operations = [
        RunSQLPerVendor(
            forwards={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            backwards={
                "postgresql": [
                    "DROP TRIGGER credits_ledger_no_update_or_delete ON credits_ledgerentry;",
                    "DROP FUNCTION credits_ledger_append_only();",
                ],
                "sqlite": [
                    "DROP TRIGGER credits_ledger_no_update;",
                ],
            },
        ),
    ]
