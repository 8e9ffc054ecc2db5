"""The documented backup (README, "Backups") restores to the same data: pg_dump -Fc of a
seeded database and a copy of MEDIA_ROOT, pg_restore into a fresh database, then the
same row count in every table and `verify_invoices` passing on the restored copy.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.backup]

TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"


def connect_args(name):
    settings = connection.settings_dict
    return {
        "host": settings["HOST"] or "127.0.0.1",
        "port": str(settings["PORT"] or 5432),
        "user": settings["USER"] or "postgres",
        "dbname": name,
    }


def libpq_env(name):
    args = connect_args(name)
    return {
        "PATH": os.environ["PATH"],
        "PGHOST": args["host"],
        "PGPORT": args["port"],
        "PGUSER": args["user"],
        "PGDATABASE": name,
    }


def row_counts(name):
    with psycopg.connect(**connect_args(name)) as db:
        tables = [row[0] for row in db.execute(TABLES)]
        return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def media_root(settings, tmp_path):
    """Invoice PDFs live in MEDIA_ROOT: on disk here, as in production, so that the backup copies them."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.mark.skipif("connection.vendor != 'postgresql'")
class TestBackupAndRestore:
    def test_a_restored_copy_has_the_same_rows_and_a_valid_invoice_chain(self, media_root, tmp_path):
        call_command("seed_demo", quiet_logins=True)
        source = connection.settings_dict["NAME"]
        restored = f"{source}_restored"
        dump = tmp_path / "fablab.dump"

        # The commands of the README, section "Backups".
        run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], libpq_env(source))
        run(["dropdb", "--if-exists", restored], libpq_env("postgres"))
        run(["createdb", restored], libpq_env("postgres"))
        try:
            run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump)], libpq_env(restored))
            restored_media = tmp_path / "restored-media"
            shutil.copytree(media_root, restored_media)

            counts = row_counts(restored)
            assert counts == row_counts(source)
            assert counts["billing_invoice"] >= 1 and counts["bookings_booking"] >= 1

            args = connect_args(restored)
            env = {
                "PATH": os.environ["PATH"],
                "DEBUG": "false",
                "SECRET_KEY": "backup-test-secret-key-0123456789",
                "DATABASE_URL": f"postgres://{args['user']}@{args['host']}:{args['port']}/{restored}",
                "MEDIA_ROOT": str(restored_media),
            }
            result = run([sys.executable, "manage.py", "verify_invoices"], env)
            # The command exits 1 on any broken chain or missing PDF; it names what it verified.
            assert result.stdout.startswith(f"{counts['billing_invoice']} invoices")
            run([sys.executable, "manage.py", "migrate", "--check"], env)  # the schema is complete
        finally:
            run(["dropdb", "--if-exists", restored], libpq_env("postgres"))
