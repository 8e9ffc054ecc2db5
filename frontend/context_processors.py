from django.utils.functional import SimpleLazyObject

from fablab.labs.permissions import is_staff_anywhere


def site(request):
    user = getattr(request, "user", None)
    return {
        "site_name": "Fab Lab",
        "is_lab_staff": SimpleLazyObject(lambda: bool(user and is_staff_anywhere(user))),
    }
