"""Benchmark over HTTP: the app under gunicorn, driven by wrk on loopback, one table of figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fablab_scale .venv/bin/python bench/load.py
    make bench                      # the same, seeding the database first if it is empty

Expects a database filled by `manage.py seed_scale` (its bench users and their
API tokens). Starts gunicorn (`--workers`, DEBUG off, API throttling off) with
`bench.settings`, which adds `/bench/ceiling/`: a view behind the whole
middleware stack that touches no database, the most the framework can serve on
this machine. Each scenario runs `--duration` seconds (after a short warm-up)
with `--connections` open connections; the table gives p50/p95/p99 latency,
requests per second, and each figure beside the ceiling's, since absolute times
depend on the machine. Booking creation races many members on a few popular
slots; at the end one query checks that no two active bookings overlap.

Not a test: figures depend on the machine and its load; docs/performance.md
records them with the date.
"""

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fablab.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

STAFF_DASHBOARD = "/staff/"


@dataclass
class Scenario:
    name: str
    paths: list
    method: str = "GET"
    bodies: list = field(default_factory=list)
    headers: dict = field(default_factory=dict)
    tokens: list = field(default_factory=list)
    target: str = ""
    result: dict | None = None
    skipped: str = ""


# --- What to ask for ---------------------------------------------------------------------------


def _main_lab():
    from fablab.labs.models import Lab

    lab = Lab.objects.filter(slug__startswith="scale-", main_lab__isnull=True).order_by("pk").first()
    if lab is None:
        sys.exit("No scale data here: run `manage.py seed_scale` on this database first.")
    return lab


def _iso(instant):
    return urllib.parse.quote(instant.isoformat(), safe="")


def get_scenarios(rng, lab):
    from fablab.accounts.models import User
    from frontend.scale.network import STAFF_EMAIL
    from frontend.scale.projects import MAKER_WORDS
    from machines.models import Machine
    from projects.models import Project, Tag

    machines = list(Machine.objects.filter(status="available", is_public=True).values_list("pk", flat=True))
    today = timezone.now().astimezone(lab.tz).date()
    monday = today - dt.timedelta(days=today.weekday())
    weeks = [monday + dt.timedelta(weeks=n) for n in range(-150, 4)]
    calendar = [f"/machines/{rng.choice(machines)}/?week={rng.choice(weeks).isoformat()}" for _n in range(500)]
    availability = []
    for _n in range(500):
        start = dt.datetime.combine(rng.choice(weeks), dt.time(0), tzinfo=lab.tz)
        end = start + dt.timedelta(days=7)
        availability.append(
            f"/api/v1/machines/{rng.choice(machines)}/availability/?start={_iso(start)}&end={_iso(end)}"
        )
    slugs = list(Project.objects.filter(status="published").order_by("?").values_list("slug", flat=True)[:500])
    tags = list(Tag.objects.filter(slug__startswith="scale-").values_list("name", flat=True)[100:300])
    titles = list(Project.objects.filter(slug__in=slugs[:50]).values_list("title", flat=True))
    queries = [*MAKER_WORDS[:15], *rng.sample(tags, min(15, len(tags)))]
    queries += [" ".join(rng.sample(title.split(), 2)) for title in titles[:15] if len(title.split()) >= 2]
    staff = User.objects.filter(email=STAFF_EMAIL.format(lab=1, number=1)).first()
    member = User.objects.filter(email__startswith="bench-").order_by("pk").first()
    searches = [f"/projects/?q={urllib.parse.quote(q)}" for q in queries]
    return [
        Scenario("framework ceiling", ["/bench/ceiling/"]),
        Scenario("home", ["/"], target="throughput"),
        Scenario("machine week calendar", calendar, target="throughput"),
        Scenario("availability API", availability, target="p95 15"),
        booking_scenario(rng, lab),
        Scenario("project search", searches, target="p95 30"),
        # Signed-in members get pages built for them, around the search form and results that
        # everybody shares (kept until a project changes): what a member's search costs.
        Scenario(
            "project search, signed in",
            searches,
            headers=session_cookie(member) if member else {},
            target="p95 30",
        ),
        Scenario("project page", [f"/projects/{slug}/" for slug in slugs], target="throughput"),
        Scenario("Atom feed", ["/projects/feed/"], target="throughput"),
        Scenario(
            "staff dashboard",
            [STAFF_DASHBOARD],
            headers=session_cookie(staff) if staff else {},
            target="p95 150",
        ),
    ]


def session_cookie(user):
    """The Cookie header of a signed-in session for `user`, written straight into the session store.

    Staff pages want two-factor authentication set up: the user gets a TOTP
    authenticator (its secret is never used, as no code is ever entered).
    """
    from importlib import import_module

    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    Authenticator.objects.get_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": get_adapter().encrypt("BENCHONLYBENCHONLY")}},
    )

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}"}


def booking_scenario(rng, lab, *, machines_wanted=100, slots_wanted=300):
    """POSTs on free slots of machines of the main lab; most requests go to a few popular slots.

    Each run books up to `slots_wanted` slots for good: looking over many machines
    leaves free time for many runs on one seeded database.
    """
    from rest_framework.authtoken.models import Token

    from bookings.selectors import machine_availability
    from machines.models import Machine

    machines = list(
        Machine.objects.filter(
            lab=lab, status="available", requires_qualification=False, weekly_quota_minutes__isnull=True
        ).order_by("pk")[:machines_wanted]
    )
    now = timezone.now()
    first = dt.datetime.combine(now.astimezone(lab.tz).date() + dt.timedelta(days=2), dt.time(0), tzinfo=lab.tz)
    slots = []
    for machine in machines:
        length = dt.timedelta(minutes=machine.min_minutes)
        for start, end in machine_availability(machine, first, first + dt.timedelta(days=24))["free"]:
            local = start.astimezone(lab.tz)
            skip = (-(local.hour * 60 + local.minute)) % machine.slot_minutes
            slot = start + dt.timedelta(minutes=skip)
            while slot + length <= end:
                slots.append({"machine": machine.pk, "start": slot.isoformat(), "end": (slot + length).isoformat()})
                slot += length
    rng.shuffle(slots)
    tokens = list(Token.objects.filter(user__email__startswith="bench-").values_list("key", flat=True))
    scenario = Scenario(
        "booking create",
        ["/api/v1/bookings/"],
        method="POST",
        bodies=[json.dumps(slot) for slot in slots[:slots_wanted]],
        tokens=tokens,
        target="throughput 40",
    )
    if not slots or not tokens:
        scenario.skipped = "no free slot or no bench user"
    return scenario


# --- wrk -------------------------------------------------------------------------------------

LUA = r"""
local paths = {PATHS}
local bodies = {BODIES}
local tokens = {TOKENS}
local method = "{METHOD}"
local headers = {HEADERS}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(id * 7919 + os.time())
  statuses = {}
end

function request()
  local path = paths[math.random(#paths)]
  if method == "POST" then
    -- Squared: the first slots of the list are asked for far more often (the popular ones).
    local body = bodies[math.floor(#bodies * math.random() ^ 2) + 1]
    headers["Authorization"] = "Token " .. tokens[math.random(#tokens)]
    return wrk.format("POST", path, headers, body)
  end
  return wrk.format("GET", path, headers)
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local codes = {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do
      codes[#codes + 1] = string.format('"%d": %d', code, count)
    end
  end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "errors": %d, "statuses": [{%s}]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(codes, "}, {")))
end
"""


def _lua_list(values):
    return "{" + ", ".join(json.dumps(value) for value in values) + "}"


def lua_script(scenario):
    headers = dict(scenario.headers)
    if scenario.method == "POST":
        headers["Content-Type"] = "application/json"
    lua_headers = "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()) + "}"
    return (
        LUA.replace("{PATHS}", _lua_list(scenario.paths))
        .replace("{BODIES}", _lua_list(scenario.bodies))
        .replace("{TOKENS}", _lua_list(scenario.tokens))
        .replace("{METHOD}", scenario.method)
        .replace("{HEADERS}", lua_headers)
    )


def run_wrk(scenario, base_url, *, duration, connections, threads):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(scenario))
    try:
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script.name]
        output = subprocess.run([*command, base_url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    statuses = {}
    for entry in result.pop("statuses"):
        for code, count in entry.items():
            statuses[int(code)] = statuses.get(int(code), 0) + count
    result["statuses"] = statuses
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


# --- gunicorn --------------------------------------------------------------------------------


def start_server(port, workers, log):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "dummymail://",
        # As in production: a booking's confirmation is queued for the worker, not rendered inline.
        "TASKS_BACKEND": "database",
        # As in production (docker-compose.yml): one cache that every worker shares, so that
        # a write in one worker invalidates what the others cached.
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/3"),
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [gunicorn, "fablab.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--chdir", str(ROOT), "--log-level", "warning"],
        env=environment,
        start_new_session=True,
        stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/ceiling/", timeout=10)
            return process
        except OSError:  # refused while gunicorn binds, or timed out while a worker loads Django
            if process.poll() is not None:
                sys.exit(f"gunicorn stopped: see {log.name}.")
            time.sleep(0.5)
    stop_server(process)
    sys.exit("gunicorn did not answer within a minute.")


def stop_server(process):
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def probe(base_url, scenario):
    """The status of the scenario's first URL (404: the page does not exist yet)."""
    request = urllib.request.Request(base_url + scenario.paths[0], headers=scenario.headers)
    try:
        return urllib.request.build_opener(_NoRedirect).open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


def prime(base_url, scenario, workers=4):
    """Ask for every URL of the scenario once: what is measured is the steady state, where a
    public page was built for its first visitor. The signed-in scenarios show a page's cost
    without the cache."""

    def fetch(path):
        request = urllib.request.Request(base_url + path, headers=scenario.headers)
        try:
            urllib.request.build_opener(_NoRedirect).open(request, timeout=60).read()
        except urllib.error.HTTPError:
            pass

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(fetch, set(scenario.paths)))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to the sign-in page, say) is an answer to report, not to follow


# --- The table -------------------------------------------------------------------------------


def verdict(scenario, ceiling):
    result = scenario.result
    if not scenario.target or not result:
        return ""
    kind, *number = scenario.target.split()
    if kind == "p95":
        limit = float(number[0])
        return f"p95 ≤ {limit:g} ms: {'yes' if result['p95'] / 1000 <= limit else 'NO'}"
    share = float(number[0]) if number else 50
    met = result["rps"] >= ceiling["rps"] * share / 100
    return f"≥ {share:g} % of ceiling: {'yes' if met else 'NO'}"


def table(scenarios, ceiling):
    lines = [
        "| scenario | p50 | p95 | p99 | req/s | p50 × ceiling | req/s / ceiling | answers | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for scenario in scenarios:
        result = scenario.result
        if not result:
            lines.append(f"| {scenario.name} | n/a | n/a | n/a | n/a | | | {scenario.skipped} | {scenario.target} |")
            continue
        answers = ", ".join(f"{code} × {count}" for code, count in sorted(result["statuses"].items()))
        if result["errors"]:
            answers += f", socket errors × {result['errors']}"
        lines.append(
            f"| {scenario.name} | {result['p50'] / 1000:.1f} ms | {result['p95'] / 1000:.1f} ms "
            f"| {result['p99'] / 1000:.1f} ms | {result['rps']:.0f} | {result['p50'] / ceiling['p50']:.1f} "
            f"| {result['rps'] / ceiling['rps']:.0%} | {answers} | {verdict(scenario, ceiling)} |"
        )
    return "\n".join(lines)


def overlaps_and_new_bookings(started):
    from bookings.models import Booking
    from frontend.scale.checks import overlapping_bookings

    created = Booking.objects.filter(member__email__startswith="bench-", created_at__gte=started).count()
    return overlapping_bookings(), created


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario (default 20)")
    parser.add_argument("--warm-up", type=int, default=3, help="seconds of unmeasured load before each scenario")
    parser.add_argument("--connections", type=int, default=8, help="open connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", nargs="*", help="names of scenarios to run (the ceiling always runs)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: `make bench` installs it (Debian package wrk).")
    lab = _main_lab()
    scenarios = get_scenarios(random.Random(options.seed), lab)
    if options.only:
        scenarios = [s for s in scenarios if s.name == "framework ceiling" or s.name in options.only]
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():  # pages need the manifest with DEBUG off
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True,
                       env={**os.environ, "DEBUG": "false"})  # fmt: skip
    base_url = f"http://127.0.0.1:{options.port}"
    started = timezone.now()
    load_before = os.getloadavg()
    log_path = Path(tempfile.gettempdir()) / "fablab-bench-gunicorn.log"  # the 409s are logged: keep them out
    with log_path.open("w") as log:
        server = start_server(options.port, options.workers, log)
        try:
            for scenario in scenarios:
                if scenario.skipped:
                    continue
                status = probe(base_url, scenario) if scenario.method == "GET" else None
                if status == 404:
                    scenario.skipped = "404: not there yet"
                    continue
                if scenario.method == "GET" and status != 200:
                    scenario.skipped = f"answers {status}"
                    continue
                print(f"{scenario.name}: {options.duration} s …", file=sys.stderr, flush=True)
                wrk = {"connections": options.connections, "threads": options.threads}
                if scenario.method == "GET":
                    prime(base_url, scenario)
                    if options.warm_up:
                        run_wrk(scenario, base_url, duration=options.warm_up, **wrk)
                scenario.result = run_wrk(scenario, base_url, duration=options.duration, **wrk)
        finally:
            stop_server(server)
    ceiling = scenarios[0].result
    overlaps, created = overlaps_and_new_bookings(started)
    print(table(scenarios, ceiling))
    print()
    print(
        f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before and {os.getloadavg()[0]:.1f} after; "
        f"gunicorn {options.workers} sync workers; wrk {options.threads} threads, {options.connections} connections, "
        f"{options.duration} s per scenario; {dt.date.today().isoformat()}."
    )
    print(f"Bookings created by the race: {created}; overlapping active bookings afterwards: {overlaps}.")
    if overlaps:
        sys.exit(1)


if __name__ == "__main__":
    main()
