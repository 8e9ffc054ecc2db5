"""Bump the cached project feeds and pages when anything they show changes.

Any row of this app (a project, its steps, pictures, files, materials, tags,
collaborators, comments), a machine or an author's name. Edits through
projects/services.py end in `_reindex`, which bumps as well: it moves
`updated_at` with an UPDATE, which sends no signal.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from fablab.accounts.models import User
from fablab.core.cache import PROJECTS_SCOPE, bump
from machines.models import Machine


@receiver([post_save, post_delete, m2m_changed], dispatch_uid="cache_project_content_changed")
def project_content_changed(sender, **kwargs):
    if sender._meta.app_label == "projects":
        bump(PROJECTS_SCOPE)


@receiver(post_save, sender=Machine, dispatch_uid="cache_project_machine_changed")
def machine_changed(sender, **kwargs):
    # Project pages and the search's machine facet name the machines.
    bump(PROJECTS_SCOPE)


@receiver(post_save, sender=User, dispatch_uid="cache_author_changed")
def author_changed(sender, instance, update_fields=None, **kwargs):
    # The feeds name each project's author: a new name, or an erased account, shows at once.
    # A sign-in saves `last_login` only, and changes no feed.
    if update_fields is None or "full_name" in update_fields:
        bump(PROJECTS_SCOPE)
