"""Reads on projects: the public list and search, a project's page, the editor, the export.

Every function returns what its page shows in a fixed number of queries,
whatever the number of projects, steps or tags.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields

from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from fablab.core.locking import is_postgresql
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where
from machines.models import Machine
from machines.selectors import machines_for_public
from projects import permissions, search
from projects.models import (
    Comment,
    Material,
    Project,
    ProjectFile,
    ProjectStatus,
    Report,
    ReportStatus,
    Step,
    StepImage,
    Tag,
)


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    MOST_REMIXED = "remixed"


@dataclass(frozen=True)
class ProjectFilters:
    """The facets of the public list. Each takes a model instance, its key (pk or slug) or None."""

    machine: object = None
    tag: object = None
    licence: str = ""
    difficulty: str = ""
    lab: object = None
    sort: str = ""

    @classmethod
    def of(cls, filters):
        if filters is None:
            return cls()
        if isinstance(filters, cls):
            return filters
        if isinstance(filters, Mapping):
            names = {field.name for field in fields(cls)}
            return cls(**{name: value for name, value in filters.items() if name in names})
        raise TypeError("filters must be a ProjectFilters, a mapping or None")


FACET_CACHE_SECONDS = 300
MAX_SEARCH_RESULTS = 200

# Heavy columns no list shows: the search document and the long Markdown texts.
LIST_DEFERRED = ("search_vector", "search_text", "description", "what_went_wrong")


def projects_published():
    """Published projects, newest first, with what a card shows: 3 queries for any number of them."""
    return (
        Project.objects.filter(status=ProjectStatus.PUBLISHED)
        .select_related("owner", "lab")
        .defer(*LIST_DEFERRED)
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            Prefetch("machines", queryset=Machine.objects.only("pk", "name", "lab_id").order_by("name")),
        )
        .order_by("-published_at", "-pk")
    )


def project_search(query, filters=None):
    """Published projects matching the words of `query` and the facets of `filters`.

    With a query, the best matches come first (title, then summary and tags, then
    the rest) unless `filters.sort` asks for newest or most remixed. PostgreSQL uses
    the stored, GIN-indexed `search_vector`; SQLite its FTS5 table (projects/search.py).
    Same arguments and result on both.

    A query yields at most the `MAX_SEARCH_RESULTS` most recent matches: ranking
    and counting read every match, and a word such as "laser" is in a good share
    of a fab lab's projects. Past that many, people narrow the search anyway. Those
    matches are read when this is called (one query); the page and count follow.
    """
    filters = ProjectFilters.of(filters)
    words = search.query_words(query or "")
    sort = filters.sort or (Sort.RELEVANCE if words else Sort.NEWEST)
    projects = projects_published()
    if words:
        matches = _matching(_filtered(Project.objects.filter(status=ProjectStatus.PUBLISHED), filters), query)
        if matches is None:
            return projects.none()  # only punctuation: nothing to look for
        # Read once here, so that the page and its count do not both search again.
        newest = list(
            matches.order_by(*_newest_first(words, filters)).values_list("pk", flat=True)[:MAX_SEARCH_RESULTS]
        )
        if not is_postgresql() and sort != Sort.MOST_REMIXED:
            return FtsResults(projects, _fts_order(newest, query, relevance=sort == Sort.RELEVANCE))
        projects = _ranked(projects.filter(_pk_among(newest)), query)
    else:
        projects = _filtered(projects, filters)
    if sort == Sort.MOST_REMIXED:
        return projects.annotate(remix_count=_published_remix_count()).order_by("-remix_count", "-published_at", "-pk")
    if sort == Sort.RELEVANCE and words:
        return projects.order_by("-rank", "-published_at", "-pk")
    return projects.order_by("-published_at", "-pk")


def _newest_first(words, filters):
    """The order of the newest matches, written so that PostgreSQL picks the right plan.

    One word alone matches many projects: walking the published_at index until
    enough match is fastest. With more words or a facet, matches are few and that
    walk tests thousands of rows' search vectors (kilobytes each, out of line) in
    turn; sorting an expression the index does not hold makes PostgreSQL combine
    the indexes first (GIN, facets), then sort what is left: 230 ms → 23 ms for a
    common word with two facets on 100,000 projects.
    """
    narrow = len(words) > 1 or any(
        getattr(filters, name) for name in ("machine", "tag", "licence", "difficulty", "lab")
    )
    if is_postgresql() and narrow:
        published = ExpressionWrapper(F("published_at") + Value(dt.timedelta(0)), output_field=DateTimeField())
        return (published.desc(), "-pk")
    return ("-published_at", "-pk")


def _matching(projects, query):
    """`projects` narrowed to those matching `query`, or None when it holds no word to look for."""
    if is_postgresql():
        return projects.filter(search_vector=search.search_query(query))
    expression, excluded = search.fts_query(query)
    if expression:
        return projects.filter(pk__in=RawSQL(_FTS_MATCHES, [expression]))
    if not excluded:
        return None
    # Only exclusions ("-glue"): every project but those holding one of the words, as on PostgreSQL.
    for term in excluded:
        projects = projects.exclude(pk__in=RawSQL(_FTS_MATCHES, [search.fts_query(term)[0]]))
    return projects


_FTS_MATCHES = f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH %s"


def _pk_among(pks):
    """`pk IN (…)`; on PostgreSQL `pk = ANY(%s)` with one array parameter, as a thousand
    separate parameters cost more to send than the query takes to run."""
    if is_postgresql():
        return _EqualsAny(F("pk"), Value(pks, output_field=ArrayField(BigIntegerField())))
    return Q(pk__in=pks)


class _EqualsAny(Func):
    """`expression = ANY(array)` (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def _ranked(projects, query):
    """`projects` (all matching `query`) with their `rank`, higher for better matches."""
    if is_postgresql():
        return projects.annotate(rank=SearchRank(F("search_vector"), search.search_query(query)))
    return projects.annotate(rank=Value(0.0))  # SQLite, sorted by remixes: the rank is not used


def _fts_order(newest, query, *, relevance):
    """[(pk, rank)] of the `newest` matches, best first when `relevance`, else as given (SQLite).

    bm25() is only computed inside the FTS5 query that matches: asking it for these
    rows alone (a join, an IN) makes SQLite re-run the match per row. One pass over
    the matches between the smallest and the largest id is far cheaper (FTS5 seeks
    a rowid range; new projects have new ids, so the range is narrow); the rows
    outside `newest` are dropped here. The ranks are those of a pass over the whole
    table: bm25 takes its statistics from the whole index.
    """
    expression, _excluded = search.fts_query(query)
    ranks = {}
    if expression and newest:
        wanted = set(newest)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, {search.FTS_RANK} FROM {search.FTS_TABLE} "
                f"WHERE {search.FTS_TABLE} MATCH %s AND rowid BETWEEN %s AND %s",
                [expression, min(newest), max(newest)],
            )
            ranks = {pk: rank for pk, rank in cursor.fetchall() if pk in wanted}
    order = [(pk, ranks.get(pk, 0.0)) for pk in newest]
    if relevance:
        # Stable: equal ranks keep the newest first, as on PostgreSQL.
        order.sort(key=lambda item: -item[1])
    return order


class FtsResults:
    """The SQLite search result: a fixed order of at most `MAX_SEARCH_RESULTS` projects, of which
    only the slice asked for (a page, a feed) is read, in one query plus its prefetches.

    It offers what the list page, the API's pagination and the feed use of a queryset: `count()`,
    `len()`, slicing, iteration. Each project carries its `rank`.
    """

    def __init__(self, projects, order):
        self._projects = projects
        self._order = order

    def count(self):
        return len(self._order)

    def __len__(self):
        return len(self._order)

    def __bool__(self):
        return bool(self._order)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._read(self._order[index])
        return self._read([self._order[index]])[0]

    def __iter__(self):
        return iter(self._read(self._order))

    def _read(self, order):
        found = {project.pk: project for project in self._projects.filter(pk__in=[pk for pk, _ in order])}
        projects = []
        for pk, rank in order:
            if pk in found:
                found[pk].rank = rank
                projects.append(found[pk])
        return projects


def _filtered(projects, filters):
    if filters.machine:
        projects = projects.filter(machines=getattr(filters.machine, "pk", filters.machine))
    if filters.tag:
        tag = filters.tag
        projects = projects.filter(tags=tag) if isinstance(tag, Tag) else projects.filter(tags__slug=tag)
    if filters.licence:
        projects = projects.filter(licence=filters.licence)
    if filters.difficulty:
        projects = projects.filter(difficulty=filters.difficulty)
    if filters.lab:
        lab = filters.lab
        projects = projects.filter(lab=lab) if isinstance(lab, Lab) else projects.filter(lab__slug=lab)
    return projects


def _published_remix_count():
    remixes = (
        Project.objects.filter(remixed_from=OuterRef("pk"), status=ProjectStatus.PUBLISHED)
        .order_by()
        .values("remixed_from")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(remixes, output_field=IntegerField()), 0)


def _with_everything(projects):
    """A project's page: authors, lab, machines, tags, steps with their pictures, materials, files,
    comments and lineage, in 10 queries."""
    return (
        projects.select_related("owner", "lab", "remixed_from")
        .defer("search_vector", "search_text")
        .prefetch_related(
            Prefetch("collaborators"),
            Prefetch("machines", queryset=Machine.objects.select_related("lab").order_by("name")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            Prefetch(
                "steps",
                queryset=Step.objects.order_by("position").prefetch_related(
                    Prefetch("images", queryset=StepImage.objects.order_by("position"))
                ),
            ),
            Prefetch("materials", queryset=Material.objects.order_by("position")),
            Prefetch("files", queryset=ProjectFile.objects.order_by("position")),
            Prefetch(
                "comments",
                queryset=Comment.objects.filter(hidden=False).select_related("author").order_by("created_at", "pk"),
                to_attr="visible_comments",
            ),
            Prefetch(
                "remixes",
                queryset=Project.objects.filter(status=ProjectStatus.PUBLISHED)
                .only("pk", "slug", "title", "remixed_from_id", "published_at")
                .order_by("-published_at"),
                to_attr="published_remixes",
            ),
        )
    )


def project_for_public(slug, *, user=None):
    """The project's page: published, or a draft/hidden one that `user` may see; else `Project.DoesNotExist`."""
    project = _with_everything(Project.objects.all()).get(slug=slug)
    if user is None or not permissions.can_view(user, project):
        if project.status != ProjectStatus.PUBLISHED:
            raise Project.DoesNotExist
    return project


def project_for_editor(slug):
    """The project with everything the editor shows; the caller checks who may edit."""
    return _with_everything(Project.objects.all()).get(slug=slug)


def projects_of_author(user):
    """The projects `user` owns or collaborates on, drafts included, latest change first."""
    if not user.is_authenticated:
        return Project.objects.none()
    return (
        Project.objects.filter(Q(owner=user) | Q(collaborators=user))
        .distinct()
        .select_related("lab")
        .defer(*LIST_DEFERRED)
        .order_by("-updated_at")
    )


def facet_labs():
    """Labs that have at least one published project, for the lab filter."""
    published = Project.objects.filter(lab=OuterRef("pk"), status=ProjectStatus.PUBLISHED)
    return Lab.objects.filter(Exists(published)).order_by("name")


def facet_machines():
    """Machines used by at least one published project, for the machine filter."""
    uses = Project.machines.through.objects.filter(machine=OuterRef("pk"), project__status=ProjectStatus.PUBLISHED)
    return Machine.objects.filter(Exists(uses)).select_related("lab").order_by("lab__name", "name")


def facet_machine_choices():
    """[(id, "name (lab)")] of `facet_machines`, as plain tuples: a network has hundreds of machines,
    and building a model instance per option cost more than the search."""
    rows = facet_machines().values_list("pk", "name", "lab__name")
    return [(pk, f"{name} ({lab})") for pk, name, lab in rows]


def facet_tags():
    """Tags of at least one published project, most used first then by name."""
    return (
        Tag.objects.filter(projects__status=ProjectStatus.PUBLISHED)
        .annotate(uses=Count("projects"))
        .order_by("-uses", "name")
    )


def facet_tag_choices(limit):
    """[(slug, name)] of the `limit` most used tags. Counting them reads every published
    project's tags, so the answer is kept for a few minutes: a new tag shows up late
    in the list, which is harmless (a link with `?tag=` still works, see the form)."""
    return cache.get_or_set(
        f"projects:facet-tags:{limit}",
        lambda: [(tag.slug, tag.name) for tag in facet_tags()[:limit]],
        FACET_CACHE_SECONDS,
    )


def projects_for_export():
    """Every published project with what the open-data export lists; iterate it in chunks."""
    return (
        Project.objects.filter(status=ProjectStatus.PUBLISHED)
        .select_related("owner", "lab", "remixed_from")
        .only(
            "pk",
            "slug",
            "title",
            "summary",
            "difficulty",
            "duration_minutes",
            "licence",
            "status",
            "published_at",
            "updated_at",
            "cover",
            "owner__full_name",
            "lab__slug",
            "lab__name",
            "remixed_from__slug",
            "remixed_from__status",
        )  # fmt: skip
        .prefetch_related(
            Prefetch("collaborators", queryset=get_user_model().objects.only("pk", "full_name")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            Prefetch("machines", queryset=Machine.objects.only("pk", "name").order_by("name")),
            Prefetch(
                "files",
                queryset=ProjectFile.objects.only("pk", "project_id", "name", "kind", "size_bytes", "sha256").order_by(
                    "position"
                ),
            ),
        )
        .order_by("pk")
    )


def projects_for_personal_data(user):
    """The GDPR export's section: the projects a person owns or helps write."""
    return [
        {
            "slug": project.slug,
            "title": project.title,
            "status": project.status,
            "role": "owner" if project.owner_id == user.pk else "collaborator",
            "created_at": project.created_at.isoformat(),
            "published_at": project.published_at.isoformat() if project.published_at else None,
        }
        for project in projects_of_author(user).order_by("created_at")
    ]


def comments_for_personal_data(user):
    """The GDPR export's section: the comments a person wrote and the reports they made."""
    return {
        "comments": [
            {
                "project": comment.project.slug,
                "body": comment.body,
                "created_at": comment.created_at.isoformat(),
                "hidden": comment.hidden,
            }
            for comment in Comment.objects.filter(author=user).select_related("project").order_by("created_at")
        ],
        "reports": [
            {
                "project": report.project.slug,
                "comment": report.comment_id,
                "reason": report.reason,
                "status": report.status,
                "created_at": report.created_at.isoformat(),
            }
            for report in Report.objects.filter(reporter=user).select_related("project").order_by("created_at")
        ],
    }


MODERATION_LIST_SIZE = 50


def moderation_queue(user):
    """What the moderator `user` has to look at in the labs they moderate: open reports, oldest
    first, and what is hidden now (to restore), newest first. Four queries."""
    labs = labs_where(user, Action.MODERATE, Lab.objects.all())
    reports = list(
        Report.objects.filter(status=ReportStatus.OPEN, project__lab__in=labs)
        .select_related("project", "project__lab", "comment", "comment__author", "reporter")
        .defer("project__search_vector", "project__search_text", "project__description", "project__what_went_wrong")
        .order_by("created_at", "pk")[:MODERATION_LIST_SIZE]
    )
    hidden_projects = list(
        Project.objects.filter(status=ProjectStatus.HIDDEN, lab__in=labs)
        .select_related("lab")
        .defer(*LIST_DEFERRED)
        .order_by("-updated_at")[:MODERATION_LIST_SIZE]
    )
    hidden_comments = list(
        Comment.objects.filter(hidden=True, project__lab__in=labs)
        .select_related("project", "author")
        .only("pk", "body", "hidden_reason", "hidden_at", "project__slug", "project__title", "author__full_name")
        .order_by("-hidden_at")[:MODERATION_LIST_SIZE]
    )
    return {"reports": reports, "hidden_projects": hidden_projects, "hidden_comments": hidden_comments}


# Bookings that mean the member used the machine. Named here rather than imported: bookings
# sits beside projects, not under it, so projects only follows the `Machine.bookings` relation.
USED_BOOKING_STATUSES = ("confirmed", "checked_in")


def machines_for_author(user):
    """The catalogue's machines for the editor, those `user` booked first (`booked` is True on them)."""
    machines = machines_for_public()
    if not user.is_authenticated:
        return machines.annotate(booked=Value(False, output_field=BooleanField()))
    booked = Machine.objects.filter(
        pk=OuterRef("pk"), bookings__member=user, bookings__status__in=USED_BOOKING_STATUSES
    )
    return machines.annotate(booked=Exists(booked)).order_by("-booked", "lab__name", "name")
