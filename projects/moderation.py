"""Comments, reports and moderation of projects.

Any signed-in member may comment on a published project and report a project or
a comment. Those who moderate the project's lab (`Action.MODERATE`: its staff,
and superusers everywhere) hide a project or a comment with a reason, restore
it, or dismiss a report. Staff of another lab have no say. Hiding resolves the
open reports on what was hidden; the authors hear about it by email (after the
commit, see projects/notifications.py).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fablab.core.errors import ConflictError, NotAllowedError
from fablab.labs.permissions import Action, user_can
from projects import notifications
from projects.models import Comment, ProjectStatus, Report, ReportOutcome, ReportStatus
from projects.services import ProjectError, _locked, _validate

MAX_REASON = 500


def can_moderate(user, project):
    return user_can(user, Action.MODERATE, project.lab_id)


def _require_member(by, message):
    if not by.is_authenticated or not by.is_active:
        raise NotAllowedError(message)


def _require_moderator(by, project):
    if not can_moderate(by, project):
        raise NotAllowedError(_("Only the moderators of this project's lab can do this."))


def _reason(reason):
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ProjectError(_("Give a reason: the authors will read it."), code="reason_missing", field="reason")
    if len(reason) > MAX_REASON:
        raise ProjectError(
            _("A reason has at most %(count)s characters.") % {"count": MAX_REASON}, code="invalid", field="reason"
        )
    return reason


# --- comments -----------------------------------------------------------------


def comment_add(*, project, by, body) -> Comment:
    """A signed-in member comments on a published project; its authors are told."""
    _require_member(by, _("Log in to comment."))
    body = str(body or "").strip()
    if not body:
        raise ProjectError(_("Write something first."), code="comment_empty", field="body")
    comment = Comment(project=project, author=by, body=body)
    _validate(comment, exclude=["project", "author"])
    with transaction.atomic():
        project = _locked(project)
        if project.status != ProjectStatus.PUBLISHED:
            raise ProjectError(_("Only a published project can be commented on."), code="not_published")
        comment.project = project
        comment.save()
        notifications.notify_comment_added(comment)
    return comment


def comment_hide(*, comment, by, reason) -> Comment:
    _require_moderator(by, comment.project)
    reason = _reason(reason)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().select_related("project", "author").get(pk=comment.pk)
        if comment.hidden:
            return comment
        comment.hidden, comment.hidden_reason, comment.hidden_by, comment.hidden_at = True, reason, by, timezone.now()
        comment.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
        _resolve(Report.objects.filter(comment=comment), by=by, outcome=ReportOutcome.HIDDEN)
        notifications.notify_comment_hidden(comment)
    return comment


def comment_restore(*, comment, by) -> Comment:
    _require_moderator(by, comment.project)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        comment.hidden, comment.hidden_reason, comment.hidden_by, comment.hidden_at = False, "", None, None
        comment.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    return comment


# --- projects -------------------------------------------------------------------


def project_hide(*, project, by, reason):
    """Take a published project off the public pages; its authors still see it, with the reason."""
    _require_moderator(by, project)
    reason = _reason(reason)
    with transaction.atomic():
        project = _locked(project)
        if project.status == ProjectStatus.HIDDEN:
            return project
        if project.status != ProjectStatus.PUBLISHED:
            raise ProjectError(_("Only a published project can be hidden."), code="not_published")
        project.status, project.hidden_reason = ProjectStatus.HIDDEN, reason
        project.save(update_fields=["status", "hidden_reason"])
        _resolve(Report.objects.filter(project=project, comment__isnull=True), by=by, outcome=ReportOutcome.HIDDEN)
        notifications.notify_project_hidden(project)
    return project


def project_restore(*, project, by):
    _require_moderator(by, project)
    with transaction.atomic():
        project = _locked(project)
        if project.status != ProjectStatus.HIDDEN:
            return project
        project.status, project.hidden_reason = ProjectStatus.PUBLISHED, ""
        project.save(update_fields=["status", "hidden_reason"])
        notifications.notify_project_restored(project)
    return project


# --- reports ----------------------------------------------------------------------


def report_create(*, by, project, comment=None, reason) -> Report:
    """Any signed-in member reports a published project, or a visible comment on one."""
    _require_member(by, _("Log in to report a project or a comment."))
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ProjectError(_("Say what is wrong, for the moderators."), code="reason_missing", field="reason")
    if comment is not None and comment.project_id != project.pk:
        raise ProjectError(_("This comment is not on this project."), code="invalid")
    if project.status != ProjectStatus.PUBLISHED or (comment is not None and comment.hidden):
        raise ProjectError(_("This is not shown publicly any more."), code="not_published")
    report = Report(reporter=by, project=project, comment=comment, reason=reason)
    _validate(report, exclude=["reporter", "project", "comment"])
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # The partial unique constraints: one open report per reporter and target.
        raise ConflictError(
            _("You already reported this; the moderators will look at it."), code="already_reported"
        ) from None
    return report


def report_dismiss(*, report, by) -> Report:
    _require_moderator(by, report.project)
    with transaction.atomic():
        _resolve(Report.objects.filter(pk=report.pk), by=by, outcome=ReportOutcome.DISMISSED)
    report.refresh_from_db()
    return report


def _resolve(reports, *, by, outcome):
    reports.filter(status=ReportStatus.OPEN).update(
        status=ReportStatus.RESOLVED, outcome=outcome, resolved_by=by, resolved_at=timezone.now()
    )


def comments_erase(sender=None, *, user, **kwargs):
    """GDPR erasure (`privacy.account_erasing`): a person's comments and reports go with their account.

    Unlike a project, shared under a licence and kept with "A member" as its author, a
    comment is a personal message: nothing requires keeping it."""
    Report.objects.filter(reporter=user).delete()
    Comment.objects.filter(author=user).delete()
