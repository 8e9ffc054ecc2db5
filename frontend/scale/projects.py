"""Published projects with steps, materials, tags and machines, and their search columns.

Words come from a 20,000-word vocabulary drawn with Zipf's law (a few words in
a fifth of the projects, most in few), so that searches meet both common and rare words.
On PostgreSQL the rows go through a temporary table and are copied into
`projects_project` with their tsvector computed in SQL, as `projects.search`
defines it: every weight under both configurations.
"""

import datetime as dt
import itertools

from django.db import connection
from django.utils.text import slugify

from frontend.scale.writer import Ids, Writer, column, is_postgresql, table
from projects.licences import LICENCES
from projects.models import Difficulty, Material, Project, Step, Tag
from projects.search import CONFIGS, FTS_TABLE, MAX_PART_CHARACTERS, fold, fts_columns

MAKER_WORDS = """
lamp box laser plywood acrylic arduino sensor printer filament stool shelf clock speaker drone robot
garden planter birdhouse keychain puzzle chess board game sign engraving stencil mould resin lithophane
enclosure bracket hinge gear pulley servo motor led strip neopixel raspberry camera weather station
lampe boîte découpe contreplaqué capteur imprimante étagère horloge enceinte jardinière nichoir
jeu plateau gravure pochoir moule engrenage poulie moteur bois carton tissu broderie vinyle
""".split()
SYLLABLES = "ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta te ti to va ve vi vo za zo".split()  # noqa: E501
STAGING = "scale_projects_staging"
ZIPF_OFFSET = 300
PROJECT_FIELDS = [
    "id",
    "title",
    "slug",
    "summary",
    "description",
    "cover",
    "cover_thumbnail",
    "cover_alt",
    "difficulty",
    "duration_minutes",
    "licence",
    "lab",
    "owner",
    "what_went_wrong",
    "status",
    "hidden_reason",
    "published_at",
    "created_at",
    "updated_at",
    "search_text",
]


def vocabulary(rng, size=20_000):
    words = list(dict.fromkeys(MAKER_WORDS))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _n in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    # Zipf-Mandelbrot: the offset stands for the stop words no index keeps, so that the
    # most common word is in about one project in five, not in all of them.
    weights = list(itertools.accumulate(1 / (rank + ZIPF_OFFSET) for rank in range(1, len(words) + 1)))
    return words, weights


def _folded(text):
    return text.lower() if text.isascii() else fold(text)


def build_projects(sizes, rng, labs, period, now, progress):
    words, weights = vocabulary(rng)

    def phrase(low, high):
        return " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(low, high)))

    tags = [(Ids(Tag).next + n, word) for n, word in enumerate(words[:300])]
    with Writer(Tag, ["id", "name", "slug"]) as write:
        for tag_id, word in tags:
            write((tag_id, word, f"scale-{slugify(word)}-{tag_id}"))
    project_ids = Ids(Project)
    ids = {"step": Ids(Step), "material": Ids(Material)}
    first_day, _last_day = period
    start = dt.datetime.combine(first_day, dt.time(12), tzinfo=dt.UTC)
    span = (now - start).total_seconds()
    postgresql = is_postgresql()
    if postgresql:
        _create_staging()
    staging = {"into": STAGING, "extra": ["part_a", "part_b", "part_c", "part_d"]} if postgresql else {}
    children = {"steps": [], "materials": [], "tags": [], "machines": [], "fts": []}
    # One COPY at a time on a connection: the projects first, then what hangs from them.
    with Writer(Project, PROJECT_FIELDS, progress=progress, **staging) as write_project:
        for _n in range(sizes.projects):
            write_project(_project(rng, phrase, project_ids.one(), labs, tags, start, span, children, ids))
    if postgresql:
        _copy_from_staging()
    else:
        _fill_fts(children["fts"])
    with Writer(Step, ["id", "project", "position", "title", "body"]) as write:
        for row in children["steps"]:
            write(row)
    with Writer(Material, ["id", "project", "position", "item", "quantity", "unit", "link", "note"]) as write:
        for row in children["materials"]:
            write(row)
    with Writer(Project.tags.through, ["project", "tag"]) as write:
        for row in children["tags"]:
            write(row)
    with Writer(Project.machines.through, ["project", "machine"]) as write:
        for row in children["machines"]:
            write(row)


def _create_staging():
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} AS "
            f"SELECT {', '.join(column(Project, name) for name in PROJECT_FIELDS)}, "
            f"''::text AS part_a, ''::text AS part_b, ''::text AS part_c, ''::text AS part_d "
            f"FROM {table(Project)} WITH NO DATA"
        )


def _fill_fts(rows, batch=5_000):
    """SQLite: the FTS5 rows `projects/search.py` queries, as `_reindex` writes them."""
    with connection.cursor() as cursor:
        for first in range(0, len(rows), batch):
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, a, b, c, d) VALUES (%s, %s, %s, %s, %s)", rows[first : first + batch]
            )


def _copy_from_staging():
    vector = " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, part_{weight.lower()}), '{weight}')"
        for weight in "ABCD"
        for config in CONFIGS
    )
    columns = ", ".join(column(Project, name) for name in PROJECT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(Project)} ({columns}, search_vector) SELECT {columns}, {vector} FROM {STAGING}"
        )
        cursor.execute(f"DROP TABLE {STAGING}")


LICENCE_IDS = list(LICENCES)
DIFFICULTIES = list(Difficulty.values)


def _project(rng, phrase, project_id, labs, tags, start, span, children, ids):
    """One project's row (with its search parts); its steps, materials, tags, machines go to `children`."""
    lab = labs[0] if rng.random() < 0.3 else rng.choice(labs)
    owner = rng.choice(lab["members"] or lab["staff"])
    title = phrase(2, 5).capitalize()
    summary = phrase(10, 22).capitalize() + "."
    description = "\n\n".join(phrase(20, 60).capitalize() + "." for _p in range(rng.randint(1, 3)))
    wrong = phrase(10, 30).capitalize() + "." if rng.random() < 0.4 else ""
    steps = [(phrase(2, 5).capitalize(), phrase(15, 50).capitalize() + ".") for _s in range(rng.randint(2, 5))]
    materials = [(phrase(1, 3), rng.randint(1, 20)) for _m in range(rng.randint(0, 3))]
    project_tags = rng.sample(tags, rng.randint(1, 4))
    published = start + dt.timedelta(seconds=rng.random() * span)
    for position, (step_title, body) in enumerate(steps, start=1):
        children["steps"].append((ids["step"].one(), project_id, position, step_title, body))
    for position, (item, quantity) in enumerate(materials, start=1):
        children["materials"].append((ids["material"].one(), project_id, position, item, quantity, "pcs", "", ""))
    children["tags"].extend((project_id, tag_id) for tag_id, _name in project_tags)
    used = rng.sample(lab["machines"], min(len(lab["machines"]), rng.randint(0, 2)))
    children["machines"].extend((project_id, machine["id"]) for machine in used)
    parts = {
        "A": _folded(title),
        "B": _folded(" ".join([summary, *(name for _id, name in project_tags)])),
        "C": _folded(" ".join([description, *(f"{t} {b}" for t, b in steps)])),
        "D": _folded(" ".join([*(item for item, _q in materials), wrong])),
    }
    parts = {weight: text[: MAX_PART_CHARACTERS[weight]] for weight, text in parts.items()}
    row = (
        project_id,
        title[:120],
        f"{slugify(title)[:60]}-{project_id}",
        summary[:300],
        description,
        "",
        "",
        "",
        rng.choice(DIFFICULTIES),
        rng.choice((30, 60, 120, 240, 480)),
        rng.choice(LICENCE_IDS),
        lab["id"],
        owner,
        wrong,
        "published",
        "",
        published,
        published - dt.timedelta(days=rng.randint(1, 60)),
        published,
        "\n".join(parts[weight] for weight in "ABCD"),
    )
    if is_postgresql():
        row += (parts["A"], parts["B"], parts["C"], parts["D"])
    else:
        children["fts"].append((project_id, *fts_columns(parts)))
    return row
