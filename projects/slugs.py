"""A project's slug: from its title, unique, never one of the list's own paths (`/projects/new/`…)."""

import secrets

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from projects.models import Project

RESERVED_SLUGS = frozenset({"new", "feed", "export", "mine", "tags", "labs", "search", "moderation"})
SLUG_BASE_LENGTH = 70


def _slug_candidates(title):
    base = slugify(title)[:SLUG_BASE_LENGTH].strip("-") or "project"
    taken = set(Project.objects.filter(slug__startswith=base).values_list("slug", flat=True)) | RESERVED_SLUGS
    if base not in taken:
        yield base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    yield f"{base}-{number}"
    # Only reached when other requests took the same slugs meanwhile.
    while True:
        yield f"{base}-{secrets.token_hex(3)}"


def insert_with_unique_slug(project, attempts=5):
    """Save the new project under the first free slug; a concurrent insert of the same slug retries."""
    for attempt, slug in enumerate(_slug_candidates(project.title), start=1):
        project.slug = slug
        try:
            with transaction.atomic():
                project.save(force_insert=True)
            return
        except IntegrityError:
            project.pk = None
            if attempt >= attempts or not Project.objects.filter(slug=slug).exists():
                raise
