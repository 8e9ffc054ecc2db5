"""Benchmark: the public project list with full-text search, on 100,000 published projects.

    DATABASE_URL=sqlite:////tmp/fablab_bench.sqlite3 .venv/bin/python bench/project_search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fablab_bench .venv/bin/python bench/project_search.py

Seeds `--projects` published projects once (116 words each from a 20,000-word
vocabulary drawn with a Pareto law: `w25` is in about one project in seven,
`w100` in one in a hundred; skipped when the bench lab already holds them), then times what the list page
reads for each query: `project_search`, the first page of 24 with its tags and
machines, and the count. Prints p50/p95 per query over `--runs` runs.
Targets: p95 ≤ 30 ms on PostgreSQL, ≤ 60 ms on SQLite. Not a test: figures
depend on the machine.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fablab.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from fablab.accounts.models import User  # noqa: E402
from fablab.labs.models import Lab  # noqa: E402
from machines.models import Category, Machine  # noqa: E402
from projects import search  # noqa: E402
from projects.models import Project, ProjectStatus  # noqa: E402
from projects.selectors import ProjectFilters, project_search  # noqa: E402

BATCH = 2_000
VOCABULARY = 20_000


def words(rng, count):
    # Zipf-like: word i is drawn with weight 1/(i+1); the first ones are the common words.
    return [f"w{min(int(rng.paretovariate(1.0)) - 1, VOCABULARY - 1)}" for _ in range(count)]


def seed(count):
    lab, _ = Lab.objects.get_or_create(slug="bench-projects", defaults={"name": "Bench projects"})
    have = Project.objects.filter(lab=lab).count()
    if have >= count:
        return lab
    owner, _ = User.objects.get_or_create(email="bench-projects@example.org", defaults={"full_name": "Bench"})
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    machines = [
        Machine.objects.get_or_create(
            lab=lab, slug=f"bench-machine-{n}", defaults={"name": f"Bench machine {n}", "category": category}
        )[0]
        for n in range(20)
    ]
    rng = random.Random(7)
    now = timezone.now()
    through = Project.machines.through
    for start in range(have, count, BATCH):
        rows = []
        for index in range(start, min(start + BATCH, count)):
            title = " ".join(words(rng, 4))
            parts = {
                "A": title,
                "B": " ".join(words(rng, 12)),
                "C": " ".join(words(rng, 80)),
                "D": " ".join(words(rng, 10)),
            }
            project = Project(
                title=title,
                slug=f"bench-{index}",
                summary=parts["B"][:300],
                lab=lab,
                owner=owner,
                licence=rng.choice(["CC-BY-4.0", "CC-BY-SA-4.0", "MIT", "CERN-OHL-S-2.0"]),
                difficulty=rng.choice(["beginner", "intermediate", "advanced"]),
                status=ProjectStatus.PUBLISHED,
                published_at=now - timezone.timedelta(minutes=index),
                search_text=search.search_text(parts),
            )
            project._parts = parts
            rows.append(project)
        with transaction.atomic():
            Project.objects.bulk_create(rows)
            through.objects.bulk_create(
                through(project_id=project.pk, machine_id=rng.choice(machines).pk) for project in rows
            )
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {search.FTS_TABLE} (rowid, a, b, c, d) VALUES (%s, %s, %s, %s, %s)",
                        [(p.pk, *search.fts_columns(p._parts)) for p in rows],
                    )
            else:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE projects_project SET search_vector = "
                        "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('french', title), 'A')"
                        " || setweight(to_tsvector('english', summary), 'B')"
                        " || setweight(to_tsvector('english', search_text), 'C') WHERE id = ANY(%s)",
                        [[p.pk for p in rows]],
                    )
        print(f"  seeded {min(start + BATCH, count)}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return lab


def list_page(query, filters):
    page = Paginator(project_search(query, ProjectFilters(**filters)), 24).get_page(1)
    list(page.object_list)
    return page.paginator.count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--words",
        nargs=4,
        metavar=("COMMON", "MID", "OTHER", "RARE"),
        help="search the projects already there (e.g. seed_scale's: lampe bois boite ressort) instead of seeding",
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if args.words:
        common, mid, other, rare = args.words
        machine = Machine.objects.filter(projects__isnull=False).first()
    else:
        seed(args.projects)
        common, mid, other, rare = "w25", "w100", "w30", "w21"
        machine = Machine.objects.filter(lab__slug="bench-projects").first()
    queries = {
        "common word": (common, {}),
        "mid-frequency word": (mid, {}),
        "two words": (f"{common} {other}", {}),
        "phrase": (f'"{other} {rare}"', {}),
        "common word + machine facet": (common, {"machine": machine.pk}),
        "common word + licence + difficulty": (common, {"licence": "MIT", "difficulty": "advanced"}),
        "browsing, newest first (no words)": ("", {}),
    }
    print(f"{connection.vendor}, {Project.objects.count()} projects, load average {os.getloadavg()[0]:.1f}")
    print("| query | matches | p50 | p95 |")
    print("| --- | --- | --- | --- |")
    for label, (query, filters) in queries.items():
        count = list_page(query, filters)  # warm up
        timings = []
        for _ in range(args.runs):
            began = time.perf_counter()
            list_page(query, filters)
            timings.append((time.perf_counter() - began) * 1000)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"| {label} | {count} | {statistics.median(timings):.1f} ms | {p95:.1f} ms |", flush=True)


if __name__ == "__main__":
    main()
