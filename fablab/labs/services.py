"""Writes on labs: who holds which role where."""

from django.db import transaction
from django.utils.translation import gettext

from fablab.credits.models import EntryKind
from fablab.credits.services import ledger_write
from fablab.labs.models import Membership, Role
from fablab.labs.permissions import forget_lab_roles


def membership_grant(*, user, lab, role=Role.MEMBER, by=None):
    """Give `user` the `role` in `lab` (idempotent). A new member gets the lab's welcome credit."""
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, lab=lab, role=role)
        if created and role == Role.MEMBER and lab.welcome_credit_minutes:
            ledger_write(
                user=user,
                lab=lab,
                minutes=lab.welcome_credit_minutes,
                kind=EntryKind.GRANT,
                author=by,
                memo=gettext("Welcome credit"),
            )
    forget_lab_roles(user)
    return membership


def membership_revoke(*, user, lab, role):
    with transaction.atomic():
        Membership.objects.filter(user=user, lab=lab, role=role).delete()
    forget_lab_roles(user)
