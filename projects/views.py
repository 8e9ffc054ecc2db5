"""HTML project pages: the public list and page, and the authors' editor.

The editor works without JavaScript: every change is a POST form that calls
the same service as the API and comes back to the editor with a message. A
`DomainError` becomes a form error or a message, with the error's status.
Who sees what: a draft is found only by its authors and the lab's moderators
(others get a 404); a project one can see but not edit answers 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fablab.accounts.models import User
from fablab.core.cache import LABS_SCOPE, PROJECTS_SCOPE, cached_for_visitors, cached_value
from fablab.core.errors import DomainError
from fablab.core.uploads import upload_too_large
from projects import attachments, downloads, moderation, permissions, services
from projects.forms import (
    CollaboratorForm,
    CommentForm,
    MaterialForm,
    ProjectFileForm,
    ProjectForm,
    ProjectSearchForm,
    ReportForm,
    StepForm,
    StepImageForm,
)
from projects.models import Project
from projects.selectors import (
    MAX_SEARCH_RESULTS,
    ProjectFilters,
    project_for_editor,
    project_for_public,
    project_search,
)
from projects.structured_data import as_script_json, project_howto

PAGE_SIZE = 24


# --- public pages -------------------------------------------------------------


# Every write to a project bumps PROJECTS_SCOPE (projects/invalidation.py); the
# timeout only bounds what no scope covers, such as a lab's name.
PROJECT_PAGES_SECONDS = 600


@cached_for_visitors(lambda request: [PROJECTS_SCOPE], timeout=PROJECT_PAGES_SECONDS)
def project_list(request):
    # The form and results are the same for everybody: members get them from the cache too.
    html, query, valid = cached_value(
        ["project-search", request.get_full_path(), get_language()],
        [PROJECTS_SCOPE, LABS_SCOPE],
        timeout=PROJECT_PAGES_SECONDS,
        build=lambda: _search_results(request),
    )
    context = {"results_html": html, "query": query}
    return render(request, "projects/project_list.html", context, status=200 if valid else 400)


def _search_results(request):
    """(HTML of the search form and the page of results, the words searched, whether the form was valid)."""
    form = ProjectSearchForm(request.GET)
    valid = form.is_valid()
    # An unknown facet value is reported on its field; the other filters still apply.
    filters = form.filters()
    query = form.cleaned_data.get("q", "")
    page = Paginator(project_search(query, ProjectFilters(**filters)), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "projects": page.object_list,
        "query": query,
        "filtered": bool(query or any(filters.values())),
        "page_query": params.urlencode(),
        "capped": bool(query) and page.paginator.count >= MAX_SEARCH_RESULTS,
        "max_results": MAX_SEARCH_RESULTS,
    }
    return render_to_string("projects/_search_results.html", context), query, valid


@cached_for_visitors(lambda request, **kwargs: [PROJECTS_SCOPE], timeout=PROJECT_PAGES_SECONDS)
def project_detail(request, slug, *, comment_form=None, status=200):
    try:
        project = project_for_public(slug, user=request.user)
    except Project.DoesNotExist:
        raise Http404 from None
    page_url = request.build_absolute_uri(project.get_absolute_url())
    cover_url = request.build_absolute_uri(project.cover.url) if project.cover else ""
    context = {
        "project": project,
        "licence": project.licence_info,
        "can_edit": permissions.can_edit(request.user, project),
        "page_url": page_url,
        "cover_url": cover_url,
        "howto_json": as_script_json(project_howto(project, page_url=page_url, cover_url=cover_url)),
        "gallery": [(step, image) for step in project.steps.all() for image in step.images.all()],
        "comment_form": comment_form or CommentForm(auto_id="comment-%s"),
        "can_moderate": moderation.can_moderate(request.user, project),
    }
    return render(request, "projects/project_detail.html", context, status=status)


def _readable(request, slug):
    try:
        return project_for_public(slug, user=request.user)
    except Project.DoesNotExist:
        raise Http404 from None


def documentation_pdf(request, slug):
    """The whole documentation as a PDF, in the reader's language."""
    project = _readable(request, slug)
    pdf = downloads.documentation_pdf(project, page_url=request.build_absolute_uri(project.get_absolute_url()))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{project.slug}.pdf"'
    return response


def files_zip(request, slug):
    """The project's files with a README.md and a LICENCE.txt, as one ZIP."""
    project = _readable(request, slug)
    try:
        archive = downloads.files_zip(project, page_url=request.build_absolute_uri(project.get_absolute_url()))
    except downloads.ArchiveTooLarge:
        return HttpResponse(_("This project's files are too large to download as one archive."), status=413)
    return FileResponse(archive, as_attachment=True, filename=f"{project.slug}.zip", content_type="application/zip")


# --- the editor ---------------------------------------------------------------


def _editable(request, slug):
    """The project for its authors; 404 for those who may not see it, 403 for those who may not edit."""
    try:
        project = project_for_editor(slug)
    except Project.DoesNotExist:
        raise Http404 from None
    if not permissions.can_view(request.user, project):
        raise Http404
    if not permissions.can_edit(request.user, project):
        raise PermissionDenied
    return project


def _editor(request, project, *, status=200, error=None, **bound_forms):
    """The editor page; `bound_forms` carry a submitted form back with its errors."""
    context = {
        "project": project,
        "licence": project.licence_info,
        "project_form": bound_forms.get("project_form")
        or ProjectForm(initial=ProjectForm.initial_for(project), auto_id="project-%s", author=request.user),
        "step_form": bound_forms.get("step_form") or StepForm(auto_id="step-%s"),
        "material_form": bound_forms.get("material_form") or MaterialForm(auto_id="material-%s"),
        "collaborator_form": bound_forms.get("collaborator_form") or CollaboratorForm(auto_id="collaborator-%s"),
        "file_form": bound_forms.get("file_form") or ProjectFileForm(auto_id="file-%s"),
        "is_owner": permissions.can_manage_collaborators(request.user, project),
        "error": error,
    }
    return render(request, "projects/project_editor.html", context, status=status)


def _back_to_editor(project, anchor=""):
    return redirect(reverse("projects:edit", args=[project.slug]) + (f"#{anchor}" if anchor else ""))


def _form_error(form, error):
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request):
    form = ProjectForm(request.POST or None, request.FILES or None, auto_id="project-%s", author=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(owner=request.user, **form.service_fields())
        except DomainError as error:
            _form_error(form, error)
            return render(request, "projects/project_new.html", {"form": form}, status=error.status)
        messages.success(request, _("Draft saved. Add its steps and materials, then publish it."))
        return _back_to_editor(project)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/project_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, slug):
    project = _editable(request, slug)
    if request.method == "GET":
        return _editor(request, project)
    form = ProjectForm(
        request.POST,
        request.FILES,
        initial=ProjectForm.initial_for(project),
        auto_id="project-%s",
        author=request.user,
    )
    if not form.is_valid():
        return _editor(request, project, project_form=form, status=400)
    try:
        services.project_update(project=project, by=request.user, **form.service_fields())
    except DomainError as error:
        _form_error(form, error)
        return _editor(request, project, project_form=form, status=error.status)
    messages.success(request, _("Project saved."))
    return _back_to_editor(project)


@login_required
@require_POST
def step_add(request, slug):
    project = _editable(request, slug)
    form = StepForm(request.POST, auto_id="step-%s")
    if not form.is_valid():
        return _editor(request, project, step_form=form, status=400)
    try:
        step = services.step_add(project=project, by=request.user, **form.cleaned_data)
    except DomainError as error:
        _form_error(form, error)
        return _editor(request, project, step_form=form, status=error.status)
    messages.success(request, _("Step %(position)s added.") % {"position": step.position})
    return _back_to_editor(project, "steps")


def _one_of(rows, pk):
    """The row of `rows` (prefetched with the project) with this id, or 404: no query per lookup."""
    for row in rows:
        if row.pk == pk:
            return row
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def step_edit(request, slug, pk):
    project = _editable(request, slug)
    step = _one_of(project.steps.all(), pk)
    form = StepForm(request.POST or None, initial={"title": step.title, "body": step.body})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.step_update(step=step, by=request.user, **form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Step %(position)s saved.") % {"position": step.position})
                return _back_to_editor(project, "steps")
    return _step_page(request, project, step, form=form, status=status)


def _step_page(request, project, step, *, form=None, image_form=None, status=200):
    context = {
        "project": project,
        "step": step,
        "form": form or StepForm(initial={"title": step.title, "body": step.body}),
        "image_form": image_form or StepImageForm(auto_id="image-%s"),
    }
    return render(request, "projects/step_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def step_delete(request, slug, pk):
    """GET: ask to confirm (a deleted step cannot be brought back). POST: delete."""
    project = _editable(request, slug)
    step = _one_of(project.steps.all(), pk)
    if request.method == "GET":
        return render(request, "projects/step_delete.html", {"project": project, "step": step})
    try:
        services.step_delete(step=step, by=request.user)
    except DomainError as error:
        return _editor(request, project, error=error.message, status=error.status)
    messages.success(request, _("Step “%(title)s” deleted.") % {"title": step.title})
    return _back_to_editor(project, "steps")


@login_required
@require_POST
def step_move(request, slug, pk):
    project = _editable(request, slug)
    step = _one_of(project.steps.all(), pk)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction"))
    if offset is None:
        return _editor(request, project, error=_("Choose to move the step up or down."), status=400)
    try:
        step = services.step_move(step=step, by=request.user, position=step.position + offset)
    except DomainError as error:
        return _editor(request, project, error=error.message, status=error.status)
    messages.success(
        request, _("Step “%(title)s” is now step %(position)s.") % {"title": step.title, "position": step.position}
    )
    return _back_to_editor(project, f"step-{step.pk}")


@login_required
@require_POST
def material_add(request, slug):
    project = _editable(request, slug)
    form = MaterialForm(request.POST, auto_id="material-%s")
    if not form.is_valid():
        return _editor(request, project, material_form=form, status=400)
    try:
        services.material_add(project=project, by=request.user, **form.cleaned_data)
    except DomainError as error:
        _form_error(form, error)
        return _editor(request, project, material_form=form, status=error.status)
    messages.success(request, _("Material added."))
    return _back_to_editor(project, "materials")


@login_required
@require_POST
def material_delete(request, slug, pk):
    project = _editable(request, slug)
    material = _one_of(project.materials.all(), pk)
    try:
        services.material_remove(material=material, by=request.user)
    except DomainError as error:
        return _editor(request, project, error=error.message, status=error.status)
    messages.success(request, _("“%(item)s” removed from the materials.") % {"item": material.item})
    return _back_to_editor(project, "materials")


@login_required
@require_POST
def project_publish(request, slug):
    project = _editable(request, slug)
    try:
        services.project_publish(project=project, by=request.user)
    except DomainError as error:
        return _editor(request, project, error=error.message, status=error.status)
    messages.success(request, _("Published: everyone can now read this project."))
    return redirect(project.get_absolute_url())


@login_required
@require_POST
def project_unpublish(request, slug):
    project = _editable(request, slug)
    try:
        services.project_unpublish(project=project, by=request.user)
    except DomainError as error:
        return _editor(request, project, error=error.message, status=error.status)
    messages.success(request, _("Back to draft: only its authors and the lab's moderators can see it."))
    return _back_to_editor(project)


@login_required
@require_POST
def project_remix(request, slug):
    """Any member: a new draft of their own, copied from a published project."""
    try:
        # Without `user`: only a published project is found, a draft or hidden one is a 404.
        project = project_for_public(slug)
    except Project.DoesNotExist:
        raise Http404 from None
    try:
        remix = services.project_remix(project=project, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(project.get_absolute_url())
    messages.success(request, _("Your remix is a draft: make it your own, then publish it."))
    return _back_to_editor(remix)


@login_required
@require_POST
def collaborator_add(request, slug):
    project = _editable(request, slug)
    form = CollaboratorForm(request.POST, auto_id="collaborator-%s")
    if not form.is_valid():
        return _editor(request, project, collaborator_form=form, status=400)
    user = User.objects.filter(email__iexact=form.cleaned_data["email"], is_active=True).first()
    if user is None:
        form.add_error("email", _("No member has this email address. Ask them to sign up first."))
        return _editor(request, project, collaborator_form=form, status=400)
    try:
        services.project_collaborator_add(project=project, by=request.user, user=user)
    except DomainError as error:
        _form_error(form, error)
        return _editor(request, project, collaborator_form=form, status=error.status)
    messages.success(
        request, _("%(name)s can now edit this project with you.") % {"name": user.full_name or user.email}
    )
    return _back_to_editor(project, "authors")


@login_required
@require_POST
def collaborator_remove(request, slug, pk):
    project = _editable(request, slug)
    user = _one_of(project.collaborators.all(), pk)
    try:
        services.project_collaborator_remove(project=project, by=request.user, user=user)
    except DomainError as error:
        return _editor(request, project, error=error.message, status=error.status)
    if user.pk == request.user.pk:
        messages.success(request, _("You are no longer an author of this project."))
        return redirect("projects:list")
    messages.success(request, _("Collaborator removed."))
    return _back_to_editor(project, "authors")


# --- files and pictures -----------------------------------------------------------


def _too_large(form, field):
    form.add_error(field, attachments.too_large_error().message)
    return form


@login_required
@require_POST
def file_add(request, slug):
    project = _editable(request, slug)
    form = ProjectFileForm(request.POST, request.FILES, auto_id="file-%s")
    if upload_too_large(request):
        return _editor(request, project, file_form=_too_large(form, "file"), status=413)
    if not form.is_valid():
        return _editor(request, project, file_form=form, status=400)
    try:
        project_file = attachments.project_file_add(project=project, by=request.user, upload=form.cleaned_data["file"])
    except DomainError as error:
        _form_error(form, error)
        return _editor(request, project, file_form=form, status=error.status)
    messages.success(request, _("“%(name)s” added to the files.") % {"name": project_file.name})
    return _back_to_editor(project, "files")


@login_required
@require_POST
def file_delete(request, slug, pk):
    project = _editable(request, slug)
    project_file = _one_of(project.files.all(), pk)
    try:
        attachments.project_file_remove(project_file=project_file, by=request.user)
    except DomainError as error:
        return _editor(request, project, error=error.message, status=error.status)
    messages.success(request, _("“%(name)s” removed from the files.") % {"name": project_file.name})
    return _back_to_editor(project, "files")


def file_download(request, slug, pk, name):
    """Always an attachment, never shown inline: an SVG or a PDF opened in the site's origin
    could run script. The CSP forbids everything should a browser render it anyway."""
    project = Project.objects.filter(slug=slug).only("pk", "slug", "status", "owner_id", "lab_id").first()
    if project is None or not permissions.can_view(request.user, project):
        raise Http404
    project_file = project.files.filter(pk=pk).first()
    if project_file is None:
        raise Http404
    response = FileResponse(
        project_file.stored.open("rb"),
        as_attachment=True,
        filename=project_file.name,
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache" if not project.is_published else "public, max-age=3600"
    return response


@login_required
@require_POST
def step_image_add(request, slug, pk):
    project = _editable(request, slug)
    step = _one_of(project.steps.all(), pk)
    form = StepImageForm(request.POST, request.FILES, auto_id="image-%s")
    if upload_too_large(request):
        return _step_page(request, project, step, image_form=_too_large(form, "image"), status=413)
    if not form.is_valid():
        return _step_page(request, project, step, image_form=form, status=400)
    try:
        attachments.step_image_add(
            step=step, by=request.user, upload=form.cleaned_data["image"], alt=form.cleaned_data["alt"]
        )
    except DomainError as error:
        _form_error(form, error)
        return _step_page(request, project, step, image_form=form, status=error.status)
    messages.success(request, _("Picture added to step %(position)s.") % {"position": step.position})
    return redirect(reverse("projects:step_edit", args=[project.slug, step.pk]) + "#pictures")


@login_required
@require_POST
def step_image_delete(request, slug, pk, image_pk):
    project = _editable(request, slug)
    step = _one_of(project.steps.all(), pk)
    image = _one_of(step.images.all(), image_pk)
    try:
        attachments.step_image_remove(image=image, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    messages.success(request, _("Picture removed."))
    return redirect(reverse("projects:step_edit", args=[project.slug, step.pk]) + "#pictures")


# --- comments, reports, moderation ------------------------------------------------


@login_required
@require_POST
def comment_add(request, slug):
    form = CommentForm(request.POST, auto_id="comment-%s")
    if not form.is_valid():
        return project_detail(request, slug, comment_form=form, status=400)
    project = _readable(request, slug)
    try:
        comment = moderation.comment_add(project=project, by=request.user, body=form.cleaned_data["body"])
    except DomainError as error:
        _form_error(form, error)
        return project_detail(request, slug, comment_form=form, status=error.status)
    messages.success(request, _("Comment published."))
    return redirect(f"{project.get_absolute_url()}#comment-{comment.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def report(request, slug):
    """GET: the form; POST: the report. `?comment=<id>` reports one comment of the project."""
    project = _readable(request, slug)
    comment = None
    comment_id = request.GET.get("comment") or request.POST.get("comment")
    if comment_id:
        comment = next((item for item in project.visible_comments if str(item.pk) == str(comment_id)), None)
        if comment is None:
            raise Http404
    form = ReportForm(request.POST or None, auto_id="report-%s")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                moderation.report_create(
                    by=request.user, project=project, comment=comment, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                _form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Thank you: the lab's moderators will look at it."))
                return redirect(project.get_absolute_url())
    context = {"project": project, "comment": comment, "form": form}
    return render(request, "projects/report.html", context, status=status)
