"""The moderation queue of a lab's moderators: hide or restore a project or a comment, dismiss a report.

Members comment and report from the project page (`views.py`); the decisions
are taken here, through `projects/moderation.py`, by those who moderate the
project's lab (`Action.MODERATE`). Reports are private: another lab's is
answered like a missing one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fablab.core.errors import DomainError
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where
from projects import moderation
from projects.models import Comment, Project, Report
from projects.selectors import moderation_queue


@login_required
def moderation_page(request):
    """The moderation queue of the labs the user moderates; 403 for everyone else."""
    if not labs_where(request.user, Action.MODERATE, Lab.objects.all()).exists():
        raise PermissionDenied
    return render(request, "projects/moderation.html", moderation_queue(request.user))


def _moderated(request, action, *args, **kwargs):
    """Run a moderation service; its refusal comes back as a message, and the queue is shown again."""
    try:
        action(*args, by=request.user, **kwargs)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
        return False
    return True


def _back(request, fallback):
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return redirect(target if safe and target.startswith("/") else fallback)


@login_required
@require_POST
def moderate_project(request, slug, verb):
    project = Project.objects.filter(slug=slug).defer("search_vector", "search_text").first()
    if project is None:
        raise Http404
    if verb == "hide":
        done = _moderated(request, moderation.project_hide, project=project, reason=request.POST.get("reason", ""))
        if done:
            messages.success(request, _("“%(title)s” is hidden.") % {"title": project.title})
    else:
        if _moderated(request, moderation.project_restore, project=project):
            messages.success(request, _("“%(title)s” is public again.") % {"title": project.title})
    return _back(request, reverse("projects:moderation"))


@login_required
@require_POST
def moderate_comment(request, pk, verb):
    comment = Comment.objects.select_related("project").filter(pk=pk).first()
    if comment is None:
        raise Http404
    if verb == "hide":
        done = _moderated(request, moderation.comment_hide, comment=comment, reason=request.POST.get("reason", ""))
        if done:
            messages.success(request, _("Comment hidden."))
    elif _moderated(request, moderation.comment_restore, comment=comment):
        messages.success(request, _("Comment restored."))
    return _back(request, reverse("projects:moderation"))


@login_required
@require_POST
def dismiss_report(request, pk):
    # Reports are private: another lab's report is as unknown as a missing one.
    moderated_labs = labs_where(request.user, Action.MODERATE, Lab.objects.all())
    report = Report.objects.select_related("project").filter(pk=pk, project__lab__in=moderated_labs).first()
    if report is None:
        raise Http404
    if _moderated(request, moderation.report_dismiss, report=report):
        messages.success(request, _("Report dismissed."))
    return redirect("projects:moderation")
