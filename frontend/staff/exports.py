"""Staff CSV exports: members, bookings, credits ledger, trainings and attendance, school workshops.

The shape of the accounting export (`fablab/billing/exports.py`): stable,
untranslated column codes; free text through `csv_safe`; instants as local
ISO times of the row's lab; rows read in chunks and written as they come, so
memory and the number of queries do not grow with the rows. Each export also
counts its rows first (one query) so that the page can show honest progress.
"""

import csv
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from fablab.billing.exports import BOM
from fablab.core.csv import Echo, csv_safe
from fablab.credits.models import CreditAccount, LedgerEntry
from fablab.labs.models import Membership
from training.models import Enrollment, SchoolRegistration

CHUNK_SIZE = 500


def _local(instant, lab):
    return instant.astimezone(lab.tz).isoformat(timespec="minutes") if instant else ""


def _members(labs, period):
    balance = CreditAccount.objects.filter(user=OuterRef("user_id"), lab=OuterRef("lab_id")).values("balance_minutes")
    return (
        Membership.objects.filter(lab__in=labs)
        .select_related("user", "lab")
        .annotate(balance_minutes=Subquery(balance[:1]))
        .order_by("lab__name", "user__email", "role")
    )


def _member_row(membership, period):
    user, lab = membership.user, membership.lab
    return [
        lab.slug,
        csv_safe(user.email),
        csv_safe(user.full_name),
        csv_safe(user.phone),
        membership.role,
        _local(membership.created_at, lab),
        membership.balance_minutes if membership.balance_minutes is not None else "",
    ]


def _bookings(labs, period):
    return (
        Booking.objects.filter(machine__lab__in=labs, start__gte=period.start, start__lt=period.end)
        .select_related("machine__lab", "member")
        .order_by("start", "pk")
    )


def _booking_row(booking, period):
    lab = booking.machine.lab
    member = booking.member
    return [
        lab.slug,
        csv_safe(booking.machine.name),
        csv_safe(member.email) if member else "",
        csv_safe(member.full_name) if member else "",
        booking.kind,
        booking.status,
        _local(booking.start, lab),
        _local(booking.end, lab),
        booking.credits_minutes,
        booking.refunded_minutes,
        _local(booking.checked_in_at, lab),
        csv_safe(booking.note),
    ]


def _ledger(labs, period):
    return (
        LedgerEntry.objects.filter(account__lab__in=labs, created_at__gte=period.start, created_at__lt=period.end)
        .select_related("account__lab", "account__user", "author")
        .order_by("created_at", "pk")
    )


def _ledger_row(entry, period):
    lab, user = entry.account.lab, entry.account.user
    return [
        lab.slug,
        csv_safe(user.email),
        csv_safe(user.full_name),
        _local(entry.created_at, lab),
        entry.kind,
        entry.minutes,
        csv_safe(entry.memo),
        csv_safe(entry.author.email) if entry.author_id else "",
    ]


def _attendance(labs, period):
    return (
        Enrollment.objects.filter(
            session__lab__in=labs, session__start__gte=period.start, session__start__lt=period.end
        )
        .select_related("session__lab", "session__course", "session__trainer", "member")
        .order_by("session__start", "session_id", "pk")
    )


def _attendance_row(enrollment, period):
    session = enrollment.session
    lab = session.lab
    return [
        lab.slug,
        csv_safe(session.course.title),
        _local(session.start, lab),
        session.status,
        csv_safe(session.trainer.email) if session.trainer_id else "",
        session.capacity,
        csv_safe(enrollment.member.email),
        csv_safe(enrollment.member.full_name),
        enrollment.status,
        enrollment.price_cents,
    ]


def _workshops(labs, period):
    # A confirmed workshop belongs to the period of its date; a request not yet dated, to that of its asking.
    in_period = Q(start__gte=period.start, start__lt=period.end) | Q(
        start__isnull=True, created_at__gte=period.start, created_at__lt=period.end
    )
    return (
        SchoolRegistration.objects.filter(in_period, lab__in=labs)
        .select_related("lab", "offer", "invoice")
        .order_by("created_at", "pk")
    )


def _workshop_row(registration, period):
    lab = registration.lab
    return [
        lab.slug,
        csv_safe(registration.offer.theme),
        csv_safe(registration.school_name),
        csv_safe(registration.school_code),
        csv_safe(registration.teacher_name),
        csv_safe(registration.teacher_email),
        registration.class_level,
        registration.pupils,
        registration.accompanying_adults,
        registration.status,
        _local(registration.created_at, lab),
        _local(registration.start, lab),
        _local(registration.end, lab),
        csv_safe(registration.quote_number),
        csv_safe(registration.invoice.number) if registration.invoice_id else "",
    ]


@dataclass(frozen=True)
class Export:
    label: str
    columns: list
    queryset: object  # (labs, period) -> QuerySet
    row: object  # (object, period) -> list of cells
    uses_period: bool = True


EXPORTS = {
    "members": Export(
        _("Members and their roles (all, whatever the period)"),
        ["lab", "email", "full_name", "phone", "role", "since", "balance_minutes"],
        _members,
        _member_row,
        uses_period=False,
    ),
    "bookings": Export(
        _("Bookings (starting in the period)"),
        [
            "lab",
            "machine",
            "member_email",
            "member_name",
            "kind",
            "status",
            "start",
            "end",
            "credits_minutes",
            "refunded_minutes",
            "checked_in_at",
            "note",
        ],
        _bookings,
        _booking_row,
    ),
    "ledger": Export(
        _("Credits ledger (entries of the period)"),
        ["lab", "member_email", "member_name", "time", "kind", "minutes", "memo", "author_email"],
        _ledger,
        _ledger_row,
    ),
    "attendance": Export(
        _("Trainings and attendance (sessions of the period)"),
        [
            "lab",
            "course",
            "session_start",
            "session_status",
            "trainer_email",
            "seats",
            "member_email",
            "member_name",
            "enrollment_status",
            "price_cents",
        ],
        _attendance,
        _attendance_row,
    ),
    "workshops": Export(
        _("School workshops (held or asked for in the period)"),
        [
            "lab",
            "theme",
            "school",
            "school_code",
            "teacher_name",
            "teacher_email",
            "class_level",
            "pupils",
            "adults",
            "status",
            "requested_at",
            "start",
            "end",
            "quote_number",
            "invoice_number",
        ],
        _workshops,
        _workshop_row,
    ),
}


def export_choices():
    return [(kind, export.label) for kind, export in EXPORTS.items()]


def export_count(kind, labs, period) -> int:
    """The number of data rows the export will hold (one query)."""
    return EXPORTS[kind].queryset(labs, period).count()


def export_csv(kind, labs, period):
    """Yield the CSV text line by line: the byte order mark, the header, then one line per row."""
    export = EXPORTS[kind]
    writer = csv.writer(Echo())
    yield BOM
    yield writer.writerow(export.columns)
    for obj in export.queryset(labs, period).iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(export.row(obj, period))


def export_filename(kind, labs, period) -> str:
    scope = labs[0].slug if len(labs) == 1 else "labs"
    if not EXPORTS[kind].uses_period:
        return f"{kind}-{scope}.csv"
    return f"{kind}-{scope}-{period.date_from.isoformat()}-{period.date_to.isoformat()}.csv"
