"""Invariant checks over the whole database, in one query each (fine on millions of rows)."""

from django.db import connection

from bookings.models import ACTIVE_STATUSES


def overlapping_bookings():
    """Active bookings that start before an earlier active booking of their machine stops holding it."""
    statuses = ", ".join(f"'{status}'" for status in ACTIVE_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM ("
            "  SELECT start, MAX(blocked_until) OVER ("
            "    PARTITION BY machine_id ORDER BY start, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
            "  ) AS held_until"
            f"  FROM bookings_booking WHERE status IN ({statuses})"
            ") AS ordered WHERE start < held_until"
        )
        return cursor.fetchone()[0]


def unbalanced_accounts():
    """Credit accounts whose balance is not the sum of their ledger entries."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM credits_creditaccount AS account WHERE account.balance_minutes <> COALESCE("
            "  (SELECT SUM(entry.minutes) FROM credits_ledgerentry AS entry WHERE entry.account_id = account.id), 0)"
        )
        return cursor.fetchone()[0]
