"""The one answer to "may this user do X in this lab?".

Every view, endpoint and admin screen asks `user_can` (or `labs_where`) rather
than looking at memberships itself, so that a role means the same everywhere.
Roles are per lab: staff of one lab has no staff power in another.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from fablab.labs.models import Membership, Role


class Action(StrEnum):
    BOOK = "book"  # book machines, join waiting lists, enroll, log contributions
    TEACH = "teach"  # rosters, attendance, granting qualifications through a session
    VIEW_MEMBERS = "view_members"  # see members' bookings, balances and data in the lab
    MANAGE_BOOKINGS = "manage_bookings"  # book on behalf, block time, check-in, no-show
    MANAGE_CREDITS = "manage_credits"  # approve contributions, grants, adjustments
    MANAGE_LAB = "manage_lab"  # hours, closures, machines, rules, prices
    MANAGE_BILLING = "manage_billing"  # payments, invoices, credit notes, exports
    MANAGE_TRAININGS = "manage_trainings"  # courses, sessions, school workshops
    MODERATE = "moderate"  # hide and restore projects and comments


# Any signed-in person may use any lab of the network: Fab Labs are open.
EVERYONE_ACTIONS = frozenset({Action.BOOK})

ROLE_ACTIONS = {
    Role.MEMBER: frozenset({Action.BOOK}),
    Role.TRAINER: frozenset({Action.BOOK, Action.TEACH}),
    Role.STAFF: frozenset(Action),
}


def lab_roles(user):
    """{lab_id: frozenset of roles} for this user, fetched once per user object."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_lab_roles_cache", None)
    if cached is None:
        roles = {}
        for lab_id, role in Membership.objects.filter(user=user).values_list("lab_id", "role"):
            roles.setdefault(lab_id, set()).add(role)
        cached = {lab_id: frozenset(values) for lab_id, values in roles.items()}
        user._lab_roles_cache = cached
    return cached


def forget_lab_roles(user):
    """Drop the cached roles after a membership change on this user object."""
    user.__dict__.pop("_lab_roles_cache", None)


def user_can(user, action, lab):
    """True when `user` may perform `action` in `lab` (a Lab or its id)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if action in EVERYONE_ACTIONS:
        return True
    lab_id = getattr(lab, "pk", lab)
    return any(action in ROLE_ACTIONS[role] for role in lab_roles(user).get(lab_id, ()))


def require(user, action, lab):
    """Raise PermissionDenied (403) unless `user_can(user, action, lab)`."""
    if not user_can(user, action, lab):
        raise PermissionDenied


def labs_where(user, action, labs):
    """Filter the `labs` queryset down to those where `user` may perform `action`."""
    if not user.is_authenticated or not user.is_active:
        return labs.none()
    if user.is_superuser or action in EVERYONE_ACTIONS:
        return labs
    lab_ids = [
        lab_id for lab_id, roles in lab_roles(user).items() if any(action in ROLE_ACTIONS[role] for role in roles)
    ]
    return labs.filter(pk__in=lab_ids)


def is_staff_anywhere(user):
    """Whether the user holds the staff role in at least one lab (or is a superuser)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(Role.STAFF in roles for roles in lab_roles(user).values())
