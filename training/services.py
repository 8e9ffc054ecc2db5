"""Writes on trainings: scheduling sessions, seats, attendance, qualifications.

A session's machines are blocked in the booking calendar through the bookings
service (block_create), in the same transaction: a taken machine refuses the
session instead of double-booking it. Seats are counted with the session row
locked, so concurrent enrollments never oversell.
"""

import datetime as dt
import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import ACTIVE_STATUSES, Booking
from bookings.services import SlotTaken, block_create, booking_cancel
from fablab.billing import stripe_api
from fablab.billing.checkout import checkout_start
from fablab.billing.models import OrderLine, OrderStatus, ProductKind
from fablab.billing.orders import OrderLineInput, order_open
from fablab.billing.refunds import REFUNDABLE, order_line_refund_online
from fablab.core.errors import ConflictError, DomainError, NotAllowedError
from fablab.core.locking import lock_rows
from fablab.labs.models import Role
from fablab.labs.permissions import Action, lab_roles, user_can
from machines.services import qualification_grant
from training.models import (
    SEATED_STATUSES,
    Enrollment,
    EnrollmentStatus,
    PaymentMode,
    Session,
    SessionStatus,
)
from training.notifications import (
    notify_enrollment,
    notify_enrollment_cancelled,
    notify_seat_offered,
    notify_session_cancelled,
    notify_session_under_minimum,
)

logger = logging.getLogger(__name__)


class TrainingError(DomainError):
    default_code = "training_invalid"


def seat_offer_hold():
    return dt.timedelta(hours=24)


def require(user, action, lab):
    if not user_can(user, action, lab):
        raise NotAllowedError(_("You are not allowed to do this in this lab."))


def session_schedule(*, course, lab, start, end, by, trainer=None, capacity=None, machines=()):
    """Plan a session and block its machines in the booking calendar, all or nothing."""
    require(by, Action.MANAGE_TRAININGS, lab)
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None or end <= start:
        raise TrainingError(_("Give a start and a later end, with their time zone."), code="bad_times")
    if start <= timezone.now():
        raise TrainingError(_("A session is planned in the future."), code="in_past", field="start")
    if trainer is not None and not user_can(trainer, Action.TEACH, lab):
        raise TrainingError(_("The trainer must be a trainer or staff of this lab."), code="not_a_trainer")
    with transaction.atomic():
        session = Session.objects.create(
            course=course, lab=lab, start=start, end=end, trainer=trainer, capacity=capacity or course.capacity
        )
        session.machines.set(machines)
        session.blocks_series = session_series(session)
        session.save(update_fields=["blocks_series"])
        for machine in machines:
            if machine.lab_id != lab.pk:
                raise TrainingError(_("%(machine)s is not in this lab.") % {"machine": machine.name}, code="wrong_lab")
            try:
                block_create(
                    machine=machine,
                    start=start,
                    end=end,
                    by=by,
                    note=str(course.title)[:200],
                    series=session.blocks_series,
                )
            except SlotTaken as error:
                raise SlotTaken(
                    _("%(machine)s is already booked at that time: free it or choose another time.")
                    % {"machine": machine.name}
                ) from error
    return session


def session_series(session):
    """The id that groups a session's machine blocks in the booking calendar."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"fablab:training-session:{session.pk}")


def seats_taken(session):
    return session.enrollments.filter(status__in=SEATED_STATUSES).count()


def prerequisites_met(member, course):
    required = set(course.prerequisites.values_list("pk", flat=True))
    if not required:
        return True
    attended = set(
        Enrollment.objects.filter(
            member=member, status=EnrollmentStatus.ATTENDED, session__course_id__in=required
        ).values_list("session__course_id", flat=True)
    )
    return required <= attended


def price_for(member, session):
    """Members of the session's lab pay the member price."""
    is_member = Role.MEMBER in lab_roles(member).get(session.lab_id, ())
    return session.course.member_price_cents if is_member else session.course.price_cents


def enrollment_create(*, session, member, payment_mode=PaymentMode.ON_SITE):
    """Take a seat (or a place on the session's waiting list when it is full).

    With `payment_mode="online"` the seat is held unpaid; `enrollment_pay_online`
    then sends the member to Stripe Checkout. Refused when the platform has no
    Stripe keys.
    """
    now = timezone.now()
    if payment_mode not in (PaymentMode.ON_SITE, PaymentMode.ONLINE):
        raise TrainingError(_("Choose to pay on site or online."), code="bad_payment_mode", field="payment_mode")
    if payment_mode == PaymentMode.ONLINE and not stripe_api.enabled():
        raise TrainingError(
            _("Online payment is not offered: pay at the lab on the day."), code="online_payment_unavailable"
        )
    with transaction.atomic():
        # The session row is the lock that counts seats: no two enrollments see the same free seat.
        session = lock_rows(Session.objects.select_related("course", "lab").filter(pk=session.pk)).get()
        if session.status != SessionStatus.SCHEDULED or session.start <= now:
            raise TrainingError(_("This session is no longer open for enrollment."), code="session_closed")
        if not prerequisites_met(member, session.course):
            raise TrainingError(_("Follow the prerequisite courses first."), code="prerequisites")
        full = seats_taken(session) >= session.capacity
        price = price_for(member, session)
        if full:
            # Online payment holds a seat taken now; a seat offered later from the waiting list is paid on site.
            payment_mode = PaymentMode.ON_SITE
        try:
            with transaction.atomic():
                enrollment = Enrollment.objects.create(
                    session=session,
                    member=member,
                    status=EnrollmentStatus.WAITLISTED if full else EnrollmentStatus.CONFIRMED,
                    price_cents=price,
                    payment_mode=PaymentMode.FREE if price == 0 else payment_mode,
                )
        except IntegrityError as error:  # training_one_open_enrollment_per_member
            raise ConflictError(_("You are already enrolled in this session."), code="already_enrolled") from error
        notify_enrollment(enrollment)
    return enrollment


def _offer_freed_seats(session, now):
    """Offer freed seats to the waiting list, first come first served; the seat is held 24 hours."""
    free = session.capacity - seats_taken(session)
    if free <= 0:
        return
    waiting = session.enrollments.filter(status=EnrollmentStatus.WAITLISTED).order_by("created_at", "id")[:free]
    for enrollment in waiting:
        enrollment.status = EnrollmentStatus.OFFERED
        enrollment.offer_expires_at = min(now + seat_offer_hold(), session.start)
        enrollment.save(update_fields=["status", "offer_expires_at"])
        notify_seat_offered(enrollment)


def enrollment_cancel(*, enrollment, by):
    """Give a seat back. Before the course's deadline (or by staff) the seat is refundable."""
    now = timezone.now()
    with transaction.atomic():
        session = lock_rows(Session.objects.select_related("course", "lab").filter(pk=enrollment.session_id)).get()
        enrollment = lock_rows(Enrollment.objects.filter(pk=enrollment.pk)).get()
        by_staff = user_can(by, Action.MANAGE_TRAININGS, session.lab)
        if enrollment.member_id != by.pk and not by_staff:
            raise NotAllowedError(_("You can only cancel your own enrollment."))
        if enrollment.status not in (EnrollmentStatus.CONFIRMED, EnrollmentStatus.OFFERED, EnrollmentStatus.WAITLISTED):
            raise ConflictError(_("This enrollment is already cancelled or over."), code="not_active")
        if session.start <= now and not by_staff:
            raise TrainingError(_("The session has started; ask the lab's team."), code="started")
        enrollment.status = EnrollmentStatus.CANCELLED
        enrollment.cancelled_at = now
        enrollment.save(update_fields=["status", "cancelled_at"])
        refundable = by_staff or now <= session.start - dt.timedelta(days=session.course.cancellation_days)
        if refundable:
            _refund_paid_online_seat(enrollment)
        notify_enrollment_cancelled(enrollment, refundable=refundable and enrollment.is_paid)
        _offer_freed_seats(session, now)
    return enrollment


def _refund_paid_online_seat(enrollment):
    """A seat paid by card and given back in time is refunded through Stripe (credit note on its report)."""
    if not (enrollment.is_paid and enrollment.payment_mode == PaymentMode.ONLINE):
        return
    line = (
        OrderLine.objects.select_related("order")
        .filter(kind=ProductKind.TRAINING_SEAT, reference_id=enrollment.pk, order__status__in=REFUNDABLE)
        .first()
    )
    if line is not None:
        order_line_refund_online(line=line)


def enrollment_accept_offer(*, enrollment, member):
    now = timezone.now()
    with transaction.atomic():
        lock_rows(Session.objects.filter(pk=enrollment.session_id)).get()
        enrollment = lock_rows(Enrollment.objects.filter(pk=enrollment.pk)).get()
        if enrollment.member_id != member.pk:
            raise NotAllowedError(_("This offer is not yours."))
        if enrollment.status != EnrollmentStatus.OFFERED or enrollment.offer_expires_at <= now:
            raise ConflictError(_("This offer is no longer open."), code="offer_gone")
        enrollment.status = EnrollmentStatus.CONFIRMED
        enrollment.offer_expires_at = None
        enrollment.save(update_fields=["status", "offer_expires_at"])
        notify_enrollment(enrollment)
    return enrollment


def enrollment_offers_expire(*, now=None):
    """Seat offers nobody accepted in time go to the next in line. Idempotent."""
    now = now or timezone.now()
    expired = 0
    session_ids = set(
        Enrollment.objects.filter(status=EnrollmentStatus.OFFERED, offer_expires_at__lte=now).values_list(
            "session_id", flat=True
        )
    )
    for session_id in sorted(session_ids):
        with transaction.atomic():
            session = lock_rows(Session.objects.filter(pk=session_id)).get()
            stale = lock_rows(session.enrollments.filter(status=EnrollmentStatus.OFFERED, offer_expires_at__lte=now))
            for enrollment in stale:
                enrollment.status = EnrollmentStatus.CANCELLED
                enrollment.cancelled_at = now
                enrollment.save(update_fields=["status", "cancelled_at"])
                expired += 1
            _offer_freed_seats(session, now)
    return expired


def attendance_record(*, session, present, by):
    """Mark who came (`present`: {enrollment id: bool}); attending grants the course's qualifications."""
    if not (
        user_can(by, Action.MANAGE_TRAININGS, session.lab_id)
        or (session.trainer_id == by.pk and user_can(by, Action.TEACH, session.lab_id))
    ):
        raise NotAllowedError(_("Only the session's trainer or the lab's staff record attendance."))
    now = timezone.now()
    with transaction.atomic():
        session = lock_rows(Session.objects.select_related("course").filter(pk=session.pk)).get()
        if session.status == SessionStatus.CANCELLED:
            raise ConflictError(_("This session is cancelled."), code="session_cancelled")
        if session.start > now:
            raise TrainingError(_("Attendance is recorded once the session has started."), code="not_started")
        enrollments = {e.pk: e for e in lock_rows(session.enrollments.filter(pk__in=list(present)))}
        unknown = set(present) - set(enrollments)
        if unknown:
            raise TrainingError(_("Some people are not enrolled in this session."), code="unknown_enrollment")
        course = session.course
        machines = list(course.qualifies_for.all())
        expires_at = (
            now + dt.timedelta(days=course.qualification_valid_days) if course.qualification_valid_days else None
        )
        for enrollment_id, came in present.items():
            enrollment = enrollments[enrollment_id]
            if enrollment.status not in (
                EnrollmentStatus.CONFIRMED,
                EnrollmentStatus.ATTENDED,
                EnrollmentStatus.ABSENT,
            ):
                raise TrainingError(_("Only confirmed seats can be marked."), code="not_confirmed")
            already_attended = enrollment.status == EnrollmentStatus.ATTENDED
            enrollment.status = EnrollmentStatus.ATTENDED if came else EnrollmentStatus.ABSENT
            enrollment.attendance_recorded_by = by
            enrollment.save(update_fields=["status", "attendance_recorded_by"])
            if came and not already_attended:
                for machine in machines:
                    qualification_grant(
                        user=enrollment.member,
                        machine=machine,
                        by=session.trainer or by,
                        expires_at=expires_at,
                        reason=_("Attended %(course)s") % {"course": course.title},
                    )
        if session.status == SessionStatus.SCHEDULED:
            session.status = SessionStatus.HELD
            session.save(update_fields=["status"])
    return session


def session_cancel(*, session, by, reason):
    """Cancel a session: seats are released (paid ones refundable), machines freed, people told."""
    if by is not None:
        require(by, Action.MANAGE_TRAININGS, session.lab_id)
    now = timezone.now()
    with transaction.atomic():
        session = lock_rows(Session.objects.select_related("course", "lab").filter(pk=session.pk)).get()
        if session.status != SessionStatus.SCHEDULED:
            raise ConflictError(_("Only a scheduled session can be cancelled."), code="not_scheduled")
        session.status = SessionStatus.CANCELLED
        session.cancellation_reason = reason
        session.save(update_fields=["status", "cancellation_reason"])
        for enrollment in lock_rows(session.enrollments.exclude(status=EnrollmentStatus.CANCELLED)):
            enrollment.status = EnrollmentStatus.CANCELLED
            enrollment.cancelled_at = now
            enrollment.save(update_fields=["status", "cancelled_at"])
            _refund_paid_online_seat(enrollment)
            notify_session_cancelled(enrollment, reason=reason)
        if session.blocks_series:
            for block in Booking.objects.filter(series=session.blocks_series, status__in=ACTIVE_STATUSES):
                booking_cancel(booking=block, by=by, full_refund=True, reason=reason)
    return session


def sessions_cancel_under_minimum(*, now=None):
    """Cancel the sessions that still lack their minimum headcount when the check day comes. Idempotent."""
    now = now or timezone.now()
    cancelled = []
    upcoming = Session.objects.filter(status=SessionStatus.SCHEDULED, start__gt=now).select_related("course")
    for session in upcoming:
        if session.start - dt.timedelta(days=session.course.min_headcount_days) > now:
            continue
        taken = seats_taken(session)
        if taken < session.course.min_headcount:
            with transaction.atomic():
                cancelled.append(session_cancel(session=session, by=None, reason=_("Not enough participants.")))
                notify_session_under_minimum(session, seats_taken=taken)
    return cancelled


# --- Paying a seat online (billing calls back through training/payments.py) ----------------


def enrollment_pay_online(*, enrollment, success_url, cancel_url) -> str:
    """Open (or reuse) the billing order of an unpaid online seat and start Stripe Checkout; returns its URL.

    The seat stays held (confirmed, unpaid) until billing reports the order paid
    (`enrollment_mark_paid`) or cancelled/expired (`enrollment_release_unpaid`).
    No lock is held here: `checkout_start` calls Stripe over the network.
    """
    if not stripe_api.enabled():
        raise TrainingError(
            _("Online payment is not offered: pay at the lab on the day."), code="online_payment_unavailable"
        )
    enrollment = Enrollment.objects.select_related("session__course", "session__lab", "member").get(pk=enrollment.pk)
    if (
        enrollment.status != EnrollmentStatus.CONFIRMED
        or enrollment.payment_mode != PaymentMode.ONLINE
        or enrollment.is_paid
        or not enrollment.price_cents
    ):
        raise ConflictError(_("This seat is not awaiting an online payment."), code="not_payable_online")
    line = (
        OrderLine.objects.filter(
            kind=ProductKind.TRAINING_SEAT, reference_id=enrollment.pk, order__status=OrderStatus.PENDING
        )
        .select_related("order")
        .first()
    )
    order = line.order if line else _seat_order_open(enrollment)
    return checkout_start(order=order, success_url=success_url, cancel_url=cancel_url)


def _seat_order_open(enrollment):
    session = enrollment.session
    local_start = timezone.localtime(session.start, session.lab.tz)
    seat = OrderLineInput(
        kind=ProductKind.TRAINING_SEAT,
        reference_id=enrollment.pk,
        description=f"{session.course.title}, {local_start:%Y-%m-%d %H:%M}",
        quantity=1,
        unit_price_cents=enrollment.price_cents,
        vat_rate_bp=session.course.vat_rate_bp,
        details={"session_id": session.pk},
    )
    return order_open(buyer=enrollment.member, lab=session.lab, lines=[seat])


def enrollment_mark_paid(*, enrollment_id):
    """The seat's order is paid: the seat is paid. Idempotent; billing calls it with the order locked."""
    with transaction.atomic():
        enrollment = lock_rows(Enrollment.objects.filter(pk=enrollment_id)).get()
        if enrollment.is_paid:
            return enrollment
        if enrollment.status not in SEATED_STATUSES:
            # Money taken for a seat given back meanwhile: refuse, so billing records nothing and a person refunds.
            raise ConflictError(_("This seat was given back before it was paid."), code="seat_gone")
        enrollment.is_paid = True
        enrollment.save(update_fields=["is_paid"])
    return enrollment


def enrollment_release_unpaid(*, enrollment_id):
    """The seat's order was cancelled or its payment expired: an unpaid online seat goes to the waiting list.

    Does nothing for a seat paid, given back, or switched to another payment
    meanwhile. Billing calls it with the order locked (order, then session, then
    enrollment: the same order as the webhook's).
    """
    now = timezone.now()
    with transaction.atomic():
        enrollment = Enrollment.objects.filter(pk=enrollment_id).first()
        if enrollment is None:
            return None
        session = lock_rows(Session.objects.select_related("course", "lab").filter(pk=enrollment.session_id)).get()
        enrollment = lock_rows(Enrollment.objects.filter(pk=enrollment_id)).get()
        if (
            enrollment.is_paid
            or enrollment.payment_mode != PaymentMode.ONLINE
            or enrollment.status not in (EnrollmentStatus.CONFIRMED, EnrollmentStatus.OFFERED)
        ):
            return enrollment
        enrollment.status = EnrollmentStatus.CANCELLED
        enrollment.cancelled_at = now
        enrollment.save(update_fields=["status", "cancelled_at"])
        logger.info("Enrollment %s released: its online payment did not complete", enrollment.pk)
        notify_enrollment_cancelled(enrollment, refundable=False)
        _offer_freed_seats(session, now)
    return enrollment
