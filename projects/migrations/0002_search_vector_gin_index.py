"""The GIN index behind full-text search on PostgreSQL.

Created by hand rather than declared in `Project.Meta.indexes`: SQLite has no
GIN indexes and no tsvector, and searches `search_text` instead (see
projects/search.py).
"""

from django.db import migrations

from fablab.core.migration_operations import RunSQLPerVendor


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [
        RunSQLPerVendor(
            forwards={
                "postgresql": [
                    "CREATE INDEX projects_project_search_vector_gin ON projects_project USING gin (search_vector)"
                ]
            },
            backwards={"postgresql": ["DROP INDEX IF EXISTS projects_project_search_vector_gin"]},
        ),
    ]
