"""Rows for the staff dashboard and exports, written straight to the tables.

The dashboard reads what the services wrote; these helpers put known rows in
place (dated in March 2026, Paris time) so that each figure can be checked
against a number worked out by hand.
"""

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Booking, BookingKind, BookingStatus
from fablab.billing.models import Order, OrderLine, OrderStatus, ProductKind
from training.models import RegistrationStatus, SchoolRegistration, WorkshopOffer

PARIS = ZoneInfo("Europe/Paris")
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


def paris(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def booking(machine, member, start, minutes, *, status=BookingStatus.CONFIRMED, kind=BookingKind.MEMBER):
    end = start + dt.timedelta(minutes=minutes)
    return Booking.objects.create(
        machine=machine, member=member, kind=kind, start=start, end=end, blocked_until=end, status=status
    )


def paid_line(lab, buyer, paid_at, kind, cents_excl_tax, *, refunded_excl_tax=0):
    tax = cents_excl_tax // 5
    order = Order.objects.create(
        lab=lab,
        buyer=buyer,
        status=OrderStatus.PAID,
        paid_at=paid_at,
        total_excl_tax_cents=cents_excl_tax,
        total_tax_cents=tax,
        total_incl_tax_cents=cents_excl_tax + tax,
    )
    return OrderLine.objects.create(
        order=order,
        position=1,
        kind=kind,
        description=f"{ProductKind(kind).label}",
        quantity=1,
        unit_price_cents=cents_excl_tax + tax,
        unit_price_excl_tax_cents=cents_excl_tax,
        vat_rate_bp=2000,
        total_excl_tax_cents=cents_excl_tax,
        total_tax_cents=tax,
        total_incl_tax_cents=cents_excl_tax + tax,
        refunded_excl_tax_cents=refunded_excl_tax,
        refunded_cents=refunded_excl_tax + refunded_excl_tax // 5,
    )


@pytest.fixture
def offer(world):
    offer = WorkshopOffer.objects.create(theme="Build a robot", slug="robot", school_levels=["primary"])
    offer.labs.add(world.lab, world.other_lab)
    return offer


def school_workshop(offer, lab, *, pupils, status, start=None, school="École Jules Verne"):
    return SchoolRegistration.objects.create(
        offer=offer,
        lab=lab,
        school_name=school,
        school_code="0750655E",
        address="1 rue de l'École, 35000 Rennes",
        teacher_name="Anne Enseignante",
        teacher_email="anne@ecole.test",
        teacher_phone="02 99 00 00 01",
        class_level="primary",
        pupils=pupils,
        status=status,
        start=start,
        end=start + dt.timedelta(hours=2) if start else None,
        follow_token=secrets.token_urlsafe(16),
    )


HELD = RegistrationStatus.HELD
