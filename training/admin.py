"""Trainings in the back office, scoped to the labs whose trainings the user manages.

Courses and workshop offers are shared by the network (superusers only);
sessions, enrollments, quotes and reminders change through the services.
"""

from django.contrib import admin

from fablab.labs.admin_scope import LabScopedAdminMixin
from fablab.labs.permissions import Action
from training.models import (
    Course,
    Enrollment,
    QualificationReminder,
    QuoteSequence,
    SchoolRegistration,
    Session,
    WorkshopOffer,
)


class TrainingAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    lab_action = Action.MANAGE_TRAININGS


class ReadOnlyTrainingAdmin(TrainingAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "duration_minutes", "price_cents", "member_price_cents", "capacity", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["prerequisites", "qualifies_for"]


@admin.register(Session)
class SessionAdmin(ReadOnlyTrainingAdmin):
    """Read-only: sessions are planned through the service, which blocks their machines."""

    list_display = ["course", "lab", "start", "trainer", "capacity", "status"]
    list_filter = ["status", "lab", "course"]
    search_fields = ["course__title", "trainer__email", "trainer__full_name"]
    date_hierarchy = "start"
    list_select_related = ["course", "lab", "trainer"]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyTrainingAdmin):
    lab_field = "session__lab"
    list_display = ["member", "session", "status", "price_cents", "payment_mode", "is_paid"]
    list_filter = ["status", "payment_mode", "session__lab"]
    search_fields = ["member__email", "member__full_name"]
    list_select_related = ["member", "session__course"]


@admin.register(WorkshopOffer)
class WorkshopOfferAdmin(admin.ModelAdmin):
    list_display = ["theme", "duration_minutes", "max_pupils", "price_per_class_cents", "is_published"]
    list_filter = ["is_published", "labs"]
    search_fields = ["theme"]
    prepopulated_fields = {"slug": ["theme"]}
    filter_horizontal = ["labs"]


@admin.register(SchoolRegistration)
class SchoolRegistrationAdmin(TrainingAdmin):
    list_display = ["school_name", "school_code", "offer", "lab", "class_level", "pupils", "status", "start"]
    list_filter = ["status", "lab", "offer", "class_level"]
    search_fields = ["school_name", "school_code", "teacher_name", "teacher_email"]
    list_select_related = ["offer", "lab"]
    # The status path (confirm, quote, held, invoice, cancel) is the staff workshop pages' and its service's.
    readonly_fields = ["status", "start", "end", "quote_number", "quoted_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuoteSequence)
class QuoteSequenceAdmin(ReadOnlyTrainingAdmin):
    list_display = ["lab", "year", "last_number"]
    list_filter = ["lab", "year"]
    search_fields = ["lab__name"]
    list_select_related = ["lab"]


@admin.register(QualificationReminder)
class QualificationReminderAdmin(ReadOnlyTrainingAdmin):
    lab_field = "qualification__machine__lab"
    list_display = ["qualification", "sent_at"]
    list_filter = ["qualification__machine__lab"]
    search_fields = ["qualification__user__email"]
    list_select_related = ["qualification__user", "qualification__machine"]
