"""Who hears about a booking, and what they receive (sent after the commit, see fablab/notifications)."""

from bookings.calendar import booking_ics_attachment
from fablab.notifications.services import notify


def notify_booking_confirmed(booking):
    if booking.member_id:
        notify(
            booking.member,
            "booking_confirmed",
            "bookings/email/booking_confirmed",
            {"booking": booking},
            attachments=[booking_ics_attachment(booking, method="REQUEST")],
        )


def notify_booking_cancelled(booking, reason=""):
    """Also the message of a cancellation for a machine out of order or in maintenance (with its reason)."""
    if booking.member_id:
        notify(
            booking.member,
            "booking_cancelled",
            "bookings/email/booking_cancelled",
            {"booking": booking, "reason": reason},
            attachments=[booking_ics_attachment(booking, method="CANCEL")],
        )


def notify_waitlist_offer(entry):
    notify(entry.member, "waitlist_offer", "bookings/email/waitlist_offer", {"entry": entry, "booking": entry.hold})


def notify_booking_reminder(booking) -> bool:
    """The day-before reminder, once per booking and start time (a moved booking is reminded again)."""
    return notify(
        booking.member,
        "booking_reminder",
        "bookings/email/booking_reminder",
        {"booking": booking},
        attachments=[booking_ics_attachment(booking, method="REQUEST")],
        once_key=f"booking:{booking.pk}:{booking.start.isoformat()}",
    )
