"""Writes on accounts: profile language, erasure (GDPR right to be forgotten)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from fablab.accounts.models import Language, User, new_calendar_token
from fablab.accounts.privacy import account_erasing
from fablab.core.errors import DomainError
from fablab.labs.models import Membership


class AccountError(DomainError):
    pass


PROFILE_FIELDS = ("full_name", "phone", "preferred_language")


def profile_update(*, user, **changes):
    """Change the member's own profile fields (name, phone, language)."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise AccountError(_("These fields cannot be changed here."), code="invalid_field")
    if changes.get("preferred_language", user.preferred_language) not in Language.values:
        raise AccountError(_("This language is not offered."), code="invalid_language", field="preferred_language")
    for field, value in changes.items():
        setattr(user, field, value)
    user.save(update_fields=list(changes))
    return user


def user_set_language(*, user, language):
    if user.preferred_language != language:
        profile_update(user=user, preferred_language=language)


def calendar_token_reset(*, user):
    """Revoke the personal calendar feed URL by issuing a new secret."""
    user.calendar_token = new_calendar_token()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


def account_erase(*, user):
    """Erase a member's personal data and close the account, in one transaction.

    The row stays (ledger entries and issued invoices point at it and must be
    kept), but nothing left in it identifies the person; invoices carry their own
    frozen copy of the buyer's name and address, which the law requires to keep.
    """
    if user.is_superuser:
        raise AccountError(
            _("A superuser account cannot be erased. Ask another administrator to remove your rights first."),
            code="superuser_erase",
        )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.erased_at:
            raise AccountError(_("This account is already erased."), code="already_erased")
        account_erasing.send(sender=User, user=user)
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        Token.objects.filter(user=user).delete()
        Membership.objects.filter(user=user).delete()
        user.email = f"erased-{user.pk}@erased.invalid"
        user.full_name = ""
        user.phone = ""
        user.is_active = False
        user.is_staff = False
        user.calendar_token = new_calendar_token()
        user.erased_at = timezone.now()
        user.set_unusable_password()
        user.save()
    return user
