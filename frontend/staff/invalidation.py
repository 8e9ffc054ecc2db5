"""Bump the staff dashboard's cached figures when a row they count changes.

What they count: bookings, ledger entries, orders, invoices, contributions,
sessions and enrollments, school workshops, machines and their maintenance;
what they divide by: opening hours and closures.

Receivers of the models' own signals, so that every write counts (services,
admin, demo data). One scope for every lab: the charts of a lab are rebuilt a
little more often than they need to be, and no write pays a query to find its lab.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from bookings.models import Booking
from fablab.billing.models import Invoice, Order, OrderLine
from fablab.core.cache import STAFF_FIGURES_SCOPE, bump
from fablab.credits.models import Contribution, LedgerEntry
from fablab.labs.models import Closure, Lab, OpeningHours
from machines.models import Machine, MaintenanceWindow
from training.models import Enrollment, SchoolRegistration, Session


@receiver([post_save, post_delete], sender=Booking, dispatch_uid="cache_staff_figures_booking")
@receiver([post_save, post_delete], sender=LedgerEntry, dispatch_uid="cache_staff_figures_ledgerentry")
@receiver([post_save, post_delete], sender=Order, dispatch_uid="cache_staff_figures_order")
@receiver([post_save, post_delete], sender=OrderLine, dispatch_uid="cache_staff_figures_orderline")
@receiver([post_save, post_delete], sender=Session, dispatch_uid="cache_staff_figures_session")
@receiver([post_save, post_delete], sender=Enrollment, dispatch_uid="cache_staff_figures_enrollment")
@receiver([post_save, post_delete], sender=SchoolRegistration, dispatch_uid="cache_staff_figures_schoolregistration")
@receiver([post_save, post_delete], sender=Machine, dispatch_uid="cache_staff_figures_machine")
@receiver([post_save, post_delete], sender=Lab, dispatch_uid="cache_staff_figures_lab")
@receiver([post_save, post_delete], sender=OpeningHours, dispatch_uid="cache_staff_figures_openinghours")
@receiver([post_save, post_delete], sender=Closure, dispatch_uid="cache_staff_figures_closure")
@receiver([post_save, post_delete], sender=Invoice, dispatch_uid="cache_staff_figures_invoice")
@receiver([post_save, post_delete], sender=Contribution, dispatch_uid="cache_staff_figures_contribution")
@receiver([post_save, post_delete], sender=MaintenanceWindow, dispatch_uid="cache_staff_figures_maintenance")
def figures_changed(sender, **kwargs):
    bump(STAFF_FIGURES_SCOPE)
