"""Fast writes for the scale data: PostgreSQL COPY, or batched INSERTs on SQLite.

Rows are plain tuples in the order of the columns given; primary keys are
allocated here (`Ids`) so that rows of one table can point at rows of another
without reading them back. Sequences are moved past the new keys at the end.
"""

import datetime as dt
import decimal
import json
import sys
import time

from django.core.management.color import no_style
from django.db import connection

BATCH = 5_000


def is_postgresql():
    return connection.vendor == "postgresql"


def table(model):
    return model._meta.db_table


def column(model, name):
    return connection.ops.quote_name(model._meta.get_field(name).column)


class Ids:
    """Primary keys for new rows of one model, after those already stored."""

    def __init__(self, model):
        self.model = model
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.next = (last or 0) + 1

    def take(self, count=1):
        first = self.next
        self.next += count
        return range(first, first + count)

    def one(self):
        return self.take(1)[0]


class Progress:
    """One line on stderr that rewrites itself: what, how many of how many, how long."""

    def __init__(self, label, total, *, stream=None, enabled=True):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = self.shown = time.monotonic()

    def add(self, count=1):
        self.done += count
        if self.done % 1000 and count == 1:
            return
        now = time.monotonic()
        if self.enabled and now - self.shown >= 0.5:
            self.shown = now
            self._show(now, end="\r")

    def _show(self, now, end):
        share = min(self.done / self.total, 1)
        bar = "#" * int(share * 30)
        line = f"{self.label:<22} [{bar:<30}] {self.done:>11,}/{self.total:,} {share:4.0%} {now - self.started:6.1f} s"
        self.stream.write(line + end)
        self.stream.flush()

    def close(self):
        if self.enabled:
            self._show(time.monotonic(), end="\n")


def _sqlite_value(value):
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


class Writer:
    """`with Writer(Model, ["field", …]) as write: write((value, …))` — COPY or batched INSERTs.

    `into` writes the model's columns, then the `extra` ones, into another table (a staging table).
    """

    def __init__(self, model, fields, *, progress=None, into=None, extra=()):
        self.model, self.progress = model, progress
        self.fields = [*fields, *extra]
        self.table = into or table(model)
        self.columns = ", ".join([*(column(model, name) for name in fields), *extra])
        self.count = 0

    def __enter__(self):
        self._cursor = connection.cursor().__enter__()
        if is_postgresql():
            self._copying = self._cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN")
            self._copy = self._copying.__enter__()
            return self._write_copy
        else:
            placeholders = ", ".join("%s" for _field in self.fields)
            self._sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})"
            self._batch = []
            return self._write_insert

    def _write_copy(self, row):
        self.count += 1
        self._copy.write_row(row)
        if self.progress:
            self.progress.add()

    def _write_insert(self, row):
        self.count += 1
        self._batch.append([_sqlite_value(value) for value in row])
        if len(self._batch) >= BATCH:
            self._flush()
        if self.progress:
            self.progress.add()

    def _flush(self):
        if self._batch:
            self._cursor.executemany(self._sql, self._batch)
            self._batch = []

    def __exit__(self, kind, error, traceback):
        if is_postgresql():
            self._copying.__exit__(kind, error, traceback)
        elif kind is None:
            self._flush()
        self._cursor.__exit__(kind, error, traceback)
        return False


def reset_sequences(models):
    """Move PostgreSQL's id sequences past the keys written here (SQLite needs nothing)."""
    if not is_postgresql():
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


class IndexesDeferred:
    """On PostgreSQL, drop a table's secondary indexes and constraints while it is filled, then rebuild them.

    One build over millions of rows is several times faster than millions of
    index insertions, and one foreign-key validation (a single join) than a
    trigger query per row. The rebuild checks every row: an exclusion, unique
    or foreign-key constraint the data breaks fails the whole load. The primary
    key stays. Does nothing on SQLite.
    """

    def __init__(self, *models):
        self.tables = [table(model) for model in models]
        self.constraints, self.indexes = [], []

    def __enter__(self):
        if not is_postgresql():
            return self
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'x', 'f')",
                [self.tables],
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [self.tables],
            )
            self.indexes = cursor.fetchall()
            # Run the checks pending on rows written before: PostgreSQL alters no table with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table_name, name, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE {table_name} DROP CONSTRAINT "{name}"')
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {name}")
        return self

    def __exit__(self, kind, error, traceback):
        if kind is not None or not is_postgresql():
            return False
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)
            for table_name, name, definition in self.constraints:
                cursor.execute(f'ALTER TABLE {table_name} ADD CONSTRAINT "{name}" {definition}')
        return False
