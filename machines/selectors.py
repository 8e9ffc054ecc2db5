from machines.models import Machine


def machines_for_public():
    return (
        Machine.objects.filter(is_public=True, lab__is_active=True)
        .select_related("lab", "category")
        .order_by("lab__name", "name")
    )
