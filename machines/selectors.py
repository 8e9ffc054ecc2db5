from fablab.labs.models import Lab
from machines.models import Category, Machine


def machines_for_public():
    return (
        Machine.objects.filter(is_public=True, lab__is_active=True)
        .select_related("lab", "category")
        .order_by("lab__name", "name")
    )


def machine_for_public(pk):
    """One catalogue machine with its lab and category, or `Machine.DoesNotExist`."""
    return machines_for_public().get(pk=pk)


def machine_catalogue(*, lab=None, category=None, status=None):
    """Catalogue machines, optionally narrowed to one lab, category and status; one query."""
    machines = machines_for_public()
    if lab is not None:
        machines = machines.filter(lab=lab)
    if category is not None:
        machines = machines.filter(category=category)
    if status:
        machines = machines.filter(status=status)
    return machines


def catalogue_labs():
    """Active labs that show at least one machine, for the catalogue's lab filter."""
    return Lab.objects.filter(is_active=True, machines__is_public=True).distinct().order_by("name")


def catalogue_categories():
    """Categories that hold at least one catalogue machine, for the category filter."""
    return Category.objects.filter(machines__is_public=True, machines__lab__is_active=True).distinct().order_by("name")
