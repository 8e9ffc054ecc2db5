from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        from bookings import invalidation, receivers  # noqa: F401 (connects the signal receivers)
        from bookings.tasks import expire_waitlist_offers, release_no_shows, send_booking_reminders
        from fablab.core.periodic import register_job

        register_job("bookings.release_no_shows", release_no_shows)
        register_job("bookings.expire_waitlist_offers", expire_waitlist_offers)
        register_job("bookings.send_reminders", send_booking_reminders)
