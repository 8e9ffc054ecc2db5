"""How bookings answer the layers below them."""

from django.dispatch import receiver

from bookings.services import bookings_cancel_for_withdrawn_machine
from machines.services import machine_withdrawn


@receiver(machine_withdrawn, dispatch_uid="bookings_cancel_for_withdrawn_machine")
def cancel_bookings_of_withdrawn_machine(sender, machine, start, end, reason, by, **kwargs):
    bookings_cancel_for_withdrawn_machine(machine=machine, start=start, end=end, reason=reason, by=by)
