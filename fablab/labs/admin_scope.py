"""The back office, scoped by lab: staff of lab A see and edit only lab A's rows.

Lab staff hold their power through `Membership` roles, not through Django's
per-model permissions or `is_staff`: the admin site lets in anyone who is staff
of some lab (`admin_site.py`), and each model admin built on
`LabScopedAdminMixin` asks `labs_where`/`user_can` for its `lab_action`.
Superusers see everything. Models without a lab (users, categories, courses,
tags, Django's own) stay with Django's permissions, that is superusers only.
"""

from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where, user_can


def _resolve(obj, path):
    for name in path.split("__"):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


class LabScopedAdminMixin:
    """`lab_field` is the ORM path from the model to its Lab ("lab", "machine__lab", "pk" for Lab itself)."""

    lab_field = "lab"
    lab_action = Action.MANAGE_LAB

    def managed_labs(self, request):
        return labs_where(request.user, self.lab_action, Lab.objects.all())

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        lookup = "pk__in" if self.lab_field == "pk" else f"{self.lab_field}__in"
        return rows.filter(**{lookup: self.managed_labs(request)})

    def lab_of(self, obj):
        return obj if self.lab_field == "pk" else _resolve(obj, self.lab_field)

    def _lab_allowed(self, request, obj=None):
        if obj is None:
            return self.managed_labs(request).exists()
        lab = self.lab_of(obj)
        return lab is not None and user_can(request.user, self.lab_action, lab)

    def has_module_permission(self, request):
        return request.user.is_superuser or self._lab_allowed(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or self._lab_allowed(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser or self._lab_allowed(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or self._lab_allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser or self._lab_allowed(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Staff pick labs, and rows of other models, only among their labs."""
        if not request.user.is_superuser:
            labs = self.managed_labs(request)
            related = db_field.related_model
            if related is Lab:
                kwargs["queryset"] = labs
            elif (path := LAB_PATHS.get(related)) is not None:
                kwargs["queryset"] = related._default_manager.filter(**{f"{path}__in": labs})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LabScopedInlineMixin:
    """Inlines follow their parent's lab: allowed when the user may act on the parent (a Lab or a lab row)."""

    lab_action = Action.MANAGE_LAB
    parent_lab_field = "pk"

    def _parent_allowed(self, request, obj):
        if request.user.is_superuser:
            return True
        if obj is None:
            return labs_where(request.user, self.lab_action, Lab.objects.all()).exists()
        lab = obj if self.parent_lab_field == "pk" else _resolve(obj, self.parent_lab_field)
        return lab is not None and user_can(request.user, self.lab_action, lab)

    def has_view_permission(self, request, obj=None):
        return self._parent_allowed(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent_allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_allowed(request, obj)


# Foreign keys a staff form may offer, and the path from their model to the lab.
# Apps add their models in their admin module (`LAB_PATHS[Machine] = "lab"`).
LAB_PATHS = {}
