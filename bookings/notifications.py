"""Who hears about a booking, and what they receive (sent after the commit)."""

from fablab.core.email import email_user


def notify_booking_confirmed(booking):
    if booking.member_id:
        email_user(booking.member, "bookings/email/booking_confirmed", {"booking": booking})


def notify_booking_cancelled(booking, reason=""):
    if booking.member_id:
        email_user(booking.member, "bookings/email/booking_cancelled", {"booking": booking, "reason": reason})
