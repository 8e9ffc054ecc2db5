"""The data set the query budgets are measured on: roots that pages show, and `grow(n)` to add rows.

Every root object (a member, a machine, a project, a session, an invoice, …) stays the
same; `grow(n)` adds `n` of each thing a page lists or a detail page shows about a root.
Rows are written with the ORM or the cheap services: the budgets measure reads.
"""

import datetime as dt
import secrets
import zoneinfo
from urllib.parse import urlencode

from django.utils import timezone

from bookings.models import Booking, BookingKind, BookingStatus, WaitlistEntry
from fablab.billing.models import CreditPack
from fablab.billing.orders import order_create, payment_record_offline
from fablab.billing.services import Buyer
from fablab.credits.models import Contribution, EntryKind
from fablab.credits.services import ledger_write
from fablab.labs.models import Role
from machines.models import Qualification
from projects.models import Comment, Material, Report, Step
from tests.billing.factories import BillingLabFactory, issue_invoice
from tests.factories import LabFactory, MachineFactory, MembershipFactory, UserFactory
from tests.projects.factories import ProjectFactory, TagFactory
from tests.training.conftest import CourseFactory, SessionFactory
from training.models import Enrollment, EnrollmentStatus, PaymentMode, SchoolRegistration, WorkshopOffer

HOUR = dt.timedelta(hours=1)


class PerfData:
    def __init__(self):
        self.now = timezone.now()
        self.lab = BillingLabFactory(slug="perf-lab", name="Perf Lab", hours=[(d, "00:00", "23:59") for d in range(7)])
        self.other_lab = LabFactory(slug="perf-other", name="Other Lab")
        self.member = UserFactory(email="perf-member@example.org")
        self.staff = UserFactory(email="perf-staff@example.org")
        self.trainer = UserFactory(email="perf-trainer@example.org")
        MembershipFactory(user=self.member, lab=self.lab, role=Role.MEMBER)
        MembershipFactory(user=self.staff, lab=self.lab, role=Role.STAFF)
        MembershipFactory(user=self.trainer, lab=self.lab, role=Role.TRAINER)
        self.machine = MachineFactory(lab=self.lab, name="Perf laser", slug="perf-laser")
        self.course = CourseFactory(capacity=200)
        self.course.qualifies_for.add(self.machine)
        self.session = SessionFactory(
            course=self.course, lab=self.lab, trainer=self.trainer, start=self.now + dt.timedelta(days=3), capacity=200
        )
        self.enrollment = self._enroll(self.session, self.member)
        self.offer = WorkshopOffer.objects.create(theme="Perf robots", slug="perf-robots", school_levels=["middle"])
        self.offer.labs.add(self.lab)
        self.registration = self._register()
        self.tag = TagFactory(name="perf tag", slug="perf-tag")
        self.project = ProjectFactory(lab=self.lab, owner=self.member, slug="perf-project", tags=[self.tag])
        self.pack = CreditPack.objects.create(lab=self.lab, name="Perf pack", minutes=600, price_cents=3000)
        self.order = order_create(buyer=self.member, lab=self.lab, items=[(self.pack, 1)])
        self.invoice = self._invoice()
        self.paid_order = order_create(buyer=self.member, lab=self.lab, items=[(self.pack, 1)])
        payment_record_offline(order=self.paid_order, method="cash", amount_cents=3000, by=self.staff)
        self.contribution = Contribution.objects.create(
            member=self.member, lab=self.lab, day=self.now.date(), minutes=60, description="Tidied up"
        )
        self.entry = ledger_write(user=self.member, lab=self.lab, minutes=6000, kind=EntryKind.GRANT, memo="perf")
        self.booking = self._book(self.member, self.machine, 0)
        self.waitlist_entry = WaitlistEntry.objects.create(
            machine=self.machine, member=self.member, start=self.now + 200 * HOUR, end=self.now + 201 * HOUR
        )
        self.qualification = Qualification.objects.create(user=self.member, machine=self.machine)
        # A free slot tomorrow at 10:00 in the lab's zone, and that week, as the calendar links them.
        tomorrow = timezone.localtime(self.now, zoneinfo.ZoneInfo(self.lab.time_zone)) + dt.timedelta(days=1)
        slot = tomorrow.replace(hour=10, minute=0, second=0, microsecond=0)
        self.slot_query = "?" + urlencode({"start": slot.isoformat(), "end": (slot + HOUR).isoformat()})
        self.week_query = "?" + urlencode({"start": slot.isoformat(), "end": (slot + dt.timedelta(days=7)).isoformat()})
        today = self.now.date()
        self.export_query = "?" + urlencode(
            {"lab": self.lab.slug, "date_from": today - dt.timedelta(days=1), "date_to": today + dt.timedelta(days=1)}
        )
        self.grown = 0

    # --- one of each -------------------------------------------------------------
    def _book(self, member, machine, index, kind=BookingKind.MEMBER):
        # Past and coming bookings, a few today, so that every list has both.
        start = self.now.replace(minute=0, second=0, microsecond=0) + (index - 5) * HOUR * 3
        return Booking.objects.create(
            machine=machine,
            member=member if kind == BookingKind.MEMBER else None,
            kind=kind,
            start=start,
            end=start + HOUR,
            blocked_until=start + HOUR,
            status=BookingStatus.CONFIRMED,
            credits_minutes=60 if kind == BookingKind.MEMBER else 0,
            created_by=member,
            check_in_code=secrets.token_hex(6).upper(),
        )

    def _enroll(self, session, member):
        return Enrollment.objects.create(
            session=session, member=member, status=EnrollmentStatus.CONFIRMED, payment_mode=PaymentMode.ON_SITE
        )

    def _register(self):
        return SchoolRegistration.objects.create(
            offer=self.offer,
            lab=self.lab,
            school_name="Collège Perf",
            school_code="0350001A",
            address="1 rue",
            teacher_name="Teacher",
            teacher_email="teacher@example.org",
            teacher_phone="0600000000",
            class_level="middle",
            pupils=20,
            preferred_dates=[(self.now.date() + dt.timedelta(days=30)).isoformat()],
            follow_token=secrets.token_urlsafe(32),
        )

    def _invoice(self):
        return issue_invoice(
            self.lab,
            buyer=Buyer(name="Perf Member", address="1 rue", email=self.member.email, vat_number="", user=self.member),
        )

    # --- more of everything ------------------------------------------------------
    def grow(self, n):
        """Add `n` rows of each kind, attached to the same roots."""
        for _ in range(n):
            self.grown += 1
            i = self.grown
            user = UserFactory()
            MembershipFactory(user=user, lab=self.lab, role=Role.MEMBER)
            LabFactory(slug=f"perf-satellite-{i}", main_lab=self.lab)
            machine = MachineFactory(lab=self.lab)
            Qualification.objects.create(user=self.member, machine=machine)
            Qualification.objects.create(user=user, machine=self.machine)
            self._book(self.member, self.machine, i * 2)
            self._book(user, machine, i)
            self._book(None, self.machine, i * 2 + 1, kind=BookingKind.BLOCK)
            WaitlistEntry.objects.create(
                machine=machine, member=self.member, start=self.now + 300 * HOUR, end=self.now + 301 * HOUR
            )
            ledger_write(user=self.member, lab=self.lab, minutes=10, kind=EntryKind.GRANT, memo=f"perf {i}")
            Contribution.objects.create(
                member=user, lab=self.lab, day=self.now.date(), minutes=30, description=f"Helped {i}"
            )
            Contribution.objects.create(
                member=self.member, lab=self.lab, day=self.now.date(), minutes=30, description=f"Swept {i}"
            )
            # The root project gets a step, a material, a tag, a machine and a collaborator.
            tag = TagFactory(name=f"perf tag {i}", slug=f"perf-tag-{i}")
            Step.objects.create(project=self.project, position=i + 1, title=f"Step {i}", body="Cut.")
            Material.objects.create(project=self.project, position=i, item=f"Plywood {i}", quantity=1)
            self.project.tags.add(tag)
            self.project.machines.add(machine)
            self.project.collaborators.add(user)
            comment = Comment.objects.create(project=self.project, author=user, body=f"Nice {i}")
            Report.objects.create(reporter=user, project=self.project, comment=comment, reason=f"Spam {i}")
            Report.objects.create(reporter=user, project=self.project, reason=f"Copied {i}")
            ProjectFactory(lab=self.lab, owner=user, tags=[self.tag, tag], machines=[machine], steps=["One", "Two"])
            ProjectFactory(lab=self.lab, owner=self.member, tags=[tag]).collaborators.add(user)
            # Trainings: more seats on the root session, more sessions and courses.
            self._enroll(self.session, user)
            course = CourseFactory()
            course.qualifies_for.add(machine)
            session = SessionFactory(
                course=course, lab=self.lab, trainer=self.trainer, start=self.now + dt.timedelta(days=4 + i)
            )
            session.machines.add(machine)
            self._enroll(session, self.member)
            SessionFactory(course=self.course, lab=self.lab, start=self.now + dt.timedelta(days=5 + i))
            offer = WorkshopOffer.objects.create(theme=f"Offer {i}", slug=f"perf-offer-{i}", school_levels=["middle"])
            offer.labs.add(self.lab)
            self._register()
            # Billing: packs, orders, invoices of the member.
            pack = CreditPack.objects.create(lab=self.lab, name=f"Pack {i}", minutes=60, price_cents=500)
            order_create(buyer=self.member, lab=self.lab, items=[(self.pack, 1), (pack, 2)])
            self._invoice()
