"""The demo trainings (seed_demo): idempotent, planned clear of the demo bookings, shown in the catalogue."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings import demo as bookings_demo
from bookings.models import Booking, BookingKind
from bookings.services import booking_create
from fablab.labs import demo as labs_demo
from machines import demo as machines_demo
from training.demo import seed_trainings
from training.models import Course, Enrollment, Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(frozen_now):
    labs = labs_demo.seed_labs()
    users = labs_demo.seed_accounts(labs)
    machines = machines_demo.seed_machines(labs, users)
    bookings_demo.seed_bookings(labs, users, machines)
    return labs, users, machines


def counts():
    return (
        Course.objects.count(),
        Session.objects.count(),
        Enrollment.objects.count(),
        Booking.objects.filter(kind=BookingKind.BLOCK).count(),
    )


class TestDemoTrainings:
    def test_it_is_idempotent(self, seeded):
        sessions = seed_trainings(*seeded)
        assert counts() == (4, 4, 1, 5)  # the laser session blocks the laser and the training room
        assert seed_trainings(*seeded) == sessions
        assert counts() == (4, 4, 1, 5)

    def test_it_plans_each_session_at_its_lab_with_its_machines_blocked(self, seeded):
        labs, users, machines = seeded
        sessions = seed_trainings(*seeded)
        laser = sessions["laser-cutter-safety"]
        assert (laser.lab, laser.trainer) == (labs["rennes"], users["trainer@fablab.test"])
        assert laser.start.astimezone(labs["rennes"].tz).time() == dt.time(10)
        assert list(laser.course.qualifies_for.all()) == [machines["trotec-speedy-400"]]
        blocked = set(Booking.objects.filter(series=laser.blocks_series).values_list("machine", flat=True))
        assert blocked == {machines["trotec-speedy-400"].pk, machines["training-room"].pk}
        embroidery = sessions["embroidery-machine-basics"]
        assert embroidery.lab == labs["maurepas"]
        assert list(embroidery.course.qualifies_for.all()) == [machines["brother-pr680w"]]
        local = embroidery.start.astimezone(labs["maurepas"].tz)
        assert (local.weekday(), local.time()) in {(1, dt.time(16)), (3, dt.time(16))}  # Maurepas opens Tue and Thu
        assert not sessions["3d-printing-model-to-print"].course.qualifies_for.exists()
        enrollment = Enrollment.objects.get()
        assert (enrollment.member, enrollment.session, enrollment.status) == (
            users["newcomer@fablab.test"],
            laser,
            "confirmed",
        )

    def test_a_taken_machine_moves_the_session_to_the_next_free_day(self, seeded):
        labs, users, machines = seeded
        tomorrow_ten = dt.datetime(2026, 3, 24, 10, tzinfo=labs["rennes"].tz)
        booking_create(
            member=users["member@fablab.test"],
            machine=machines["trotec-speedy-400"],
            start=tomorrow_ten,
            end=tomorrow_ten + dt.timedelta(hours=1),
        )
        laser = seed_trainings(*seeded)["laser-cutter-safety"]
        assert laser.start == tomorrow_ten + dt.timedelta(days=1)

    def test_the_catalogue_shows_the_demo_courses(self, seeded, client):
        seed_trainings(*seeded)
        content = client.get(reverse("training:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        for title in (
            "Laser cutter: safety and first cut",
            "3D printing: from model to print",
            "Embroidery machine basics",
            "Arduino for beginners",
        ):
            assert title in content
        assert "€40.00" in content and "members of the lab: €20.00" in content
