"""SQLite: the FTS5 table that full-text search queries (PostgreSQL has its GIN index, 0002).

One row per project (rowid = project id), one column per weight of
projects/search.py. Rows are written by the services (`search.fts_store`); a
trigger deletes a project's row with the project. Existing projects start with
their folded title and whole search text; the next edit writes their weights.
"""

from django.db import migrations

from fablab.core.migration_operations import RunSQLPerVendor


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_comments_reports_moderation")]

    operations = [
        RunSQLPerVendor(
            forwards={
                "sqlite": [
                    "CREATE VIRTUAL TABLE projects_project_fts USING fts5("
                    "a, b, c, d, tokenize = 'porter unicode61 remove_diacritics 2')",
                    "INSERT INTO projects_project_fts (rowid, a, b, c, d) "
                    "SELECT id, lower(title), '', search_text, '' FROM projects_project",
                    "CREATE TRIGGER projects_project_fts_delete AFTER DELETE ON projects_project "
                    "BEGIN DELETE FROM projects_project_fts WHERE rowid = old.id; END",
                ]
            },
            backwards={
                "sqlite": [
                    "DROP TRIGGER IF EXISTS projects_project_fts_delete",
                    "DROP TABLE IF EXISTS projects_project_fts",
                ]
            },
        )
    ]
