"""Writes on a project's files and on its steps' pictures. Authors only, like every edit.

A file is checked whole before anything is written: size (per file, then the
project's total under its row lock), name, and content (projects/filetypes.py);
an image is decoded and re-encoded by machines/images.py, which strips EXIF
(GPS), turns it upright and makes two sizes. A refused upload raises
`ProjectError` and leaves nothing behind: no row, no stored file.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from machines.images import photo_file_name, process_machine_photo
from projects import filetypes
from projects.models import FileKind, ProjectFile, StepImage, project_files_storage
from projects.services import RENUMBER_OFFSET, ProjectError, _current, _locked, _renumber, _require_author, _validate

MAX_FILES = 50
MAX_STEP_IMAGES = 10
MEGABYTE = 1024 * 1024


def _megabytes(size):
    return f"{size / MEGABYTE:.0f}"


class FileTooLarge(ProjectError):
    status = 413
    default_code = "file_too_large"


def too_large_error():
    """The refusal for an upload stopped by fablab/core/uploads.py, or too big for one file."""
    return FileTooLarge(
        _("This file is too large: %(limit)s MB at most per file.")
        % {"limit": _megabytes(settings.PROJECT_FILE_MAX_BYTES)},
        code="file_too_large",
        field="file",
    )


# --- project files ------------------------------------------------------------


def project_file_add(*, project, by, upload) -> ProjectFile:
    """Add `upload` (an UploadedFile) at the end of the project's files."""
    _require_author(project, by)
    if upload is None or not upload.size:
        raise ProjectError(_("Choose a file to upload; an empty file is refused."), code="file_missing", field="file")
    if upload.size > settings.PROJECT_FILE_MAX_BYTES:
        raise too_large_error()
    name = filetypes.clean_name(upload.name)
    try:
        kind = filetypes.expected_kind(name)
        if kind == FileKind.IMAGE:
            content, name = _reencoded_image(upload, name)
        else:
            filetypes.check_content(upload, kind)
            content = upload
    except filetypes.FileRefused as refused:
        raise ProjectError(refused.message, code=refused.code, field="file") from None
    size, digest = _size_and_digest(content)
    storage = project_files_storage
    with transaction.atomic():
        project = _locked(project)
        _require_author(project, by)
        count = _check_room(project, size)
        project_file = ProjectFile(
            project=project,
            position=count + 1,
            name=name,
            kind=kind,
            size_bytes=size,
            sha256=digest,
            uploaded_by=by,
            uploaded_at=timezone.now(),
        )
        content.seek(0)
        stored_name = storage.save(f"projects/files/{secrets.token_hex(16)}", content)
        # The file is written before its row: a failure to insert removes it again.
        try:
            project_file.stored.name = stored_name
            _validate(project_file)
            project_file.save()
            project.updated_at = timezone.now()
            project.save(update_fields=["updated_at"])
        except BaseException:
            storage.delete(stored_name)
            raise
    return project_file


def project_files_copy(*, original, remix, by) -> None:
    """Copy the files of `original` into `remix`, a new draft, inside the caller's transaction.

    Their content was checked when they were uploaded to the original, and they fit
    its limits, which are the remix's. Each copy is a stored file of its own, so
    that removing it from one project leaves the other whole. A failure removes
    the copies already written.
    """
    storage = project_files_storage
    written = []
    try:
        for source in original.files.order_by("position"):
            with storage.open(source.stored.name) as content:
                written.append(storage.save(f"projects/files/{secrets.token_hex(16)}", content))
            ProjectFile.objects.create(
                project=remix,
                position=source.position,
                name=source.name,
                stored=written[-1],
                kind=source.kind,
                size_bytes=source.size_bytes,
                sha256=source.sha256,
                uploaded_by=by,
                uploaded_at=timezone.now(),
            )
    except BaseException:
        for name in written:
            storage.delete(name)
        raise


def _check_room(project, size):
    """The number of files the project has, or `ProjectError` when `size` more bytes do not fit.
    Called under the project's row lock, so that two uploads cannot both take the last room."""
    totals = project.files.aggregate(count=Count("pk"), total=Sum("size_bytes"))
    if totals["count"] >= MAX_FILES:
        raise ProjectError(
            _("A project has at most %(count)s files.") % {"count": MAX_FILES}, code="too_many_files", field="file"
        )
    if (totals["total"] or 0) + size > settings.PROJECT_FILES_MAX_BYTES:
        raise ProjectError(
            _("The project's files would pass %(limit)s MB in all. Remove a file or upload a smaller one.")
            % {"limit": _megabytes(settings.PROJECT_FILES_MAX_BYTES)},
            code="project_files_too_large",
            field="file",
        )
    return totals["count"]


def project_file_remove(*, project_file, by) -> None:
    with transaction.atomic():
        project = _locked(project_file.project)
        _require_author(project, by)
        project_file = _current(project.files, project_file)
        stored_name = project_file.stored.name
        project_file.delete()
        _renumber(ProjectFile, project, list(project.files.values_list("pk", flat=True)))
    transaction.on_commit(lambda: project_files_storage.delete(stored_name))


def _reencoded_image(upload, name):
    try:
        photo, _thumbnail = process_machine_photo(upload)
    except ValidationError as error:
        raise filetypes.FileRefused(error.messages[0], "invalid_image") from None
    stem = name.rsplit(".", 1)[0]
    return photo, f"{stem}.webp"


def _size_and_digest(content):
    content.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in content.chunks() if hasattr(content, "chunks") else iter(lambda: content.read(MEGABYTE), b""):
        digest.update(chunk)
        size += len(chunk)
    content.seek(0)
    return size, digest.hexdigest()


# --- step images --------------------------------------------------------------


def step_image_add(*, step, by, upload, alt="") -> StepImage:
    """Add a picture at the end of the step's pictures."""
    _require_author(step.project, by)
    if upload is None:
        raise ProjectError(_("Choose an image to upload."), code="file_missing", field="image")
    try:
        photo, thumbnail = process_machine_photo(upload)
    except ValidationError as error:
        raise ProjectError(error.messages[0], code="invalid_image", field="image") from error
    with transaction.atomic():
        project = _locked(step.project)
        _require_author(project, by)
        step = _current(project.steps, step)
        count = step.images.count()
        if count >= MAX_STEP_IMAGES:
            raise ProjectError(
                _("A step has at most %(count)s pictures.") % {"count": MAX_STEP_IMAGES},
                code="too_many_images",
                field="image",
            )
        photo.name = thumbnail.name = photo_file_name(project.slug)
        image = StepImage(
            step=step,
            position=count + 1,
            image=photo,
            width=photo.width,
            height=photo.height,
            thumbnail=thumbnail,
            thumbnail_width=thumbnail.width,
            thumbnail_height=thumbnail.height,
            alt=alt,
        )
        _validate(image, exclude=["image", "thumbnail"])
        try:
            image.save()  # writes both files first, then the row
            project.updated_at = timezone.now()
            project.save(update_fields=["updated_at"])
        except BaseException:
            for name in (image.image.name, image.thumbnail.name):
                if name:
                    default_storage.delete(name)
            raise
    return image


def step_image_remove(*, image, by) -> None:
    with transaction.atomic():
        project = _locked(image.step.project)
        _require_author(project, by)
        step = _current(project.steps, image.step)
        image = _current(step.images, image)
        names = [image.image.name, image.thumbnail.name]
        image.delete()
        remaining = list(step.images.order_by("position").values_list("pk", flat=True))
        step.images.update(position=F("position") + RENUMBER_OFFSET)
        for position, pk in enumerate(remaining, start=1):
            StepImage.objects.filter(pk=pk).update(position=position)
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
