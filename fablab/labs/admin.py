from django.contrib import admin

from fablab.labs.models import Closure, Lab, Membership, OpeningHours


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "city", "main_lab", "time_zone", "is_active"]
    list_filter = ["is_active", "main_lab"]
    search_fields = ["name", "slug", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningHoursInline, ClosureInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "lab", "role", "created_at"]
    list_filter = ["role", "lab"]
    search_fields = ["user__email", "user__full_name", "lab__name"]
    autocomplete_fields = ["user", "lab"]
