"""Background work of bookings, run by `manage.py run_periodic_jobs` (or a task worker)."""

from django.tasks import task

from bookings.services import bookings_release_no_shows
from bookings.waitlist import waitlist_expire_offers


def release_no_shows():
    return f"{len(bookings_release_no_shows())} booking(s) released"


def expire_waitlist_offers():
    return f"{waitlist_expire_offers()} offer(s) expired"


@task()
def release_no_shows_task():
    return release_no_shows()


@task()
def expire_waitlist_offers_task():
    return expire_waitlist_offers()
