"""Row locks for the invariants that matter (balances, slots, invoice numbers)."""

from django.db import transaction


class LockOutsideTransaction(RuntimeError):
    """A lock taken outside a transaction is released at once: that is a bug."""


def lock_rows(queryset, *, of=("self",)):
    """`select_for_update()` that refuses to run outside `transaction.atomic()`.

    On PostgreSQL it takes row locks. SQLite has no row locks, but every
    transaction there begins IMMEDIATE (see settings), which already holds the
    database's single write lock for the whole transaction.
    """
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise LockOutsideTransaction("lock_rows() needs an open transaction.atomic() block.")
    # Lock only the queryset's own rows by default, not the rows select_related joins in.
    return queryset.select_for_update(of=of)


def is_postgresql(using="default"):
    return transaction.get_connection(using).vendor == "postgresql"
