import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Booking, BookingStatus
from tests.bookings.conftest import utc

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers instead")
class TestNoOverlapConstraint:
    def test_postgresql_refuses_overlapping_active_rows_written_behind_the_services_back(self, machine, member):
        Booking.objects.create(
            machine=machine,
            member=member,
            start=utc(2026, 3, 24, 9),
            end=utc(2026, 3, 24, 10),
            blocked_until=utc(2026, 3, 24, 10, 30),
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.create(
                machine=machine,
                member=member,
                start=utc(2026, 3, 24, 10),
                end=utc(2026, 3, 24, 11),
                blocked_until=utc(2026, 3, 24, 11),
            )

    def test_it_lets_cancelled_rows_overlap(self, machine, member):
        Booking.objects.create(
            machine=machine,
            member=member,
            start=utc(2026, 3, 24, 9),
            end=utc(2026, 3, 24, 10),
            blocked_until=utc(2026, 3, 24, 10),
            status=BookingStatus.CANCELLED,
        )
        Booking.objects.create(
            machine=machine,
            member=member,
            start=utc(2026, 3, 24, 9),
            end=utc(2026, 3, 24, 10),
            blocked_until=utc(2026, 3, 24, 10),
        )
        assert Booking.objects.count() == 2
