"""Who hears about a booking, and what they receive (sent after the commit)."""

from bookings.calendar import booking_ics_attachment
from fablab.core.email import email_user


def notify_booking_confirmed(booking):
    if booking.member_id:
        email_user(
            booking.member,
            "bookings/email/booking_confirmed",
            {"booking": booking},
            attachments=[booking_ics_attachment(booking, method="REQUEST")],
        )


def notify_booking_cancelled(booking, reason=""):
    if booking.member_id:
        email_user(
            booking.member,
            "bookings/email/booking_cancelled",
            {"booking": booking, "reason": reason},
            attachments=[booking_ics_attachment(booking, method="CANCEL")],
        )


def notify_waitlist_offer(entry):
    email_user(entry.member, "bookings/email/waitlist_offer", {"entry": entry, "booking": entry.hold})
