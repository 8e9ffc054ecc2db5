"""Who may see and who may change a project.

Authors (the owner and the collaborators) edit. A draft or a hidden project is
seen by its authors and by those who moderate its lab (`Action.MODERATE`);
a published one by everybody. Moderators see, they do not edit.
"""

from fablab.labs.permissions import Action, user_can
from projects.models import ProjectStatus


def is_author(user, project):
    """The owner or a collaborator. Uses prefetched collaborators when there are some."""
    if not user.is_authenticated or not user.is_active:
        return False
    if project.owner_id == user.pk:
        return True
    cache = getattr(project, "_prefetched_objects_cache", {})
    if "collaborators" in cache:
        return any(collaborator.pk == user.pk for collaborator in cache["collaborators"])
    return project.collaborators.filter(pk=user.pk).exists()


def can_view(user, project):
    if project.status == ProjectStatus.PUBLISHED:
        return True
    return is_author(user, project) or user_can(user, Action.MODERATE, project.lab_id)


def can_edit(user, project):
    return is_author(user, project)


def can_manage_collaborators(user, project):
    return user.is_authenticated and user.is_active and project.owner_id == user.pk
