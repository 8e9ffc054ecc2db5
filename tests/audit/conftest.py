from tests.bookings.conftest import frozen_now, laser  # noqa: F401 (shared fixtures)
