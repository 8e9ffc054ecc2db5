"""Bump the cached project feeds when a project, its tags, a tag or an author's name change.

Edits through projects/services.py end in `_reindex`, which bumps as well: it
moves `updated_at` with an UPDATE, which sends no signal.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from fablab.accounts.models import User
from fablab.core.cache import PROJECTS_SCOPE, bump
from projects.models import Project, Tag


@receiver([post_save, post_delete], sender=Project, dispatch_uid="cache_project_changed")
@receiver([post_save, post_delete], sender=Tag, dispatch_uid="cache_tag_changed")
@receiver(m2m_changed, sender=Project.tags.through, dispatch_uid="cache_project_tags_changed")
def project_changed(sender, **kwargs):
    bump(PROJECTS_SCOPE)


@receiver(post_save, sender=User, dispatch_uid="cache_author_changed")
def author_changed(sender, instance, update_fields=None, **kwargs):
    # The feeds name each project's author: a new name, or an erased account, shows at once.
    # A sign-in saves `last_login` only, and changes no feed.
    if update_fields is None or "full_name" in update_fields:
        bump(PROJECTS_SCOPE)
