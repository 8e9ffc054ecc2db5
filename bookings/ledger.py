"""How bookings move time credits: one debit when confirmed, refunds when ended early."""

from fablab.credits.models import EntryKind
from fablab.credits.services import ledger_write


def _memo(booking):
    return f"{booking.machine.name} {booking.start.astimezone(booking.machine.lab.tz):%Y-%m-%d %H:%M}"


def booking_debit(booking, *, by):
    if booking.credits_minutes:
        ledger_write(
            user=booking.member,
            lab=booking.machine.lab,
            minutes=-booking.credits_minutes,
            kind=EntryKind.BOOKING_DEBIT,
            reference=booking,
            author=by,
            memo=_memo(booking),
        )


def booking_refund(booking, *, minutes, by):
    ledger_write(
        user=booking.member,
        lab=booking.machine.lab,
        minutes=minutes,
        kind=EntryKind.CANCELLATION_REFUND,
        reference=booking,
        author=by,
        memo=_memo(booking),
    )
