import pytest
from django.contrib.auth.models import AnonymousUser

from fablab.labs.models import Lab
from fablab.labs.permissions import Action, is_staff_anywhere, labs_where, user_can

pytestmark = pytest.mark.django_db


class TestUserCan:
    def test_it_lets_staff_manage_their_own_lab(self, world):
        for action in Action:
            assert user_can(world.staff, action, world.lab) is True

    def test_it_gives_staff_of_one_lab_no_staff_power_in_another(self, world):
        staff_only = set(Action) - {Action.BOOK}
        for action in staff_only:
            assert user_can(world.other_staff, action, world.lab) is False
            assert user_can(world.staff, action, world.other_lab) is False

    def test_it_lets_trainers_teach_only_where_they_are_trainers(self, world):
        assert user_can(world.trainer, Action.TEACH, world.lab) is True
        assert user_can(world.trainer, Action.TEACH, world.other_lab) is False
        assert user_can(world.trainer, Action.MANAGE_BOOKINGS, world.lab) is False

    def test_it_lets_any_member_book_in_any_lab(self, world):
        assert user_can(world.member, Action.BOOK, world.lab) is True
        assert user_can(world.member, Action.BOOK, world.other_lab) is True
        assert user_can(world.member, Action.VIEW_MEMBERS, world.lab) is False

    def test_it_refuses_everything_to_anonymous_and_inactive_users(self, world):
        world.member.is_active = False
        for user in (AnonymousUser(), world.member):
            for action in Action:
                assert user_can(user, action, world.lab) is False

    def test_it_gives_superusers_every_action_everywhere(self, world):
        assert user_can(world.superuser, Action.MANAGE_BILLING, world.other_lab) is True

    def test_it_accepts_a_lab_id(self, world):
        assert user_can(world.staff, Action.MANAGE_LAB, world.lab.pk) is True

    def test_it_reads_memberships_once_per_user_object(self, world, django_assert_num_queries):
        with django_assert_num_queries(1):
            for action in Action:
                user_can(world.staff, action, world.lab)
                user_can(world.staff, action, world.other_lab)


class TestLabsWhere:
    def test_it_keeps_only_the_labs_where_the_action_is_allowed(self, world):
        labs = Lab.objects.all()
        assert list(labs_where(world.staff, Action.MANAGE_LAB, labs)) == [world.lab]
        assert list(labs_where(world.other_staff, Action.MANAGE_LAB, labs)) == [world.other_lab]
        assert list(labs_where(world.member, Action.MANAGE_LAB, labs)) == []
        assert set(labs_where(world.superuser, Action.MANAGE_LAB, labs)) == {world.lab, world.other_lab}
        assert list(labs_where(AnonymousUser(), Action.BOOK, labs)) == []

    def test_it_tells_who_is_staff_somewhere(self, world):
        assert is_staff_anywhere(world.staff) is True
        assert is_staff_anywhere(world.trainer) is False
        assert is_staff_anywhere(AnonymousUser()) is False
