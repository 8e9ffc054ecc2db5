"""One page of every type, for every audience, on the demo data (`seed_demo`).

The accessibility, HTML-validity and CSRF tests walk these lists, so a page type
added to the site belongs here.
"""

import datetime as dt
import html
import re

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

MEMBER_EMAIL = "member@fablab.test"
STAFF_EMAIL = "staff@fablab.test"
TRAINER_EMAIL = "trainer@fablab.test"


def seed():
    call_command("seed_demo", quiet_logins=True)


def public_pages():
    from machines.models import Machine
    from projects.models import Project, ProjectStatus
    from training.models import SchoolRegistration, Session, WorkshopOffer

    machine = Machine.objects.filter(lab__slug="rennes").order_by("pk").first()
    project = Project.objects.filter(status=ProjectStatus.PUBLISHED).order_by("pk").first()
    return [
        reverse("frontend:home"),
        reverse("frontend:lab", args=["rennes"]),
        reverse("frontend:legal"),
        reverse("frontend:accessibility"),
        reverse("machines:list"),
        reverse("machines:detail", args=[machine.pk]),
        reverse("machines:detail", args=[machine.pk]) + f"?week={next_monday().isoformat()}",
        reverse("training:list"),
        reverse("training:session", args=[Session.objects.order_by("pk").first().pk]),
        reverse("workshops:list"),
        reverse("workshops:register", args=[WorkshopOffer.objects.order_by("pk").first().slug]),
        reverse("workshops:follow", args=[SchoolRegistration.objects.order_by("pk").first().follow_token]),
        reverse("projects:list"),
        reverse("projects:list") + "?q=laser",
        reverse("projects:detail", args=[project.slug]),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        "/no-such-page/",
    ]


def member_pages():
    from bookings.models import Booking, BookingStatus
    from fablab.accounts.models import User
    from fablab.billing.models import Order
    from machines.models import Machine
    from projects.models import Project

    member = User.objects.get(email=MEMBER_EMAIL)
    machine = Machine.objects.filter(lab__slug="rennes", qualifications__user=member).order_by("pk").first()
    pages = [
        reverse("bookings:list"),
        first_free_slot_url(machine, member),
        reverse("credits:mine"),
        reverse("training:mine"),
        reverse("billing:credit_packs"),
        reverse("billing:orders"),
        reverse("accounts:profile"),
        reverse("accounts:privacy"),
        reverse("accounts:delete"),
        reverse("notifications:preferences"),
        reverse("projects:new"),
    ]
    booking = Booking.objects.filter(member=member, status=BookingStatus.CONFIRMED).order_by("pk").first()
    if booking is not None:
        pages.append(reverse("bookings:cancel", args=[booking.pk]))
    order = Order.objects.filter(buyer=member).order_by("pk").first() if _has_field(Order, "buyer") else None
    if order is not None:
        pages.append(reverse("billing:order_detail", args=[order.pk]))
    project = Project.objects.filter(owner=member).order_by("pk").first()
    if project is not None:
        pages.append(reverse("projects:edit", args=[project.slug]))
    return pages


def staff_pages():
    from fablab.accounts.models import User
    from training.models import SchoolRegistration, Session

    member = User.objects.get(email=MEMBER_EMAIL)
    session = Session.objects.filter(lab__slug="rennes").order_by("pk").first()
    return [
        reverse("bookings:staff_day"),
        reverse("credits:staff"),
        reverse("credits:staff_member", args=[member.pk]),
        reverse("training:roster", args=[session.pk]),
        reverse("training:sign_in_sheet", args=[session.pk]),
        reverse("training:qualifications"),
        reverse("workshops:staff"),
        reverse("workshops:staff_detail", args=[SchoolRegistration.objects.order_by("pk").first().pk]),
        reverse("workshops:report"),
        reverse("billing:staff"),
        reverse("billing:periods"),
        reverse("frontend:staff_dashboard"),
        reverse("frontend:staff_exports"),
        reverse("projects:moderation"),
    ]


def trainer_pages():
    return [reverse("training:teach")]


def next_monday():
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def first_free_slot_url(machine, member):
    """The booking page of the first bookable slot next week, as the week calendar links it."""
    client = Client()
    client.force_login(member)
    page = client.get(reverse("machines:detail", args=[machine.pk]), {"week": next_monday().isoformat()})
    match = re.search(r'cell-bookable[^>]*>\s*<a href="([^"]+)"', page.content.decode())
    assert match, "no bookable slot next week on the demo machine"
    return html.unescape(match.group(1))


def _has_field(model, name):
    return any(field.name == name for field in model._meta.get_fields())
