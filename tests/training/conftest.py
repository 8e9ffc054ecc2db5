import datetime as dt

import factory
import pytest

from tests.bookings.conftest import frozen_now, lab, machine, member, utc  # noqa: F401 (shared fixtures)
from tests.factories import LabFactory, UserFactory
from training.models import Course, Session


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Laser basics {n}")
    slug = factory.Sequence(lambda n: f"laser-basics-{n}")
    price_cents = 4000
    member_price_cents = 2000
    capacity = 3
    min_headcount = 1


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    lab = factory.SubFactory(LabFactory)
    start = factory.LazyFunction(lambda: utc(2026, 3, 26, 13))
    end = factory.LazyAttribute(lambda session: session.start + dt.timedelta(hours=2))
    capacity = factory.LazyAttribute(lambda session: session.course.capacity)


@pytest.fixture
def course(db, machine):  # noqa: F811 (pytest fixtures from tests/bookings/conftest.py)
    course = CourseFactory(qualification_valid_days=365)
    course.qualifies_for.add(machine)
    return course


@pytest.fixture
def session(frozen_now, course, lab):  # noqa: F811 (pytest fixtures)
    return SessionFactory(course=course, lab=lab)


@pytest.fixture
def people(db):
    return [UserFactory() for _ in range(5)]
