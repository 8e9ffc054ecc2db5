from tests.bookings.conftest import frozen_now, lab, machine, member  # noqa: F401 (shared fixtures)
