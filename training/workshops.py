"""School workshops: a teacher's request, followed without an account, up to the invoice.

Status: requested → confirmed → held → invoiced, or cancelled at any point before
held. Confirming books the lab's machines through the bookings service.
"""

import datetime as dt
import re
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import ACTIVE_STATUSES, Booking
from bookings.services import SlotTaken, block_create, booking_cancel
from fablab.billing.models import PaymentMethod
from fablab.billing.services import Buyer, LineInput, invoice_issue
from fablab.core.errors import ConflictError, DomainError, NotAllowedError
from fablab.core.locking import lock_rows
from fablab.labs.permissions import Action, user_can
from training.models import RegistrationStatus, SchoolLevel, SchoolRegistration
from training.notifications import notify_registration
from training.quotes import notify_quote, quote_expired, quote_number_take

UAI_PATTERN = re.compile(r"^\d{7}[A-Z]$")
# The check letter of a French UAI: the 7 digits modulo 23, in this alphabet (no I, O, Q).
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


class WorkshopError(DomainError):
    default_code = "workshop_invalid"


def uai_is_valid(code):
    """A French school code (UAI/RNE): seven digits and the letter they determine."""
    code = (code or "").strip().upper()
    return bool(UAI_PATTERN.match(code)) and UAI_LETTERS[int(code[:7]) % 23] == code[7]


def _check_request(*, offer, lab, school_code, teacher_email, class_level, pupils, preferred_dates):
    today = timezone.localdate()
    if not offer.is_published or not offer.labs.filter(pk=lab.pk).exists():
        raise WorkshopError(_("This workshop is not offered at this lab."), code="not_offered", field="lab")
    if not uai_is_valid(school_code):
        raise WorkshopError(
            _("This is not a valid school code (UAI): seven digits and a letter, for example 0750655E."),
            code="invalid_uai",
            field="school_code",
        )
    try:
        validate_email(teacher_email)
    except ValidationError:
        raise WorkshopError(_("Enter a valid email address."), code="invalid_email", field="teacher_email") from None
    if class_level not in SchoolLevel.values or (offer.school_levels and class_level not in offer.school_levels):
        raise WorkshopError(_("This workshop is not for this class level."), code="wrong_level", field="class_level")
    if not 0 < pupils <= offer.max_pupils:
        raise WorkshopError(
            _("This workshop takes at most %(max)s pupils.") % {"max": offer.max_pupils},
            code="too_many_pupils",
            field="pupils",
        )
    if not 2 <= len(preferred_dates) <= 3 or len(set(preferred_dates)) != len(preferred_dates):
        raise WorkshopError(_("Give two or three different dates."), code="dates_count", field="preferred_dates")
    if any(day <= today for day in preferred_dates):
        raise WorkshopError(_("The dates must be in the future."), code="dates_past", field="preferred_dates")


def registration_submit(
    *,
    offer,
    lab,
    school_name,
    school_code,
    address,
    teacher_name,
    teacher_email,
    teacher_phone,
    class_level,
    pupils,
    preferred_dates,
    accompanying_adults=1,
    accessibility_needs="",
    purchase_order="",
    notes="",
    language="fr",
):
    """A teacher asks for a workshop; they get an email with a private link to follow the request."""
    _check_request(
        offer=offer,
        lab=lab,
        school_code=school_code,
        teacher_email=teacher_email,
        class_level=class_level,
        pupils=pupils,
        preferred_dates=preferred_dates,
    )
    if not all(value.strip() for value in (school_name, address, teacher_name, teacher_phone)):
        raise WorkshopError(_("Fill in the school, its address, and the teacher's name and phone."), code="missing")
    with transaction.atomic():
        registration = SchoolRegistration.objects.create(
            offer=offer,
            lab=lab,
            school_name=school_name.strip(),
            school_code=school_code.strip().upper(),
            address=address.strip(),
            teacher_name=teacher_name.strip(),
            teacher_email=teacher_email.strip(),
            teacher_phone=teacher_phone.strip(),
            class_level=class_level,
            pupils=pupils,
            accompanying_adults=accompanying_adults,
            accessibility_needs=accessibility_needs,
            preferred_dates=sorted(day.isoformat() for day in preferred_dates),
            purchase_order=purchase_order,
            notes=notes,
            language=language if language in ("fr", "en") else "fr",
            follow_token=secrets.token_urlsafe(32),
        )
        notify_registration(registration)
    return registration


# A private link stops working a year after the request last changed: long enough to fetch
# the invoice and pay it, short enough that an old forwarded email opens nothing.
FOLLOW_LINK_LIFETIME = dt.timedelta(days=365)


def registration_by_token(token):
    """The request behind a teacher's private link, or None (wrong or expired token)."""
    if not token or len(token) > 64:
        return None
    return (
        SchoolRegistration.objects.select_related("offer", "lab")
        .filter(follow_token=token, updated_at__gt=timezone.now() - FOLLOW_LINK_LIFETIME)
        .first()
    )


def _locked(registration):
    return lock_rows(SchoolRegistration.objects.select_related("offer", "lab").filter(pk=registration.pk)).get()


def _require_staff(by, registration):
    if not user_can(by, Action.MANAGE_TRAININGS, registration.lab_id):
        raise NotAllowedError(_("Only the lab's staff can do this."))


def _move(registration, to, allowed_from):
    if registration.status not in allowed_from:
        raise ConflictError(
            _("This request is %(status)s: it cannot change that way.") % {"status": registration.get_status_display()},
            code="wrong_status",
        )
    registration.status = to


def registration_confirm(*, registration, start, by, machines=()):
    """Staff fix the date; the machines are blocked for the workshop in the booking calendar."""
    _require_staff(by, registration)
    if start is None or start.tzinfo is None or start <= timezone.now():
        raise WorkshopError(_("Pick a future date and time."), code="bad_start", field="start")
    with transaction.atomic():
        registration = _locked(registration)
        _move(registration, RegistrationStatus.CONFIRMED, [RegistrationStatus.REQUESTED])
        registration.start = start
        registration.end = start + dt.timedelta(minutes=registration.offer.duration_minutes)
        registration.blocks_series = uuid.uuid4()
        for machine in machines:
            if machine.lab_id != registration.lab_id:
                raise WorkshopError(_("%(machine)s is not in this lab.") % {"machine": machine.name}, code="wrong_lab")
            try:
                block_create(
                    machine=machine,
                    start=registration.start,
                    end=registration.end,
                    by=by,
                    note=f"{registration.offer.theme} — {registration.school_name}"[:200],
                    series=registration.blocks_series,
                )
            except SlotTaken as error:
                raise SlotTaken(
                    _("%(machine)s is already booked at that time: pick another time or free it first.")
                    % {"machine": machine.name}
                ) from error
        registration.save()
        notify_registration(registration)
    return registration


def registration_mark_held(*, registration, by):
    _require_staff(by, registration)
    with transaction.atomic():
        registration = _locked(registration)
        _move(registration, RegistrationStatus.HELD, [RegistrationStatus.CONFIRMED])
        if registration.start and registration.start > timezone.now():
            raise WorkshopError(_("The workshop has not taken place yet."), code="not_yet")
        registration.save(update_fields=["status", "updated_at"])
        notify_registration(registration)
    return registration


def registration_cancel(*, registration, reason, by=None, token=None):
    """Cancel before the workshop is held: by staff, or by the teacher through their link."""
    if token is None:
        _require_staff(by, registration)
    elif token != registration.follow_token:
        raise NotAllowedError(_("This link does not match the request."))
    with transaction.atomic():
        registration = _locked(registration)
        _move(registration, RegistrationStatus.CANCELLED, [RegistrationStatus.REQUESTED, RegistrationStatus.CONFIRMED])
        registration.cancellation_reason = (reason or "").strip()[:200]
        registration.save(update_fields=["status", "cancellation_reason", "updated_at"])
        if registration.blocks_series:
            for block in Booking.objects.filter(series=registration.blocks_series, status__in=ACTIVE_STATUSES):
                booking_cancel(booking=block, by=by, full_refund=True, reason=registration.cancellation_reason)
        notify_registration(registration)
    return registration


def registration_invoice(*, registration, by, payment_method=PaymentMethod.TRANSFER, due_days=30):
    """Invoice the school for a held workshop (bank transfer or administrative mandate, with its PO number)."""
    _require_staff(by, registration)
    if payment_method not in (PaymentMethod.TRANSFER, PaymentMethod.ADMINISTRATIVE_MANDATE):
        raise WorkshopError(
            _("Schools pay by bank transfer or administrative mandate."), code="bad_method", field="payment_method"
        )
    with transaction.atomic():
        registration = _locked(registration)
        _move(registration, RegistrationStatus.INVOICED, [RegistrationStatus.HELD])
        offer = registration.offer
        registration.invoice = invoice_issue(
            lab=registration.lab,
            buyer=Buyer(
                name=registration.school_name,
                address=registration.address,
                email=registration.teacher_email,
            ),
            lines=[
                LineInput(
                    description=_("Workshop “%(theme)s”, class of %(pupils)s pupils (%(level)s), %(day)s")
                    % {
                        "theme": offer.theme,
                        "pupils": registration.pupils,
                        "level": registration.get_class_level_display(),
                        "day": registration.start.astimezone(registration.lab.tz).date().isoformat(),
                    },
                    quantity=1,
                    unit_price_cents=offer.price_per_class_cents,
                    vat_rate_bp=offer.vat_rate_bp,
                )
            ],
            payment_method=payment_method,
            language=registration.language,
            due_days=due_days,
            purchase_order=registration.purchase_order,
            by=by,
        )
        registration.save(update_fields=["status", "invoice", "updated_at"])
        notify_registration(registration)
    return registration


def registration_send_quote(*, registration, by):
    """Staff send the teacher a quote (the PDF is downloaded from the private link in the email).

    The first quote of a request takes a number (`<invoice prefix>-DEV-<YYYY>-<NNNNN>`,
    per lab and year) and a date, from which it is valid for three months;
    sending it again resends the same quote, dated afresh only once it has
    expired. Nothing else is stored: the PDF is rendered on demand from the
    request and its offer (`training/quotes.py`). A quote is not a legal
    document, unlike an invoice: it is neither chained nor kept byte for byte.
    """
    _require_staff(by, registration)
    with transaction.atomic():
        registration = _locked(registration)
        if registration.status not in (RegistrationStatus.REQUESTED, RegistrationStatus.CONFIRMED):
            raise ConflictError(
                _("This request is %(status)s: it cannot change that way.")
                % {"status": registration.get_status_display()},
                code="wrong_status",
            )
        now = timezone.now()
        if not registration.quote_number:
            year = timezone.localtime(now, registration.lab.tz).year
            registration.quote_number = quote_number_take(lab=registration.lab, year=year)
            registration.quoted_at = now
        elif quote_expired(registration, now):
            registration.quoted_at = now
        registration.save(update_fields=["quote_number", "quoted_at", "updated_at"])
        notify_quote(registration)
    return registration
