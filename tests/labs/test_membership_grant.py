import pytest

from fablab.credits.models import EntryKind, LedgerEntry
from fablab.credits.selectors import balance_minutes
from fablab.labs.models import Role
from fablab.labs.permissions import Action, user_can
from fablab.labs.services import membership_grant, membership_revoke
from tests.factories import LabFactory, UserFactory

pytestmark = pytest.mark.django_db


class TestMembershipGrant:
    def test_a_new_member_gets_the_labs_welcome_credit_once(self):
        lab, user = LabFactory(welcome_credit_minutes=120), UserFactory()
        membership_grant(user=user, lab=lab)
        membership_grant(user=user, lab=lab)
        assert balance_minutes(user=user, lab=lab) == 120
        assert LedgerEntry.objects.get().kind == EntryKind.GRANT

    def test_no_welcome_credit_when_the_lab_gives_none_or_for_other_roles(self):
        stingy, lab, user = LabFactory(welcome_credit_minutes=0), LabFactory(), UserFactory()
        membership_grant(user=user, lab=stingy)
        membership_grant(user=user, lab=lab, role=Role.STAFF)
        assert LedgerEntry.objects.count() == 0

    def test_roles_take_effect_at_once_on_the_same_user_object(self):
        lab, user = LabFactory(), UserFactory()
        assert user_can(user, Action.MANAGE_LAB, lab) is False
        membership_grant(user=user, lab=lab, role=Role.STAFF)
        assert user_can(user, Action.MANAGE_LAB, lab) is True
        membership_revoke(user=user, lab=lab, role=Role.STAFF)
        assert user_can(user, Action.MANAGE_LAB, lab) is False
