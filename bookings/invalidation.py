"""Bump the cached public feeds (fablab/core/cache.py) when what they show changes.

Receivers of the models' own signals, so that every write counts: the services,
the admin and the demo data alike. A machine's busy-time feed reads its
bookings, blocks and maintenance windows and the machine and lab names; the
lab's public feed reads its closures and the lab (training sessions bump it from
training/invalidation.py). The public pages (`cached_for_visitors`) read the
same, plus the opening hours; the home page lists every lab.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from bookings.models import Booking
from fablab.core.cache import LABS_SCOPE, bump, lab_scope, machine_scope
from fablab.labs.models import Closure, Lab, OpeningHours
from machines.models import Machine, MaintenanceWindow


@receiver([post_save, post_delete], sender=Booking, dispatch_uid="cache_booking_changed")
@receiver([post_save, post_delete], sender=MaintenanceWindow, dispatch_uid="cache_maintenance_changed")
def machine_time_changed(sender, instance, **kwargs):
    bump(machine_scope(instance.machine_id))


@receiver([post_save, post_delete], sender=Machine, dispatch_uid="cache_machine_changed")
def machine_changed(sender, instance, **kwargs):
    bump(machine_scope(instance.pk))


@receiver([post_save, post_delete], sender=Closure, dispatch_uid="cache_closure_changed")
@receiver([post_save, post_delete], sender=OpeningHours, dispatch_uid="cache_opening_hours_changed")
def lab_time_changed(sender, instance, **kwargs):
    # A machine's free time is its lab's opening hours less its closures.
    _bump_lab_and_machines(instance.lab)


@receiver([post_save, post_delete], sender=Lab, dispatch_uid="cache_lab_changed")
def lab_changed(sender, instance, **kwargs):
    # Its name and address are in every feed of the lab; closing it must 404 them all.
    _bump_lab_and_machines(instance)


def _bump_lab_and_machines(lab):
    machine_ids = Machine.objects.filter(lab_id=lab.pk).values_list("pk", flat=True)
    bump(lab_scope(lab.slug), LABS_SCOPE, *(machine_scope(pk) for pk in machine_ids))
