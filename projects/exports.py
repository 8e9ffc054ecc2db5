"""Open data: every published project's metadata and licence, as JSON and CSV.

Both are streamed: rows are read in chunks and written as they come, so the
memory a download takes does not grow with the number of projects. The
descriptions and steps are not included: they are on each project's page,
under the project's licence. The JSON lists each project's files (name, type,
size, SHA-256, link) and its PDF and ZIP downloads; the CSV does not.
"""

import csv
import datetime as dt
import json

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from fablab.core.csv import Echo as _Echo
from fablab.core.csv import csv_safe
from projects.selectors import projects_for_export

CHUNK_SIZE = 500
CSV_COLUMNS = [
    "slug",
    "url",
    "title",
    "summary",
    "lab",
    "lab_name",
    "authors",
    "licence",
    "licence_name",
    "licence_url",
    "difficulty",
    "duration_minutes",
    "tags",
    "machines",
    "remixed_from",
    "published_at",
    "updated_at",
]


def project_record(project, absolute_url):
    """The open-data record of one project; `absolute_url(path)` makes links absolute."""
    licence = project.licence_info
    remixed_from = project.remixed_from
    authors = [project.owner, *project.collaborators.all()]
    return {
        "slug": project.slug,
        "url": absolute_url(project.get_absolute_url()),
        "title": project.title,
        "summary": project.summary,
        "lab": {"slug": project.lab.slug, "name": project.lab.name},
        # Public names only; an author without one (or erased) is left out, never their email.
        "authors": [author.full_name for author in authors if author.full_name],
        "licence": {"spdx": licence.spdx, "name": licence.name, "url": licence.url} if licence else None,
        "difficulty": project.difficulty,
        "duration_minutes": project.duration_minutes,
        "tags": [tag.name for tag in project.tags.all()],
        "machines": [{"id": machine.pk, "name": machine.name} for machine in project.machines.all()],
        "remixed_from": absolute_url(remixed_from.get_absolute_url())
        if remixed_from and remixed_from.is_published
        else None,
        "cover": absolute_url(project.cover.url) if project.cover else None,
        "documentation_pdf": absolute_url(reverse("projects:documentation_pdf", args=[project.slug])),
        "files_zip": absolute_url(reverse("projects:files_zip", args=[project.slug])),
        "files": [
            {
                "name": item.name,
                "kind": item.kind,
                "size_bytes": item.size_bytes,
                "sha256": item.sha256,
                "url": absolute_url(reverse("projects:file_download", args=[project.slug, item.pk, item.name])),
            }
            for item in project.files.all()
        ],
        "published_at": _instant(project.published_at),
        "updated_at": _instant(project.updated_at),
    }


def _instant(value):
    return value.astimezone(dt.UTC).isoformat() if value else None


def _records(request):
    for project in projects_for_export().iterator(chunk_size=CHUNK_SIZE):
        yield project_record(project, request.build_absolute_uri)


def export_json(request):
    def stream():
        yield f'{{"generated_at": {json.dumps(_instant(timezone.now()))}, "projects": ['
        separator = "\n"
        for record in _records(request):
            yield separator + json.dumps(record, ensure_ascii=False)
            separator = ",\n"
        yield "\n]}\n"

    response = StreamingHttpResponse(stream(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="projects.json"'
    response["Access-Control-Allow-Origin"] = "*"  # open data, no credentials involved
    return response


def _csv_row(record):
    licence = record["licence"] or {}
    row = {
        **record,
        "lab": record["lab"]["slug"],
        "lab_name": record["lab"]["name"],
        "authors": "; ".join(record["authors"]),
        "licence": licence.get("spdx", ""),
        "licence_name": licence.get("name", ""),
        "licence_url": licence.get("url", ""),
        "tags": "; ".join(record["tags"]),
        "machines": "; ".join(machine["name"] for machine in record["machines"]),
    }
    return [csv_safe(row[column]) for column in CSV_COLUMNS]


def export_csv(request):
    writer = csv.writer(_Echo())

    def stream():
        yield writer.writerow(CSV_COLUMNS)
        for record in _records(request):
            yield writer.writerow(_csv_row(record))

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="projects.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
