"""Scale data: a whole network of labs with years of activity, for benchmarks.

`manage.py seed_scale` calls `build(sizes)`: each module writes one part of the
network in bulk (PostgreSQL COPY, batched INSERTs on SQLite) with keys chosen
here, keeping the invariants the services keep one row at a time: no two active
bookings overlap on a machine, every credit balance is the sum of its ledger
entries, published projects carry a licence, a summary, steps and their search
columns. Never run it on a production database: it writes thousands of made-up
people.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    labs: int = 20
    machines: int = 400
    members: int = 50_000
    bookings: int = 2_000_000
    ledger_entries: int = 200_000
    sessions: int = 5_000
    projects: int = 100_000
    bench_users: int = 64
    seed: int = 2026
    years: int = 3


PRESETS = {
    "full": Sizes(),
    # Minutes on SQLite, still enough to page through every list.
    "small": Sizes(
        labs=3,
        machines=24,
        members=500,
        bookings=20_000,
        ledger_entries=2_000,
        sessions=60,
        projects=1_000,
        bench_users=16,
    ),
}
