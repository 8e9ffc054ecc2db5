"""The staff dashboard's numbers: counters for today and series for the charts.

Every figure is one aggregate query (GROUP BY month or week in the database),
never a loop over rows, so the dashboard costs the same number of queries with
ten bookings or ten thousand. Only the opening hours are computed in Python,
per lab (two queries each, see `opening_intervals`), since they are rules, not rows.

Months and weeks are those of one time zone: the zone of the first lab shown
(the labs of one network share their zone; a dashboard across zones would have
to pick one anyway).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from bookings.models import Booking, BookingKind, BookingStatus
from fablab.billing.models import Invoice, InvoiceKind, OrderLine, ProductKind
from fablab.credits.models import Contribution, ContributionStatus, EntryKind, LedgerEntry
from fablab.labs.selectors import opening_intervals
from machines.models import Machine, MachineStatus
from training.models import (
    SEATED_STATUSES,
    Enrollment,
    RegistrationStatus,
    SchoolRegistration,
    Session,
    SessionStatus,
)

# Bookings that took the machine's time: a no-show kept it from others too.
OCCUPYING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)
EARNED_KINDS = (EntryKind.CONTRIBUTION, EntryKind.PURCHASE, EntryKind.GRANT)
SPENT_KINDS = (EntryKind.BOOKING_DEBIT, EntryKind.CANCELLATION_REFUND)
PUPILS_REACHED_STATUSES = (RegistrationStatus.HELD, RegistrationStatus.INVOICED)
LOW_FILL_DAYS_AHEAD = 14
LIST_LIMIT = 10


@dataclass(frozen=True)
class Period:
    """Local dates `date_from` to `date_to`, both included, as UTC instants [start, end)."""

    date_from: dt.date
    date_to: dt.date
    tz: dt.tzinfo

    @property
    def start(self):
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=self.tz).astimezone(dt.UTC)

    @property
    def end(self):
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=self.tz).astimezone(dt.UTC)

    def months(self):
        """The first day of each month the period touches."""
        month = self.date_from.replace(day=1)
        while month <= self.date_to:
            yield month
            month = (month + dt.timedelta(days=32)).replace(day=1)

    def weeks(self):
        """The Monday of each ISO week the period touches."""
        monday = self.date_from - dt.timedelta(days=self.date_from.weekday())
        while monday <= self.date_to:
            yield monday
            monday += dt.timedelta(days=7)


def _day(value, tz):
    """A truncated month or week as a local date (SQLite hands back datetimes, PostgreSQL too, aware)."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(tz) if timezone.is_aware(value) else value).date()
    return value


# --- Today ----------------------------------------------------------------------------------------


def today_counts(labs, *, now, tz):
    """Today's member bookings and check-ins in `labs` (one query)."""
    day = now.astimezone(tz).date()
    period = Period(day, day, tz)
    return Booking.objects.filter(
        machine__lab__in=labs,
        kind=BookingKind.MEMBER,
        start__gte=period.start,
        start__lt=period.end,
    ).aggregate(
        bookings=Count("pk", filter=Q(status__in=(*OCCUPYING_STATUSES, BookingStatus.HELD))),
        checked_in=Count("pk", filter=Q(status=BookingStatus.CHECKED_IN)),
    )


def machines_unavailable(labs):
    return list(
        Machine.objects.filter(lab__in=labs)
        .exclude(status=MachineStatus.AVAILABLE)
        .select_related("lab")
        .order_by("lab__name", "name")
    )


def pending_contributions(labs):
    return list(
        Contribution.objects.filter(lab__in=labs, status=ContributionStatus.PENDING)
        .select_related("member", "lab")
        .order_by("day", "pk")[:LIST_LIMIT]
    )


def school_requests_to_handle(labs):
    return list(
        SchoolRegistration.objects.filter(lab__in=labs, status=RegistrationStatus.REQUESTED)
        .select_related("offer", "lab")
        .order_by("created_at")[:LIST_LIMIT]
    )


def unpaid_invoices(labs):
    """Invoices issued and not paid yet (mandates, desk orders), oldest due first."""
    return list(
        Invoice.objects.filter(lab__in=labs, kind=InvoiceKind.INVOICE, paid_at__isnull=True)
        .select_related("lab")
        .order_by("due_date", "pk")[:LIST_LIMIT]
    )


def queue_counts(labs):
    """How many contributions, school requests and unpaid invoices wait, not only those listed (three queries)."""
    unpaid = Invoice.objects.filter(lab__in=labs, kind=InvoiceKind.INVOICE, paid_at__isnull=True).aggregate(
        count=Count("pk"), cents=Sum("total_incl_tax_cents", default=0)
    )
    return {
        "contributions": Contribution.objects.filter(lab__in=labs, status=ContributionStatus.PENDING).count(),
        "school_requests": SchoolRegistration.objects.filter(lab__in=labs, status=RegistrationStatus.REQUESTED).count(),
        "unpaid_invoices": unpaid["count"],
        "unpaid_cents": unpaid["cents"],
    }


def low_fill_sessions(labs, *, now):
    """Sessions of the coming two weeks whose seats taken are below the course's minimum headcount."""
    return list(
        Session.objects.filter(
            lab__in=labs,
            status=SessionStatus.SCHEDULED,
            start__gte=now,
            start__lt=now + dt.timedelta(days=LOW_FILL_DAYS_AHEAD),
        )
        .annotate(seated=Count("enrollments", filter=Q(enrollments__status__in=SEATED_STATUSES)))
        .filter(seated__lt=F("course__min_headcount"))
        .select_related("course", "lab")
        .order_by("start")[:LIST_LIMIT]
    )


# --- Series for the charts --------------------------------------------------------------------


def occupancy_by_machine_week(labs, period):
    """{"weeks", "machines", "names", "rows": [(machine, [percent or None per week])], "by_week": transposed}.

    Booked minutes (one GROUP BY machine, week query) over the minutes the lab
    was open that week (from its hours and closures, per lab).
    """
    tz = period.tz
    weeks = list(period.weeks())
    machines = list(Machine.objects.filter(lab__in=labs).select_related("lab").order_by("lab__name", "name"))
    booked = (
        Booking.objects.filter(
            machine__in=[machine.pk for machine in machines],  # by machine: the covering index (bookings 0003)
            kind=BookingKind.MEMBER,
            status__in=OCCUPYING_STATUSES,
            start__gte=period.start,
            start__lt=period.end,
        )
        .annotate(week=TruncWeek("start", tzinfo=tz))
        .values("machine_id", "week")
        .annotate(booked=Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField())))
    )
    booked_minutes = {(row["machine_id"], _day(row["week"], tz)): row["booked"] for row in booked}
    open_minutes = {}
    for lab in {machine.lab for machine in machines}:
        per_week = defaultdict(float)
        for opens, closes in opening_intervals(lab, period.start, period.end):
            local = opens.astimezone(tz).date()
            per_week[local - dt.timedelta(days=local.weekday())] += (closes - opens).total_seconds() / 60
        open_minutes[lab.pk] = per_week
    rows = []
    for machine in machines:
        values = []
        for week in weeks:
            opened = open_minutes[machine.lab_id].get(week, 0)
            taken = booked_minutes.get((machine.pk, week))
            minutes = taken.total_seconds() / 60 if taken else 0
            values.append(round(100 * minutes / opened, 1) if opened else None)
        rows.append((machine, values))
    by_week = [(week, [values[index] for _machine, values in rows]) for index, week in enumerate(weeks)]
    several_labs = len({machine.lab_id for machine in machines}) > 1
    names = [f"{machine.name} ({machine.lab.name})" if several_labs else machine.name for machine in machines]
    return {"weeks": weeks, "machines": machines, "names": names, "rows": rows, "by_week": by_week}


def credits_flow_by_month(labs, period):
    """[(month, earned minutes, spent minutes)]: contributions, purchases and grants against net booking debits."""
    tz = period.tz
    totals = {
        _day(row["month"], tz): row
        for row in LedgerEntry.objects.filter(
            account__lab__in=labs, created_at__gte=period.start, created_at__lt=period.end
        )
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(
            earned=Sum("minutes", filter=Q(kind__in=EARNED_KINDS, minutes__gt=0), default=0),
            spent=Sum("minutes", filter=Q(kind__in=SPENT_KINDS), default=0),
        )
    }
    return [
        (month, totals[month]["earned"] if month in totals else 0, -totals[month]["spent"] if month in totals else 0)
        for month in period.months()
    ]


def revenue_by_month(labs, period):
    """{"kinds": [(kind, label)], "rows": [(month, [cents per kind])]}: order lines paid, net of refunds, excl. VAT."""
    tz = period.tz
    amounts = {
        (_day(row["month"], tz), row["kind"]): row["cents"]
        for row in OrderLine.objects.filter(
            order__lab__in=labs, order__paid_at__gte=period.start, order__paid_at__lt=period.end
        )
        .annotate(month=TruncMonth("order__paid_at", tzinfo=tz))
        .values("month", "kind")
        .annotate(cents=Sum(F("total_excl_tax_cents") - F("refunded_excl_tax_cents")))
    }
    kinds = list(ProductKind.choices)
    rows = [(month, [amounts.get((month, kind), 0) for kind, _label in kinds]) for month in period.months()]
    return {"kinds": kinds, "rows": rows}


def training_fill_by_month(labs, period):
    """[(month, seats taken, seats offered, percent or None)] over sessions not cancelled (two queries)."""
    tz = period.tz
    sessions = Session.objects.filter(lab__in=labs, start__gte=period.start, start__lt=period.end).exclude(
        status=SessionStatus.CANCELLED
    )
    capacity = {
        _day(row["month"], tz): row["seats"]
        for row in sessions.annotate(month=TruncMonth("start", tzinfo=tz))
        .values("month")
        .annotate(seats=Sum("capacity"))
    }
    seated = {
        _day(row["month"], tz): row["taken"]
        for row in Enrollment.objects.filter(session__in=sessions, status__in=SEATED_STATUSES)
        .annotate(month=TruncMonth("session__start", tzinfo=tz))
        .values("month")
        .annotate(taken=Count("pk"))
    }
    result = []
    for month in period.months():
        offered, taken = capacity.get(month, 0), seated.get(month, 0)
        result.append((month, taken, offered, round(100 * taken / offered, 1) if offered else None))
    return result


def pupils_by_month(labs, period):
    """[(month, pupils, workshops)] of school workshops held (or held and invoiced) in the period."""
    tz = period.tz
    totals = {
        _day(row["month"], tz): row
        for row in SchoolRegistration.objects.filter(
            lab__in=labs, status__in=PUPILS_REACHED_STATUSES, start__gte=period.start, start__lt=period.end
        )
        .annotate(month=TruncMonth("start", tzinfo=tz))
        .values("month")
        .annotate(pupils=Sum("pupils"), workshops=Count("pk"))
    }
    return [
        (month, totals[month]["pupils"] if month in totals else 0, totals[month]["workshops"] if month in totals else 0)
        for month in period.months()
    ]


def staff_dashboard(labs, period, *, now=None):
    """What the dashboard shows live for `labs` (a list): today, the queues, what needs a hand."""
    now = now or timezone.now()
    return {
        "today": today_counts(labs, now=now, tz=period.tz),
        "queues": queue_counts(labs),
        "machines_unavailable": machines_unavailable(labs),
        "pending_contributions": pending_contributions(labs),
        "school_requests": school_requests_to_handle(labs),
        "unpaid_invoices": unpaid_invoices(labs),
        "low_fill_sessions": low_fill_sessions(labs, now=now),
    }


def chart_series(labs, period):
    """The series of the dashboard's charts for `labs` over `period`, in a fixed number of queries."""
    return {
        "occupancy": occupancy_by_machine_week(labs, period),
        "credits_flow": credits_flow_by_month(labs, period),
        "revenue": revenue_by_month(labs, period),
        "training_fill": training_fill_by_month(labs, period),
        "pupils": pupils_by_month(labs, period),
    }
