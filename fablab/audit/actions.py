"""The audit log's action codes and how they read to staff.

A code is stored, its label is rendered in the reader's language. Adding an
action means adding a line here; `audit_record` refuses unknown codes so that a
typo fails in the tests, not silently in the log.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    # bookings
    "booking.created": _("Booking made"),
    "booking.cancelled": _("Booking cancelled"),
    "booking.checked_in": _("Checked in"),
    "booking.no_show": _("Marked as a no-show"),
    "booking.block_created": _("Time blocked by staff"),
    # credits
    "credits.adjusted": _("Credits adjusted"),
    "credits.granted": _("Credits granted"),
    "credits.overdraft_set": _("Overdraft changed"),
    "contribution.approved": _("Contribution approved"),
    "contribution.refused": _("Contribution refused"),
    # billing
    "invoice.issued": _("Invoice issued"),
    "invoice.credit_note_issued": _("Credit note issued"),
    "period.closed": _("Accounting period closed"),
    "order.payment_recorded": _("Payment recorded"),
    "order.refunded": _("Refund"),
    # machines
    "machine.status_changed": _("Status changed"),
    "machine.maintenance_scheduled": _("Maintenance scheduled"),
    # qualifications
    "qualification.granted": _("Qualification granted"),
    "qualification.revoked": _("Qualification withdrawn"),
    "qualification.lapsed": _("Qualification lapsed"),
}


def action_label(code):
    return ACTION_LABELS.get(code, code)


# How the keys of `AuditEntry.changes` read to staff; unknown keys show as they are.
CHANGE_LABELS = {
    "minutes": _("minutes"),
    "refund_minutes": _("refunded minutes"),
    "credits_minutes": _("credits"),
    "overdraft_minutes": _("overdraft"),
    "from": _("from"),
    "to": _("to"),
    "status": _("status"),
    "start": _("start"),
    "end": _("end"),
    "number": _("number"),
    "amount_cents": _("amount (cents)"),
    "method": _("method"),
    "machine": _("machine"),
    "member": _("member"),
    "contribution": _("contribution"),
    "invoice": _("invoice"),
    "expires_at": _("expires"),
}


def describe_changes(changes):
    """[(label, value)] for display, in a stable order."""
    return [(CHANGE_LABELS.get(key, key), value) for key, value in sorted((changes or {}).items())]
