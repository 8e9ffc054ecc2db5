"""Projects in the back office: staff look them up; authors change them in the editor.

Content is read-only here: the services keep steps numbered, the search
columns current and the publishing rules, and an admin form would bypass all
three. Moderation (hide with a reason, restore) comes as admin actions calling
a service.
"""

from django.contrib import admin

from fablab.labs.admin_scope import LabScopedAdminMixin
from fablab.labs.permissions import Action
from projects.models import Comment, Material, Project, ProjectFile, Report, Step, StepImage, Tag


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # shown inside their parent, whose admin is scoped to the user's labs

    def has_change_permission(self, request, obj=None):
        return False


class StepInline(ReadOnlyInline):
    model = Step
    fields = ["position", "title"]


class MaterialInline(ReadOnlyInline):
    model = Material
    fields = ["position", "item", "quantity", "unit", "link", "note"]


class ProjectFileInline(ReadOnlyInline):
    model = ProjectFile
    fields = ["position", "name", "kind", "size_bytes", "sha256", "uploaded_by", "uploaded_at"]


@admin.register(Project)
class ProjectAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    lab_action = Action.MODERATE
    list_display = ["title", "lab", "owner", "status", "licence", "difficulty", "published_at", "updated_at"]
    list_filter = ["lab", "status", "licence", "difficulty"]
    search_fields = ["title", "slug", "summary", "owner__email", "owner__full_name", "tags__name"]
    list_select_related = ["lab", "owner"]
    date_hierarchy = "published_at"
    inlines = [StepInline, MaterialInline, ProjectFileInline]
    fields = [
        "title",
        "slug",
        "status",
        "hidden_reason",
        "lab",
        "owner",
        "collaborators",
        "summary",
        "description",
        "difficulty",
        "duration_minutes",
        "licence",
        "machines",
        "tags",
        "what_went_wrong",
        "remixed_from",
        "cover",
        "cover_alt",
        "published_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]

    # Renaming or merging tags changes projects' search text: a service's job, later.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    """Moderation happens on /projects/moderation/, through projects/moderation.py; the lab's moderators see these."""

    lab_field = "project__lab"
    lab_action = Action.MODERATE

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["project", "author", "created_at", "hidden"]
    list_filter = ["hidden"]
    list_select_related = ["project", "author"]
    search_fields = ["body", "project__title", "author__email"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["project", "comment", "reporter", "status", "outcome", "created_at"]
    list_filter = ["status", "outcome"]
    list_select_related = ["project", "comment", "reporter"]


@admin.register(StepImage)
class StepImageAdmin(ReadOnlyAdmin):
    """Step pictures are added and removed on the step's page (projects/uploads), re-encoded there."""

    lab_field = "step__project__lab"
    list_display = ["step", "position", "alt", "width", "height"]
    list_select_related = ["step__project"]
    search_fields = ["step__project__title", "alt"]
