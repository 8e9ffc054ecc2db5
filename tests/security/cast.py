"""Everything the permission matrix visits: objects of member A in lab A, made by the real services."""

import datetime as dt

from django.utils import timezone
from rest_framework.authtoken.models import Token

from bookings.services import booking_create
from bookings.waitlist import waitlist_join
from fablab.billing.orders import order_create, payment_record_offline
from fablab.billing.periods import period_close
from fablab.credits.models import LedgerEntry
from fablab.credits.services import contribution_log
from machines.services import qualification_grant
from projects import attachments, moderation
from projects.models import Material
from tests.billing.order_helpers import CreditPackFactory
from tests.conftest import World
from tests.factories import MachineFactory, UserFactory, give_credits
from tests.projects.factories import DraftFactory, ProjectFactory
from tests.projects.uploads import DXF, png_bytes, upload
from tests.training.conftest import CourseFactory, SessionFactory
from training.models import WorkshopOffer
from training.services import enrollment_create
from training.workshops import registration_submit

UTC = dt.UTC
# Monday 23 March 2026, 09:00 in Paris: the cast is built and visited at this instant.
NOW = dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC)

ROLES = (
    "anonymous",
    "member",
    "other_member",
    "trainer",
    "other_staff",
    "staff",
    "superuser",
    "teacher",
)


class Cast(World):
    """`World` plus one of everything that belongs to `member` in `lab`, and one of `other_member`'s."""

    def __init__(self):
        super().__init__()
        self.collaborator = UserFactory(email="collab@example.org")
        self.machine = MachineFactory(lab=self.lab, name="Laser", slug="laser")
        for user in (self.member, self.other_member):
            give_credits(user, self.lab, 600)
        self.booking = booking_create(
            member=self.member, machine=self.machine, start=_paris(24, 10), end=_paris(24, 11)
        )
        self.other_booking = booking_create(
            member=self.other_member, machine=self.machine, start=_paris(24, 11), end=_paris(24, 12)
        )
        self.waitlist_entry = waitlist_join(
            member=self.member, machine=self.machine, start=_paris(24, 11), end=_paris(24, 12)
        )
        self.contribution = contribution_log(
            member=self.member, lab=self.lab, day=NOW.date(), minutes=60, description="Tidied the wood shop"
        )
        self.ledger_entry = LedgerEntry.objects.filter(account__user=self.member).latest("pk")
        self.other_ledger_entry = LedgerEntry.objects.filter(account__user=self.other_member).latest("pk")

        self.pack = pack = CreditPackFactory(lab=self.lab)
        self.order = order_create(buyer=self.member, lab=self.lab, items=[(pack, 1)])
        self.paid_order = order_create(buyer=self.member, lab=self.lab, items=[(pack, 1)])
        payment_record_offline(
            order=self.paid_order, method="cash", amount_cents=self.paid_order.total_incl_tax_cents, by=self.staff
        )
        self.paid_order.refresh_from_db()
        self.invoice = self.paid_order.invoice
        # February is over on the 23rd of March: its archive is lab A's one closed period.
        self.period = period_close(lab=self.lab, kind="month", year=2026, month=2, by=self.staff)

        self.project = ProjectFactory(owner=self.member, lab=self.lab, slug="lamp", steps=["Cut", "Glue"])
        self.project.collaborators.add(self.collaborator)
        self.step = self.project.steps.first()
        self.material = Material.objects.create(project=self.project, position=1, item="Plywood", quantity=1)
        self.draft = DraftFactory(owner=self.member, lab=self.lab, slug="secret-draft")
        self.project_file = attachments.project_file_add(
            project=self.project, by=self.member, upload=upload("plan.dxf", DXF)
        )
        self.step_image = attachments.step_image_add(
            step=self.step, by=self.member, upload=upload("photo.png", png_bytes(), "image/png"), alt="The lamp"
        )
        self.comment = moderation.comment_add(project=self.project, by=self.other_member, body="Lovely lamp.")
        self.report = moderation.report_create(by=self.other_member, project=self.project, reason="Looks like spam.")

        self.course = CourseFactory(qualification_valid_days=365, slug="laser-basics")
        self.course.qualifies_for.add(self.machine)
        self.session = SessionFactory(course=self.course, lab=self.lab, trainer=self.trainer)
        self.enrollment = enrollment_create(session=self.session, member=self.member)
        self.qualification = qualification_grant(user=self.member, machine=self.machine, by=self.staff)

        self.offer = WorkshopOffer.objects.create(
            theme="Build a robot", slug="robot", school_levels=["primary"], max_pupils=30, price_per_class_cents=25000
        )
        self.offer.labs.add(self.lab)
        self.registration = registration_submit(
            offer=self.offer,
            lab=self.lab,
            school_name="École Jules Verne",
            school_code="0750655E",
            address="1 rue de l'École, 35000 Rennes",
            teacher_name="Anne Enseignante",
            teacher_email="anne@ecole.test",
            teacher_phone="02 99 00 00 01",
            class_level="primary",
            pupils=25,
            preferred_dates=[NOW.date() + dt.timedelta(days=20), NOW.date() + dt.timedelta(days=27)],
            purchase_order="BC-2026-17",
        )
        self.teacher_token = self.registration.follow_token
        self.tokens = {
            role: Token.objects.create(user=getattr(self, role)).key
            for role in ROLES
            if role not in ("anonymous", "teacher")
        }

    def user(self, role):
        return None if role in ("anonymous", "teacher") else getattr(self, role)


def _paris(day, hour):
    """A time on a day of March 2026 in Paris (UTC+1 before the 29th)."""
    return timezone.make_aware(dt.datetime(2026, 3, day, hour), dt.timezone(dt.timedelta(hours=1)))
