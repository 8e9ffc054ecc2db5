"""A published project as two downloads: the documentation as a PDF, the files as a ZIP.

The PDF (WeasyPrint) carries the texts, the steps with their pictures, the bill
of materials, the authors, the licence and the page's address, in the reader's
language. WeasyPrint fetches nothing from the network: `StorageFetcher` serves
the project's own pictures from the storage and refuses every other URL (an
image in a step's Markdown may point anywhere).

The ZIP holds the project's files, a README.md written from the project and a
LICENCE.txt naming the licence (SPDX identifier and URL). It is built in a
temporary file that spills to disk past a few megabytes, never wholly in memory;
the project's files are bounded by `PROJECT_FILES_MAX_BYTES`, which bounds it.

Both are cached per project version and language: an anonymous reader asking
again costs one cache read, not another rendering.
"""

import hashlib
import os
import tempfile
import zipfile

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from projects.models import FileKind

MAX_PDF_PICTURES = 60
CACHE_SECONDS = 3600
# ZIP members already compressed: storing them again as deflate only costs time.
STORED_KINDS = {FileKind.ZIP, FileKind.THREE_MF, FileKind.IMAGE, FileKind.PDF}
STORAGE_SCHEME = "storage:"


def _version_key(kind, project):
    authors = ",".join(str(user.pk) for user in project.collaborators.all())
    raw = f"{project.pk}:{project.updated_at.isoformat()}:{project.status}:{authors}:{translation.get_language()}"
    return f"projects:{kind}:{hashlib.sha256(raw.encode()).hexdigest()}"


# --- PDF ------------------------------------------------------------------------


def documentation_html(project, *, page_url) -> str:
    """The printable documentation's HTML, in the active language. Pictures are `storage:` URLs."""
    pictures = left_out = 0
    steps = []
    for step in project.steps.all():
        images = []
        for image in step.images.all():
            if pictures < MAX_PDF_PICTURES:
                images.append({"src": STORAGE_SCHEME + image.image.name, "alt": image.alt})
                pictures += 1
            else:
                left_out += 1
        steps.append({"step": step, "images": images})
    context = {
        "project": project,
        "licence": project.licence_info,
        "page_url": page_url,
        "steps": steps,
        "cover_src": STORAGE_SCHEME + project.cover.name if project.cover else "",
        "pictures_left_out": left_out,
    }
    return render_to_string("projects/documentation_pdf.html", context)


def documentation_pdf(project, *, page_url) -> bytes:
    key = _version_key("pdf", project)
    pdf = cache.get(key)
    if pdf is None:
        from weasyprint import HTML  # imported on first use: it loads Pango, which takes a moment

        html = documentation_html(project, page_url=page_url)
        pdf = HTML(string=html, base_url=page_url, url_fetcher=_storage_fetcher()).write_pdf()
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf


def _storage_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StorageFetcher(URLFetcher):
        """Serves `storage:<name>` from the default storage; refuses everything else."""

        def fetch(self, url, headers=None):
            if not url.startswith(STORAGE_SCHEME):
                raise ValueError("only the project's own pictures are included")
            name = url.removeprefix(STORAGE_SCHEME)
            if name.startswith("/") or ".." in name.split("/"):
                raise ValueError("unsafe name")
            with default_storage.open(name, "rb") as stored:
                body = stored.read()
            return URLFetcherResponse(url, body, {"Content-Type": "image/webp"})

    return StorageFetcher()


# --- ZIP ------------------------------------------------------------------------


class ArchiveTooLarge(Exception):
    pass


def files_zip(project, *, page_url):
    """An open temporary file holding the ZIP, positioned at its start. The caller closes it."""
    total = sum(item.size_bytes for item in project.files.all())
    if total > settings.PROJECT_FILES_MAX_BYTES:
        raise ArchiveTooLarge
    archive_file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    folder = project.slug
    used = set()
    files = [(_unique(item.name, used), item) for item in project.files.all()]
    with zipfile.ZipFile(archive_file, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}/README.md", readme(project, page_url=page_url, files=files))
        archive.writestr(f"{folder}/LICENCE.txt", licence_text(project))
        for name, item in files:
            info = zipfile.ZipInfo(f"{folder}/files/{name}", date_time=item.uploaded_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED if item.kind in STORED_KINDS else zipfile.ZIP_DEFLATED
            with item.stored.open("rb") as source, archive.open(info, "w") as target:
                for chunk in iter(lambda: source.read(1024 * 1024), b""):
                    target.write(chunk)
    archive_file.seek(0)
    return archive_file


def _unique(name, used):
    stem, extension = os.path.splitext(name)
    candidate, number = name, 2
    while candidate.lower() in used:
        candidate = f"{stem}-{number}{extension}"
        number += 1
    used.add(candidate.lower())
    return candidate


def readme(project, *, page_url, files=()) -> str:
    """README.md of the ZIP, in the active language: what the project is, who made it, under which licence.

    `files` are (name in the archive, ProjectFile) pairs."""
    return render_to_string(
        "projects/README.md.txt",
        {"project": project, "licence": project.licence_info, "page_url": page_url, "files": files},
    )


def licence_text(project) -> str:
    licence = project.licence_info
    authors = ", ".join(
        [
            project.owner.full_name or _("A member"),
            *(user.full_name or _("A member") for user in project.collaborators.all()),
        ]
    )
    if licence is None:
        return _("No licence was chosen for this project.") + "\n"
    lines = [
        f"“{project.title}” © {project.published_at.year if project.published_at else ''} {authors}",
        "",
        _("Licence: %(name)s") % {"name": licence.name},
        f"SPDX-License-Identifier: {licence.spdx}",
        _("Full text: %(url)s") % {"url": licence.url},
        "",
    ]
    return "\n".join(lines)
