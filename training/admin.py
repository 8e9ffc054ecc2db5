from django.contrib import admin

from training.models import Course, Enrollment, SchoolRegistration, Session, WorkshopOffer


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "duration_minutes", "price_cents", "member_price_cents", "capacity", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["prerequisites", "qualifies_for"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Read-only: sessions are planned through the service, which blocks their machines."""

    list_display = ["course", "lab", "start", "trainer", "capacity", "status"]
    list_filter = ["status", "lab", "course"]
    date_hierarchy = "start"
    list_select_related = ["course", "lab", "trainer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["member", "session", "status", "price_cents", "payment_mode", "is_paid"]
    list_filter = ["status", "payment_mode", "session__lab"]
    search_fields = ["member__email", "member__full_name"]
    list_select_related = ["member", "session__course"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkshopOffer)
class WorkshopOfferAdmin(admin.ModelAdmin):
    list_display = ["theme", "duration_minutes", "max_pupils", "price_per_class_cents", "is_published"]
    prepopulated_fields = {"slug": ["theme"]}
    filter_horizontal = ["labs"]


@admin.register(SchoolRegistration)
class SchoolRegistrationAdmin(admin.ModelAdmin):
    list_display = ["school_name", "school_code", "offer", "lab", "class_level", "pupils", "status", "start"]
    list_filter = ["status", "lab", "offer", "class_level"]
    search_fields = ["school_name", "school_code", "teacher_name", "teacher_email"]
    readonly_fields = ["status", "start", "end", "quote_number", "quoted_at"]

    def has_add_permission(self, request):
        return False
