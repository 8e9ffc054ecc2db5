"""Full-text search and facets over published projects, on PostgreSQL and on SQLite."""

import datetime as dt

import pytest
from django.db import connection

from projects.models import ProjectStatus
from projects.selectors import ProjectFilters, project_search
from projects.services import material_add, project_create, project_publish, step_add
from tests.factories import LabFactory, MachineFactory
from tests.projects.factories import DraftFactory, ProjectFactory, TagFactory

pytestmark = pytest.mark.django_db


def titles(query="", **filters):
    return [project.title for project in project_search(query, ProjectFilters(**filters))]


@pytest.fixture
def catalogue(world):
    """Three published projects written through the services, as members would."""

    def publish(title, summary, *, steps=(), tags=(), materials=(), **fields):
        project = project_create(
            owner=world.member, lab=world.lab, title=title, summary=summary, licence="CC-BY-4.0", tags=tags, **fields
        )
        for step in steps:
            step_add(project=project, by=world.member, title=step, body=f"{step} carefully.")
        for item in materials:
            material_add(project=project, by=world.member, item=item, quantity=1)
        return project_publish(project=project, by=world.member)

    return {
        "lamp": publish(
            "Plywood lamp",
            "A lamp cut from one sheet.",
            steps=["Cut the panels", "Glue the joints"],
            tags=["lighting"],
            materials=["LED strip"],
        ),
        "box": publish(
            "Finger-joint box",
            "Boxes for the lamp parts.",
            steps=["Engrave the lid"],
            tags=["storage"],
            materials=["Poplar plywood"],
        ),
        "robot": publish(
            "Découpe d'un robot",
            "Un robot articulé en carton.",
            steps=["Assembler les bras"],
            tags=["robotique"],
            materials=["Servomoteur"],
        ),
    }


class TestProjectSearch:
    def test_it_finds_by_title(self, catalogue):
        assert titles("lamp")[0] == "Plywood lamp"

    def test_it_finds_by_step_text(self, catalogue):
        assert titles("engrave") == ["Finger-joint box"]

    def test_it_finds_by_tag(self, catalogue):
        assert titles("lighting") == ["Plywood lamp"]

    def test_it_finds_by_material(self, catalogue):
        assert titles("servomoteur") == ["Découpe d'un robot"]
        assert titles("LED strip") == ["Plywood lamp"]

    def test_it_ignores_accents_and_case(self, catalogue):
        assert titles("DECOUPE") == ["Découpe d'un robot"]
        assert titles("articulé") == ["Découpe d'un robot"]

    def test_it_needs_every_word(self, catalogue):
        assert titles("plywood glue") == ["Plywood lamp"]
        assert titles("plywood robot") == []

    def test_it_ranks_title_matches_first(self, catalogue):
        # "lamp" is in the lamp's title and only in the box's summary.
        assert titles("lamp") == ["Plywood lamp", "Finger-joint box"]
        # "plywood" is in the lamp's title and only in the box's materials.
        assert titles("plywood") == ["Plywood lamp", "Finger-joint box"]

    def test_it_never_finds_drafts_or_hidden_projects(self, world, catalogue):
        DraftFactory(title="Secret lamp", owner=world.member, lab=world.lab)
        ProjectFactory(title="Hidden lamp", status=ProjectStatus.HIDDEN)
        assert "Secret lamp" not in titles("lamp")
        assert "Hidden lamp" not in titles("lamp")

    def test_an_empty_query_lists_everything_newest_first(self, catalogue):
        assert titles("") == ["Découpe d'un robot", "Finger-joint box", "Plywood lamp"]
        assert titles("   ") == titles("")

    def test_it_takes_wildcards_and_quotes_as_plain_text(self, catalogue):
        assert titles("%") == []
        assert titles("_") == []
        assert titles('"plywood lamp"') == ["Plywood lamp"]

    def test_it_stems_english_and_french_words(self, catalogue):
        assert titles("boxes") == ["Finger-joint box"]
        assert titles("gluing") == ["Plywood lamp"]
        assert titles("robots") == ["Découpe d'un robot"]
        assert titles("articulés") == ["Découpe d'un robot"]

    def test_it_excludes_words_with_a_minus(self, catalogue):
        assert titles("lamp -engrave") == ["Plywood lamp"]

    def test_it_understands_or(self, catalogue):
        assert sorted(titles("engrave or servomoteur")) == ["Découpe d'un robot", "Finger-joint box"]


class TestProjectFacets:
    def test_it_filters_by_machine_tag_licence_difficulty_and_lab(self, world):
        laser = MachineFactory(lab=world.lab, name="Laser")
        printer = MachineFactory(lab=world.lab, name="Printer")
        brest = LabFactory(slug="brest")
        tag = TagFactory(name="lighting")
        ProjectFactory(title="Laser lamp", machines=[laser], tags=[tag], lab=world.lab, licence="MIT")
        ProjectFactory(title="Printed vase", machines=[printer], lab=brest, difficulty="advanced")
        DraftFactory(title="Draft lamp", machines=[laser], tags=[tag], lab=world.lab, licence="MIT")
        assert titles(machine=laser) == titles(machine=laser.pk) == ["Laser lamp"]
        assert titles(tag="lighting") == titles(tag=tag) == ["Laser lamp"]
        assert titles(licence="MIT") == ["Laser lamp"]
        assert titles(difficulty="advanced") == ["Printed vase"]
        assert titles(lab="brest") == titles(lab=brest) == ["Printed vase"]
        assert titles(lab="brest", difficulty="beginner") == []
        assert titles("vase", machine=printer) == ["Printed vase"]
        assert titles("vase", machine=laser) == []

    def test_it_accepts_a_mapping_or_nothing_as_filters(self, world):
        ProjectFactory(title="Laser lamp", licence="MIT")
        assert [p.title for p in project_search("lamp", {"licence": "MIT", "unknown": "x"})] == ["Laser lamp"]
        assert [p.title for p in project_search("lamp", None)] == ["Laser lamp"]

    def test_it_sorts_by_newest_or_most_remixed(self, world):
        now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
        old = ProjectFactory(title="Old lamp", published_at=now - dt.timedelta(days=30))
        new = ProjectFactory(title="New lamp", published_at=now)
        ProjectFactory(title="Remix one", remixed_from=old, published_at=now - dt.timedelta(days=2))
        ProjectFactory(title="Remix two", remixed_from=old, published_at=now - dt.timedelta(days=1))
        DraftFactory(title="Draft remix", remixed_from=new)
        DraftFactory(title="Draft remix 2", remixed_from=new)
        DraftFactory(title="Draft remix 3", remixed_from=new)
        assert titles("lamp", sort="newest") == ["New lamp", "Old lamp"]
        assert titles("lamp", sort="remixed") == ["Old lamp", "New lamp"]  # drafts do not count
        assert titles(sort="remixed")[0] == "Old lamp"


class TestSearchLimit:
    def test_a_query_yields_only_the_most_recent_matches_and_the_list_says_so(self, client, world, monkeypatch):
        monkeypatch.setattr("projects.selectors.MAX_SEARCH_RESULTS", 2)
        monkeypatch.setattr("projects.views.MAX_SEARCH_RESULTS", 2)
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        for day in range(3):
            ProjectFactory(title=f"Lamp {day}", published_at=start + dt.timedelta(days=day))
        ProjectFactory(title="Vase")
        assert sorted(titles("lamp")) == ["Lamp 1", "Lamp 2"]
        assert len(titles("")) == 4  # browsing without words is not limited
        content = client.get("/projects/", {"q": "lamp"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "The 2 most recent matching projects: add words or filters to narrow the search." in content


# The same words give the same projects on PostgreSQL and on SQLite (FTS5): the suite runs
# on both, and each line below must hold on each.
SAME_ON_BOTH = [
    ("lamp", ["Finger-joint box", "Plywood lamp"]),
    ("LAMP", ["Finger-joint box", "Plywood lamp"]),
    ("plywood", ["Finger-joint box", "Plywood lamp"]),
    ("plywood glue", ["Plywood lamp"]),
    ("plywood robot", []),
    ('"plywood lamp"', ["Plywood lamp"]),
    ("lamp -engrave", ["Plywood lamp"]),
    ("-engrave lamp", ["Plywood lamp"]),
    ("-lamp", ["Découpe d'un robot"]),
    ("engrave or servomoteur", ["Découpe d'un robot", "Finger-joint box"]),
    ("lid or bras", ["Découpe d'un robot", "Finger-joint box"]),
    ("glue or lid -lamp", ["Plywood lamp"]),  # glue | (lid & !lamp), as tsquery reads it
    ("decoupe", ["Découpe d'un robot"]),
    ("boxes", ["Finger-joint box"]),
    ("panels", ["Plywood lamp"]),
    ("led strip", ["Plywood lamp"]),
    ("storage", ["Finger-joint box"]),
    ('"', []),
    ("or", []),
    ("zzz", []),
]


class TestSameResultsOnBothDatabases:
    @pytest.mark.parametrize(("query", "expected"), SAME_ON_BOTH, ids=[query for query, _ in SAME_ON_BOTH])
    def test_it_finds_the_same_projects(self, catalogue, query, expected):
        assert sorted(titles(query)) == expected

    def test_title_matches_rank_first_on_both(self, catalogue):
        assert titles("lamp")[0] == "Plywood lamp"
        assert titles("box")[0] == "Finger-joint box"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table is SQLite's")
class TestSqliteFullTextTable:
    def rows(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid, a FROM projects_project_fts ORDER BY rowid")
            return cursor.fetchall()

    def test_the_services_keep_it_in_step(self, world, catalogue):
        from projects.services import project_update

        lamp = catalogue["lamp"]
        project_update(project=lamp, by=world.member, title="Birch lantern")
        assert (lamp.pk, "birch lantern") in self.rows()
        assert titles("lantern") == ["Birch lantern"]
        assert titles("plywood") == ["Finger-joint box"] or "Birch lantern" in titles("plywood")

    def test_a_deleted_project_leaves_no_row(self, catalogue):
        catalogue["box"].delete()
        assert catalogue["box"].pk not in [rowid for rowid, _ in self.rows()]


class TestFtsQuery:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("lamp", ('"lamp"', [])),
            # A word matches itself or its French stem; a phrase is taken as typed.
            ("Lampe Découpe", ('("lampe" OR "lamp") AND ("decoupe" OR "decoup")', [])),
            ('"plywood lamp" glue', ('"plywood lamp" AND ("glue" OR "glu")', [])),
            ("lamp -lampes", ('"lamp" NOT ("lampes" OR "lamp")', [])),
            ("a or b", ('"a" OR "b"', [])),
            ("or a", ('"a"', [])),
            ("a -b", ('"a" NOT "b"', [])),
            ("-b a", ('"a" NOT "b"', [])),
            ("-b", ("", ["b"])),
            ('say "hi', ('"say" AND "hi"', [])),
            ('x"y', ('"x""y"', [])),
            ("% _ *", ("", [])),
        ],
    )
    def test_it_reads_websearch_syntax(self, text, expected):
        from projects.search import fts_query

        assert fts_query(text) == expected
