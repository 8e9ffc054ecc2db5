"""Every kind of message the platform sends, and whether a member may turn it off.

One registry, so that the preferences page, the GDPR export and `notify` agree
on what exists. Transactional and legal messages (a booking made or cancelled,
a payment, an invoice, a decision about the member's credits, a school request)
are mandatory: they are the record of something that happened to the person.
Reminders and offers are optional: the member may choose not to receive them.
"""

import dataclasses

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclasses.dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    optional: bool = False
    help_text: str | Promise = ""
    # Roles (values of fablab.labs.models.Role, in any lab) of the people it can reach; empty: anybody.
    for_roles: frozenset[str] = frozenset()


_KINDS = [
    Kind("booking_confirmed", _("Booking confirmed")),
    Kind("booking_cancelled", _("Booking cancelled (by you, by staff, or because a machine is out of order)")),
    Kind("booking_reminder", _("Booking reminder the day before"), optional=True),
    Kind("waitlist_offer", _("A slot you wait for is offered to you"), optional=True),
    Kind("payment_received", _("Payment received")),
    Kind("invoice_issued", _("Invoice issued")),
    Kind("refund_issued", _("Refund issued")),
    Kind("contribution_reviewed", _("Contribution approved or refused")),
    Kind("enrollment", _("Training enrollment confirmed or cancelled")),
    Kind("seat_offered", _("A training seat is offered to you"), optional=True),
    Kind("session_reminder", _("Training session reminder the day before"), optional=True),
    Kind("session_cancelled", _("Training session cancelled")),
    Kind(
        "session_under_minimum",
        _("A session you run or manage was cancelled for lack of participants"),
        optional=True,
        for_roles=frozenset({"trainer", "staff"}),
    ),
    Kind("qualification_lapse_reminder", _("A qualification will lapse for lack of use"), optional=True),
    Kind("qualification_expiring", _("A qualification is about to expire"), optional=True),
    Kind("qualification_lapsed", _("A qualification lapsed")),
    Kind("school_request", _("School workshop request steps and quotes")),
    Kind("moderation", _("Moderation of your projects and comments")),
    Kind("project_comment", _("A comment on one of your projects"), optional=True),
]

KINDS = {kind.code: kind for kind in _KINDS}


def kind(code: str) -> Kind:
    """The registered kind; an unknown code is a programming error, not a silent drop."""
    try:
        return KINDS[code]
    except KeyError:
        raise LookupError(f"Unknown notification kind {code!r}; add it to fablab/notifications/kinds.py") from None


def optional_kinds(user=None) -> list[Kind]:
    """The optional kinds; given a `user`, only those that can reach them (no trainers' message for members)."""
    from fablab.labs.permissions import lab_roles

    kinds = [item for item in _KINDS if item.optional]
    if user is None or user.is_superuser:
        return kinds
    roles = set().union(*lab_roles(user).values())
    return [item for item in kinds if not item.for_roles or item.for_roles & roles]
