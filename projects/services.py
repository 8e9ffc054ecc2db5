"""Writes on projects. The HTML editor, the API and the admin call these.

Every function validates everything before it writes, and writes in one
transaction: bad input raises `ProjectError` (or `NotAllowedError`) and changes
nothing. Writes on one project lock its row first, so that two editors moving
steps or publishing at the same moment queue instead of interleaving; the
positions of steps and materials stay 1..n without gaps, which the unique
constraints on (project, position) guard.

After a change to searchable text the services refresh the project's search
columns (`_reindex`), so that readers never compute them.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fablab.core.cache import PROJECTS_SCOPE, bump
from fablab.core.errors import DomainError, NotAllowedError
from fablab.core.locking import is_postgresql, lock_rows
from machines.images import photo_file_name, process_machine_photo
from machines.selectors import machines_for_public
from projects import permissions, search
from projects.licences import LICENCES
from projects.models import (
    MAX_MATERIALS,
    MAX_STEPS,
    MAX_TAGS,
    Difficulty,
    Material,
    Project,
    ProjectStatus,
    Step,
    Tag,
)
from projects.slugs import insert_with_unique_slug

# Copyleft ("ShareAlike", reciprocal) licences: an adaptation must be shared under the
# same licence, so a remix of a project under one of them keeps it (`project_update`).
SHARE_ALIKE_LICENCES = frozenset({"CC-BY-SA-4.0", "CC-BY-NC-SA-4.0", "CERN-OHL-S-2.0", "GPL-3.0-or-later"})

# Path segments of /projects/ that a slug must never shadow.
# Positions are moved out of the way, then to their final place: see `_renumber`.
RENUMBER_OFFSET = 1_000_000

EDITABLE_FIELDS = frozenset(
    {
        "title",
        "summary",
        "description",
        "difficulty",
        "duration_minutes",
        "licence",
        "lab",
        "machines",
        "tags",
        "what_went_wrong",
        "cover",
        "cover_alt",
    }
)


class ProjectError(DomainError):
    default_code = "invalid_project"


# --- projects -------------------------------------------------------------------


def project_create(
    *,
    owner,
    lab,
    title,
    summary="",
    description="",
    difficulty=Difficulty.BEGINNER,
    duration_minutes=None,
    licence="",
    machines=(),
    tags=(),
    what_went_wrong="",
    cover=None,
    cover_alt="",
) -> Project:
    """A new draft owned by `owner`, with a slug made unique from its title.

    `cover` is an uploaded image: it is checked and re-encoded before anything
    is written (see machines/images.py), and a bad one refuses the whole project.
    """
    if not owner.is_authenticated or not owner.is_active:
        raise NotAllowedError(_("Log in to document a project."))
    project = Project(
        owner=owner,
        lab=lab,
        title=title,
        summary=summary,
        description=description,
        difficulty=difficulty,
        duration_minutes=duration_minutes,
        licence=licence,
        what_went_wrong=what_went_wrong,
        cover_alt=cover_alt,
    )
    _check_lab(lab)
    _check_licence(licence)
    _validate(project, exclude=["slug"])
    machines = _public_machines(machines)
    tag_names = _tag_names(tags)
    processed_cover = _processed_cover(cover)  # before the transaction: decoding takes time
    with transaction.atomic():
        insert_with_unique_slug(project)
        project.machines.set(machines)
        project.tags.set(_tags_for(tag_names))
        _store_cover(project, processed_cover)
        _reindex(project)
    return project


def project_update(*, project, by, **fields) -> Project:
    """Change the fields named in `EDITABLE_FIELDS`; authors only. Returns the project as saved.

    `machines` and `tags` replace the current sets; `cover` takes an uploaded
    image, or False to remove the cover. The slug never changes.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"project_update() got fields it cannot change: {', '.join(sorted(unknown))}")
    _require_author(project, by)
    if "licence" in fields:
        _check_licence(fields["licence"])
    if "lab" in fields:
        _check_lab(fields["lab"])
    machines = _public_machines(fields.pop("machines")) if "machines" in fields else None
    tag_names = _tag_names(fields.pop("tags")) if "tags" in fields else None
    processed_cover = _processed_cover(fields.pop("cover", None))
    with transaction.atomic():
        project = _locked(project)
        _require_author(project, by)
        if "licence" in fields:
            _check_share_alike(project, fields["licence"])
        for name, value in fields.items():
            setattr(project, name, value)
        _validate(project)
        project.updated_at = timezone.now()
        project.save(update_fields=[*fields, "updated_at"])
        if machines is not None:
            project.machines.set(machines)
        if tag_names is not None:
            project.tags.set(_tags_for(tag_names))
        _store_cover(project, processed_cover)
        _reindex(project)
    return project


def project_publish(*, project, by) -> Project:
    """Make the project public. It needs a summary, a licence and at least one step."""
    with transaction.atomic():
        project = _locked(project)
        _require_author(project, by)
        if project.status == ProjectStatus.HIDDEN:
            raise ProjectError(
                _("The moderators hid this project; it can be published again once they restore it."),
                code="project_hidden",
            )
        if project.status == ProjectStatus.PUBLISHED:
            return project
        if not project.summary.strip():
            raise ProjectError(_("Write a summary before publishing."), code="summary_missing", field="summary")
        if not project.licence:
            raise ProjectError(_("Choose a licence before publishing."), code="licence_missing", field="licence")
        if not project.steps.exists():
            raise ProjectError(_("Add at least one step before publishing."), code="steps_missing", field="steps")
        project.status = ProjectStatus.PUBLISHED
        project.published_at = project.published_at or timezone.now()
        project.save(update_fields=["status", "published_at"])
    return project


def project_unpublish(*, project, by) -> Project:
    """Back to draft: only its authors and the lab's moderators see it. A hidden project stays hidden."""
    with transaction.atomic():
        project = _locked(project)
        _require_author(project, by)
        if project.status == ProjectStatus.HIDDEN:
            raise ProjectError(_("The moderators hid this project."), code="project_hidden")
        if project.status == ProjectStatus.PUBLISHED:
            project.status = ProjectStatus.DRAFT
            project.save(update_fields=["status"])
    return project


def project_remix(*, project, by) -> Project:
    """A new draft owned by `by` that starts as a copy of the published `project`, linked to it.

    Any signed-in member may remix a published project (their own too). The copy
    stays in the original's lab and takes its texts, difficulty, duration,
    machines still in the catalogue, tags, steps and materials, and its licence:
    under a ShareAlike/reciprocal licence (`SHARE_ALIKE_LICENCES`) the remix must
    keep it, which `project_update` enforces. Project creation and publication
    need no check: a remix is only ever made here, with the original's licence.
    The rule compares with the original's current licence; an original relicensed
    since is the authors' matter, not something this check can settle.

    The files (drawings, models) are copied too: they are what a remix starts from.

    Not copied: the collaborators (the remix is `by`'s own), the status (always a
    draft), the cover image with its description and the steps' pictures: the
    remixer takes pictures of what they made, and the original's would show
    someone else's work.
    """
    from projects.attachments import project_files_copy  # attachments builds on this module

    if not by.is_authenticated or not by.is_active:
        raise NotAllowedError(_("Log in to remix a project."))
    with transaction.atomic():
        # Locked so that the copy is one version of the original, not the steps from
        # before an author's edit and the materials from after it.
        original = _locked(project)
        if original.status != ProjectStatus.PUBLISHED:
            raise ProjectError(_("Only a published project can be remixed."), code="not_published")
        _check_lab(original.lab)
        title_field = Project._meta.get_field("title")
        remix = Project(
            owner=by,
            lab=original.lab,
            title=(_("Remix of %(title)s") % {"title": original.title})[: title_field.max_length],
            summary=original.summary,
            description=original.description,
            difficulty=original.difficulty,
            duration_minutes=original.duration_minutes,
            licence=original.licence,
            what_went_wrong=original.what_went_wrong,
            remixed_from=original,
        )
        _validate(remix, exclude=["slug"])
        insert_with_unique_slug(remix)
        # A machine retired since the original was written is left out rather than refused:
        # the remixer will pick the machines they use.
        remix.machines.set(machines_for_public().filter(projects=original))
        remix.tags.set(original.tags.all())
        Step.objects.bulk_create(
            Step(project=remix, position=step.position, title=step.title, body=step.body)
            for step in original.steps.order_by("position")
        )
        Material.objects.bulk_create(
            Material(
                project=remix,
                position=material.position,
                item=material.item,
                quantity=material.quantity,
                unit=material.unit,
                link=material.link,
                note=material.note,
            )
            for material in original.materials.order_by("position")
        )
        _reindex(remix)
        # Last: it writes to the storage, and removes what it wrote if it fails.
        project_files_copy(original=original, remix=remix, by=by)
    return remix


def project_collaborator_add(*, project, by, user) -> Project:
    """The owner invites another member to edit the project with them."""
    if not permissions.can_manage_collaborators(by, project):
        raise NotAllowedError(_("Only the project's owner can add or remove collaborators."))
    if not user.is_active:
        raise ProjectError(_("This account is closed."), code="inactive_user", field="user")
    if user.pk == project.owner_id:
        raise ProjectError(_("The owner is already an author of the project."), code="already_author", field="user")
    with transaction.atomic():
        project = _locked(project)
        project.collaborators.add(user)
    return project


def project_collaborator_remove(*, project, by, user) -> Project:
    """The owner removes a collaborator; a collaborator may also leave on their own."""
    if user.pk != by.pk and not permissions.can_manage_collaborators(by, project):
        raise NotAllowedError(_("Only the project's owner can add or remove collaborators."))
    if not permissions.is_author(by, project):
        raise NotAllowedError(_("Only the project's authors can change it."))
    with transaction.atomic():
        project = _locked(project)
        project.collaborators.remove(user)
    return project


# --- steps --------------------------------------------------------------------


def step_add(*, project, by, title, body="") -> Step:
    """A new step after the last one."""
    with transaction.atomic():
        project = _locked(project)
        _require_author(project, by)
        count = project.steps.count()
        if count >= MAX_STEPS:
            raise ProjectError(
                _("A project has at most %(count)s steps.") % {"count": MAX_STEPS}, code="too_many_steps"
            )
        step = Step(project=project, position=count + 1, title=title, body=body)
        _validate(step)
        step.save()
        _reindex(project)
    return step


def step_update(*, step, by, title=None, body=None) -> Step:
    with transaction.atomic():
        project = _locked(step.project)
        _require_author(project, by)
        step = _current(project.steps, step)
        if title is not None:
            step.title = title
        if body is not None:
            step.body = body
        _validate(step)
        step.save(update_fields=["title", "body"])
        _reindex(project)
    return step


def step_delete(*, step, by) -> None:
    with transaction.atomic():
        project = _locked(step.project)
        _require_author(project, by)
        step = _current(project.steps, step)
        remaining = [pk for pk in project.steps.values_list("pk", flat=True) if pk != step.pk]
        if project.status != ProjectStatus.DRAFT and not remaining:
            raise ProjectError(
                _("A published project keeps at least one step. Add another step first, or unpublish it."),
                code="last_step",
            )
        pictures = [name for image in step.images.all() for name in (image.image.name, image.thumbnail.name)]
        step.delete()
        _renumber(Step, project, remaining)
        _reindex(project)
    # The pictures' files go once the rows are gone for good.
    transaction.on_commit(lambda: [default_storage.delete(name) for name in pictures])


def step_move(*, step, by, position) -> Step:
    """Move the step to `position` (1 for first); the steps in between shift by one."""
    with transaction.atomic():
        project = _locked(step.project)
        _require_author(project, by)
        step = _current(project.steps, step)
        order = list(project.steps.values_list("pk", flat=True))
        if not isinstance(position, int) or not 1 <= position <= len(order):
            raise ProjectError(
                _("A step can only move to a position from 1 to %(count)s.") % {"count": len(order)},
                code="invalid_position",
                field="position",
            )
        order.remove(step.pk)
        order.insert(position - 1, step.pk)
        _renumber(Step, project, order)
        project.updated_at = timezone.now()
        project.save(update_fields=["updated_at"])
    step.refresh_from_db(fields=["position"])
    return step


# --- bill of materials ---------------------------------------------------------


def material_add(*, project, by, item, quantity, unit="", link="", note="") -> Material:
    """A new line at the end of the bill of materials."""
    with transaction.atomic():
        project = _locked(project)
        _require_author(project, by)
        count = project.materials.count()
        if count >= MAX_MATERIALS:
            raise ProjectError(
                _("A bill of materials has at most %(count)s lines.") % {"count": MAX_MATERIALS},
                code="too_many_materials",
            )
        material = Material(
            project=project, position=count + 1, item=item, quantity=quantity, unit=unit, link=link, note=note
        )
        _validate(material)
        material.save()
        _reindex(project)
    return material


def material_remove(*, material, by) -> None:
    with transaction.atomic():
        project = _locked(material.project)
        _require_author(project, by)
        material = _current(project.materials, material)
        material.delete()
        _renumber(Material, project, list(project.materials.values_list("pk", flat=True)))
        _reindex(project)


# --- helpers --------------------------------------------------------------------


def _require_author(project, by):
    if not permissions.is_author(by, project):
        raise NotAllowedError(_("Only the project's authors can change it."))


def _locked(project):
    return lock_rows(Project.objects.filter(pk=project.pk)).get()


def _current(related, obj):
    """`obj` re-read under the project's lock; gone meanwhile (another tab deleted it) is an error."""
    try:
        return related.get(pk=obj.pk)
    except related.model.DoesNotExist:
        raise ProjectError(_("This line no longer exists; reload the page."), code="gone") from None


def _check_licence(licence):
    if licence and licence not in LICENCES:
        raise ProjectError(
            _("“%(licence)s” is not a licence we offer. Choose one of: %(choices)s.")
            % {"licence": str(licence)[:40], "choices": ", ".join(LICENCES)},
            code="unknown_licence",
            field="licence",
        )


def _check_share_alike(project, licence):
    """A remix of a ShareAlike project keeps the original's licence (see `project_remix`)."""
    original = project.remixed_from
    if original is None or original.licence not in SHARE_ALIKE_LICENCES or licence == original.licence:
        return
    raise ProjectError(
        _(
            "“%(title)s” is shared under %(licence)s, which asks that its remixes keep the same licence. "
            "Keep %(licence)s for this remix."
        )
        % {"title": original.title, "licence": original.licence},
        code="share_alike",
        field="licence",
    )


def _check_lab(lab):
    if lab is None or not lab.is_active:
        raise ProjectError(_("Choose an open lab."), code="lab_closed", field="lab")


def _validate(instance, *, exclude=()):
    """Model validation (lengths, choices, URLs, check constraints) as a `ProjectError` on the first field."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ProjectError(messages[0], code="invalid", field=None if field == NON_FIELD_ERRORS else field) from error


def _public_machines(machines):
    wanted = {getattr(machine, "pk", machine) for machine in machines or ()}
    if not wanted:
        return []
    try:
        found = list(machines_for_public().filter(pk__in=wanted))
    except (TypeError, ValueError):
        found = []
    if len(found) != len(wanted):
        raise ProjectError(_("One of the machines is not in the catalogue."), code="unknown_machine", field="machines")
    return found


def _tag_names(tags):
    """{slug: name} of the tags as typed (spaces tidied), or `ProjectError`."""
    names = {}
    for raw in tags or ():
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > Tag._meta.get_field("name").max_length:
            raise ProjectError(_("A tag has at most 40 characters."), code="invalid_tag", field="tags")
        slug = slugify(name)[:50]
        if not slug:
            raise ProjectError(
                _("“%(tag)s” cannot be a tag: use letters or digits.") % {"tag": name}, code="invalid_tag", field="tags"
            )
        names.setdefault(slug, name)
    if len(names) > MAX_TAGS:
        raise ProjectError(
            _("A project has at most %(count)s tags.") % {"count": MAX_TAGS}, code="too_many_tags", field="tags"
        )
    return names


def _tags_for(names):
    """The Tag rows for {slug: name}, created when new (the first spelling names the tag)."""
    tags = {tag.slug: tag for tag in Tag.objects.filter(slug__in=names)}
    for slug, name in names.items():
        if slug not in tags:
            tags[slug], _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
    return [tags[slug] for slug in names]


def _processed_cover(cover):
    """(photo, thumbnail) from an uploaded image; None (keep) and False (remove) pass through."""
    if cover is None or cover is False:
        return cover
    try:
        return process_machine_photo(cover)
    except ValidationError as error:
        raise ProjectError(error.messages[0], code="invalid_image", field="cover") from error


def _store_cover(project, processed):
    if processed is None:
        return
    old_names = [name for name in (project.cover.name, project.cover_thumbnail.name) if name]
    if processed is False:
        project.cover = project.cover_thumbnail = ""
        project.cover_width = project.cover_height = None
        project.cover_thumbnail_width = project.cover_thumbnail_height = None
    else:
        photo, thumbnail = processed
        photo.name = thumbnail.name = photo_file_name(project.slug)
        project.cover, project.cover_thumbnail = photo, thumbnail
        project.cover_width, project.cover_height = photo.width, photo.height
        project.cover_thumbnail_width, project.cover_thumbnail_height = thumbnail.width, thumbnail.height
    project.save(
        update_fields=[
            "cover",
            "cover_width",
            "cover_height",
            "cover_thumbnail",
            "cover_thumbnail_width",
            "cover_thumbnail_height",
        ]
    )
    # The previous files go only once the new ones are committed: a rollback keeps them.
    transaction.on_commit(lambda: [default_storage.delete(name) for name in old_names])


def _renumber(model, project, ordered_pks):
    """Give `ordered_pks` the positions 1..n in two statements that never collide.

    A single `UPDATE … SET position = …` could hit the unique (project, position)
    constraint halfway, as both databases check it row by row: first every row
    moves above any real position, then each takes its final one.
    """
    rows = model.objects.filter(project=project)
    rows.update(position=F("position") + RENUMBER_OFFSET)
    if ordered_pks:
        rows.update(
            position=Case(
                *(When(pk=pk, then=Value(index)) for index, pk in enumerate(ordered_pks, start=1)),
                output_field=IntegerField(),
            )
        )


def _reindex(project):
    """Refresh the project's search columns from what is now stored, and its `updated_at`."""
    parts = search.search_parts(
        project,
        steps=project.steps.order_by("position").values_list("title", "body"),
        tags=project.tags.values_list("name", flat=True),
        materials=project.materials.order_by("position").values_list("item", "note"),
    )
    values = {"search_text": search.search_text(parts), "updated_at": timezone.now()}
    if is_postgresql():
        values["search_vector"] = search.search_vector(parts)
    else:
        search.fts_store(project.pk, parts)
    Project.objects.filter(pk=project.pk).update(**values)
    bump(PROJECTS_SCOPE)  # the UPDATE sends no signal; the feeds show `updated_at`
