"""Writes on labs: who holds which role where."""

from django.db import transaction

from fablab.labs.models import Membership, Role
from fablab.labs.permissions import forget_lab_roles


def membership_grant(*, user, lab, role=Role.MEMBER):
    """Give `user` the `role` in `lab` (idempotent). Returns the membership."""
    with transaction.atomic():
        membership, _created = Membership.objects.get_or_create(user=user, lab=lab, role=role)
    forget_lab_roles(user)
    return membership


def membership_revoke(*, user, lab, role):
    with transaction.atomic():
        Membership.objects.filter(user=user, lab=lab, role=role).delete()
    forget_lab_roles(user)
