"""Bump the cached project feeds when a project, its tags or a tag change.

Edits through projects/services.py end in `_reindex`, which bumps as well: it
moves `updated_at` with an UPDATE, which sends no signal.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from fablab.core.cache import PROJECTS_SCOPE, bump
from projects.models import Project, Tag


@receiver([post_save, post_delete], sender=Project, dispatch_uid="cache_project_changed")
@receiver([post_save, post_delete], sender=Tag, dispatch_uid="cache_tag_changed")
@receiver(m2m_changed, sender=Project.tags.through, dispatch_uid="cache_project_tags_changed")
def project_changed(sender, **kwargs):
    bump(PROJECTS_SCOPE)
