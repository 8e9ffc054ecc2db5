"""Training sessions are events of their lab's public feed: bump it when they change."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from fablab.core.cache import bump, lab_scope
from training.models import Course, Session


@receiver([post_save, post_delete], sender=Session, dispatch_uid="cache_session_changed")
def session_changed(sender, instance, **kwargs):
    bump(lab_scope(instance.lab.slug))


@receiver([post_save, post_delete], sender=Course, dispatch_uid="cache_course_changed")
def course_changed(sender, instance, **kwargs):
    # The title and description are those of every session's event.
    slugs = Session.objects.filter(course_id=instance.pk).values_list("lab__slug", flat=True).distinct()
    bump(*(lab_scope(slug) for slug in slugs))
