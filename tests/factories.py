import datetime as dt

import factory
from allauth.account.models import EmailAddress

from fablab.accounts.models import User
from fablab.labs.models import Closure, Lab, Membership, OpeningHours, Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    preferred_language = "en"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """Users can log in: their email is verified unless `verified=False`."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class LabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lab
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Lab {n}")
    slug = factory.Sequence(lambda n: f"lab-{n}")
    city = "Rennes"
    time_zone = "Europe/Paris"
    invoice_prefix = factory.Sequence(lambda n: f"L{n}")
    legal_name = factory.LazyAttribute(lambda lab: f"Association {lab.name}")

    @factory.post_generation
    def hours(lab, create, extracted, **kwargs):
        """Open Monday to Saturday 09:00–18:00 unless `hours=[...]` says otherwise."""
        if not create:
            return
        weekly = extracted if extracted is not None else [(day, "09:00", "18:00") for day in range(6)]
        OpeningHours.objects.bulk_create(
            OpeningHours(lab=lab, weekday=day, opens=opens, closes=closes) for day, opens, closes in weekly
        )


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    lab = factory.SubFactory(LabFactory)
    first_day = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=10))
    last_day = factory.LazyAttribute(lambda closure: closure.first_day)
    reason = "Holiday"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    lab = factory.SubFactory(LabFactory)
    role = Role.MEMBER


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "machines.Category"
        django_get_or_create = ["slug"]

    name = "Laser cutter"
    slug = "laser-cutter"


class MachineFactory(factory.django.DjangoModelFactory):
    """A machine bookable from 09:00 to 18:00 on 30-minute slots, 60 credit minutes an hour."""

    class Meta:
        model = "machines.Machine"

    lab = factory.SubFactory(LabFactory)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Machine {n}")
    slug = factory.Sequence(lambda n: f"machine-{n}")
    credits_per_hour = 60
    slot_minutes = 30
    min_minutes = 30
    max_minutes = 240
    buffer_minutes = 0
    horizon_days = 28
    min_notice_minutes = 60


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "machines.Qualification"

    user = factory.SubFactory(UserFactory)
    machine = factory.SubFactory(MachineFactory)


class MaintenanceWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "machines.MaintenanceWindow"

    machine = factory.SubFactory(MachineFactory)
    reason = "Lens cleaning"


def give_credits(user, lab, minutes):
    """Put `minutes` on the member's account through the real ledger."""
    from fablab.credits.models import EntryKind
    from fablab.credits.services import ledger_write

    return ledger_write(user=user, lab=lab, minutes=minutes, kind=EntryKind.GRANT, memo="test credit")
