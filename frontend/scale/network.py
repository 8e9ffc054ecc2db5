"""Labs, their hours and closures, machines, people and their roles, API tokens for the benchmark."""

import base64
import datetime as dt
import random
import secrets

from django.utils import timezone
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from fablab.accounts.models import User
from fablab.labs.models import Closure, Lab, Membership, OpeningHours, Role
from frontend.scale.writer import Ids, Writer
from machines.models import Category, Machine, MachineStatus

EMAIL_DOMAIN = "scale.example.org"
BENCH_EMAIL = "bench-{number}@" + EMAIL_DOMAIN
STAFF_EMAIL = "staff-{lab}-{number}@" + EMAIL_DOMAIN

TOWNS = [
    "Rennes",
    "Cesson-Sévigné",
    "Saint-Malo",
    "Fougères",
    "Vitré",
    "Redon",
    "Bruz",
    "Betton",
    "Pacé",
    "Chantepie",
    "Saint-Grégoire",
    "Montfort-sur-Meu",
    "Dinard",
    "Combourg",
    "Janzé",
    "Guichen",
    "Liffré",
    "Châteaugiron",
    "Bain-de-Bretagne",
    "Cancale",
    "Le Rheu",
    "Mordelles",
]
FIRST_NAMES = [
    "Anne",
    "Bernard",
    "Camille",
    "Denis",
    "Élise",
    "François",
    "Gaëlle",
    "Hugo",
    "Inès",
    "Jules",
    "Katell",
    "Loïc",
    "Maëlle",
    "Nolan",
    "Océane",
    "Pierre",
    "Quentin",
    "Rozenn",
    "Soizic",
    "Tanguy",
    "Ulysse",
    "Valentine",
    "Yann",
    "Zoé",
    "Erwan",
    "Nolwenn",
    "Gwen",
    "Mathis",
    "Lena",
    "Malo",
]
LAST_NAMES = [
    "Le Gall",
    "Le Goff",
    "Martin",
    "Bernard",
    "Le Roux",
    "Tanguy",
    "Guillou",
    "Morvan",
    "Le Bihan",
    "Jégou",
    "Riou",
    "Prigent",
    "Le Corre",
    "Hervé",
    "Moal",
    "Kerjean",
    "Duval",
    "Lemoine",
    "Petit",
    "Robin",
    "Cadiou",
    "Le Floch",
    "Simon",
    "Michel",
    "Durand",
    "Salaün",
    "Quéré",
    "Bouvier",
]

# (slug, name, share of the machines, rules): what each kind of machine asks of a booking.
CATEGORIES = [
    (
        "laser",
        "Laser cutter",
        3,
        dict(
            slot_minutes=30,
            min_minutes=30,
            max_minutes=120,
            buffer_minutes=15,
            credits_per_hour=90,
            requires_qualification=True,
            weekly_quota_minutes=240,
        ),
    ),
    (
        "printer-3d",
        "3D printer",
        5,
        dict(
            slot_minutes=60,
            min_minutes=60,
            max_minutes=240,
            buffer_minutes=0,
            credits_per_hour=30,
            requires_qualification=False,
            weekly_quota_minutes=None,
        ),
    ),
    (
        "cnc",
        "CNC mill",
        1,
        dict(
            slot_minutes=60,
            min_minutes=60,
            max_minutes=240,
            buffer_minutes=30,
            credits_per_hour=120,
            requires_qualification=True,
            weekly_quota_minutes=480,
        ),
    ),
    (
        "vinyl",
        "Vinyl cutter",
        2,
        dict(
            slot_minutes=30,
            min_minutes=30,
            max_minutes=120,
            buffer_minutes=0,
            credits_per_hour=30,
            requires_qualification=False,
            weekly_quota_minutes=None,
        ),
    ),
    (
        "embroidery",
        "Embroidery machine",
        1,
        dict(
            slot_minutes=30,
            min_minutes=30,
            max_minutes=180,
            buffer_minutes=0,
            credits_per_hour=45,
            requires_qualification=False,
            weekly_quota_minutes=None,
        ),
    ),
    (
        "electronics",
        "Electronics bench",
        2,
        dict(
            slot_minutes=60,
            min_minutes=60,
            max_minutes=240,
            buffer_minutes=0,
            credits_per_hour=15,
            requires_qualification=False,
            weekly_quota_minutes=None,
        ),
    ),
]
MACHINE_MODELS = {
    "laser": ["Trotec Speedy 360", "Epilog Fusion Pro", "BRM 100160"],
    "printer-3d": ["Prusa MK4", "Ultimaker S5", "Bambu Lab X1", "Raise3D Pro3"],
    "cnc": ["Shaper Origin", "ShopBot Desktop", "Stepcraft D.840"],
    "vinyl": ["Roland GS2-24", "Silhouette Cameo 5"],
    "embroidery": ["Brother PR1X", "Bernina 790"],
    "electronics": ["Soldering station", "Oscilloscope bench", "Reflow oven"],
}

MAIN_HOURS = {day: (dt.time(9), dt.time(21)) for day in range(6)}  # Monday to Saturday
SATELLITE_HOURS = {day: (dt.time(10), dt.time(19)) for day in range(1, 6)}  # Tuesday to Saturday


def calendar_token(rng):
    return base64.urlsafe_b64encode(rng.getrandbits(192).to_bytes(24, "big")).decode()


def _closures(first_day, last_day):
    """Christmas and a summer fortnight every year: (first, last) pairs."""
    pairs = []
    for year in range(first_day.year - 1, last_day.year + 1):
        pairs.append((dt.date(year, 12, 24), dt.date(year + 1, 1, 1)))
        pairs.append((dt.date(year, 8, 5), dt.date(year, 8, 18)))
    return [(first, last) for first, last in pairs if last >= first_day and first <= last_day]


def build_labs(sizes, rng, period, progress):
    """Lab rows with hours and closures. Returns a list of dicts the other builders read."""
    first_day, last_day = period
    labs = []
    lab_ids = Ids(Lab)
    for index in range(sizes.labs):
        town = TOWNS[index % len(TOWNS)]
        if index >= len(TOWNS):
            town = f"{town} {index // len(TOWNS) + 1}"
        name = f"Fab Lab {town}" if index == 0 else f"Fab Lab {town} (satellite)"
        labs.append(
            {
                "id": lab_ids.one(),
                "index": index,
                "name": name,
                "slug": f"scale-{index + 1:02d}-{slugify(town)}",
                "tz": "Europe/Paris",
                "hours": MAIN_HOURS if index == 0 else SATELLITE_HOURS,
                "closures": _closures(first_day, last_day),
                "members": [],
                "staff": [],
                "trainers": [],
                "machines": [],
            }
        )
    main_id = labs[0]["id"]
    fields = [
        "id",
        "name",
        "slug",
        "main_lab",
        "description",
        "street",
        "postal_code",
        "city",
        "country",
        "time_zone",
        "email",
        "phone",
        "website",
        "legal_name",
        "legal_address",
        "registration_number",
        "vat_number",
        "invoice_prefix",
        "late_cancellation_refund_percent",
        "welcome_credit_minutes",
        "qualification_lapse_months",
        "qualification_reminder_days",
        "is_active",
    ]
    with Writer(Lab, fields) as write:
        for lab in labs:
            town = lab["name"].removeprefix("Fab Lab ").removesuffix(" (satellite)")
            write(
                (
                    lab["id"],
                    lab["name"],
                    lab["slug"],
                    None if lab["id"] == main_id else main_id,
                    f"The Fab Lab of {town}.",
                    f"{rng.randint(1, 120)} rue de la Forge",
                    "35000",
                    town,
                    "FR",
                    lab["tz"],
                    f"contact@{lab['slug']}.{EMAIL_DOMAIN}",
                    "",
                    "",
                    f"Association {lab['name']}",
                    f"rue de la Forge, 35000 {town}",
                    "",
                    "",
                    f"SC{lab['index'] + 1:02d}{rng.randint(10, 99)}",
                    50,
                    60,
                    12 if lab["index"] == 0 else None,
                    14,
                    True,
                )
            )
    with Writer(OpeningHours, ["lab", "weekday", "opens", "closes"]) as write:
        for lab in labs:
            for weekday, (opens, closes) in lab["hours"].items():
                write((lab["id"], weekday, opens, closes))
    with Writer(Closure, ["lab", "first_day", "last_day", "reason"]) as write:
        for lab in labs:
            for first, last in lab["closures"]:
                write((lab["id"], first, last, "Holidays"))
    progress.add(len(labs))
    return labs


def build_machines(sizes, rng, labs, progress):
    """Machines shared out among the labs (the main lab holds a quarter). Returns dicts."""
    categories = {}
    for slug, name, _share, _rules in CATEGORIES:
        category, _created = Category.objects.get_or_create(slug=f"scale-{slug}", defaults={"name": name})
        categories[slug] = category.pk
    kinds = [entry for entry in CATEGORIES for _copy in range(entry[2])]
    main_count = max(1, sizes.machines // 4) if len(labs) > 1 else sizes.machines
    ids = Ids(Machine)
    machines = []
    for number in range(sizes.machines):
        lab = labs[0] if number < main_count else labs[1 + (number - main_count) % (len(labs) - 1)]
        slug, category_name, _share, rules = kinds[number % len(kinds)]
        roll = rng.random()
        status = (
            MachineStatus.OUT_OF_ORDER if roll < 0.02 else MachineStatus.MAINTENANCE if roll < 0.05 else "available"
        )
        model_name = rng.choice(MACHINE_MODELS[slug])
        machine = {
            "id": ids.one(),
            "lab": lab,
            "category": slug,
            "status": status,
            "name": f"{model_name} #{len(lab['machines']) + 1}",
            **rules,
        }
        lab["machines"].append(machine)
        machines.append(machine)
    fields = [
        "id",
        "lab",
        "category",
        "name",
        "slug",
        "description",
        "photo",
        "photo_thumbnail",
        "specifications",
        "status",
        "credits_per_hour",
        "slot_minutes",
        "min_minutes",
        "max_minutes",
        "buffer_minutes",
        "horizon_days",
        "min_notice_minutes",
        "weekly_quota_minutes",
        "cancellation_deadline_hours",
        "requires_qualification",
        "no_show_release_minutes",
        "is_public",
    ]
    with Writer(Machine, fields) as write:
        for machine in machines:
            write(
                (
                    machine["id"],
                    machine["lab"]["id"],
                    categories[machine["category"]],
                    machine["name"],
                    f"{slugify(machine['name'])}-{machine['id']}",
                    f"A {machine['name']} for members.",
                    "",
                    "",
                    '{"Work area": "600 × 400 mm"}',
                    machine["status"],
                    machine["credits_per_hour"],
                    machine["slot_minutes"],
                    machine["min_minutes"],
                    machine["max_minutes"],
                    machine["buffer_minutes"],
                    28,
                    60,
                    machine["weekly_quota_minutes"],
                    24,
                    machine["requires_qualification"],
                    30,
                    True,
                )
            )
    progress.add(len(machines))
    return machines


def build_people(sizes, rng, labs, period, progress):
    """Members (a home lab, one in ten a second one), staff and trainers, bench users with API tokens."""
    first_day, _last_day = period
    start = dt.datetime.combine(first_day, dt.time(12), tzinfo=dt.UTC) - dt.timedelta(days=365)
    span = (timezone.now() - start).total_seconds()
    weights = [4 if lab["index"] == 0 else 1 for lab in labs]
    ids = Ids(User)
    user_fields = [
        "id",
        "password",
        "email",
        "full_name",
        "phone",
        "preferred_language",
        "calendar_token",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
    ]
    memberships = []
    bench_users = []
    with Writer(User, user_fields) as write:

        def person(email, full_name, joined):
            user_id = ids.one()
            language = "fr" if rng.random() < 0.85 else "en"
            write((user_id, "!", email, full_name, "", language, calendar_token(rng), True, False, False, joined))
            progress.add()
            return user_id

        for lab in labs:
            for number in range(1, 3):
                user_id = person(STAFF_EMAIL.format(lab=lab["index"] + 1, number=number), f"Staff {number}", start)
                lab["staff"].append(user_id)
                memberships.append((user_id, lab, Role.STAFF, start))
            user_id = person(STAFF_EMAIL.format(lab=lab["index"] + 1, number=3), "Trainer", start)
            lab["trainers"].append(user_id)
            memberships.append((user_id, lab, Role.TRAINER, start))
        for number in range(sizes.members):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            joined = start + dt.timedelta(seconds=rng.random() * span)
            email = f"{slugify(first)}.{slugify(last)}.{number}@{EMAIL_DOMAIN}"
            user_id = person(email, f"{first} {last}", joined)
            home = rng.choices(labs, weights)[0]
            homes = [home]
            if len(labs) > 1 and rng.random() < 0.1:
                homes.append(rng.choice([lab for lab in labs if lab is not home]))
            for lab in homes:
                lab["members"].append(user_id)
                memberships.append((user_id, lab, Role.MEMBER, joined))
        for number in range(1, sizes.bench_users + 1):
            user_id = person(BENCH_EMAIL.format(number=number), f"Bench {number}", start)
            bench_users.append(user_id)
            memberships.append((user_id, labs[0], Role.MEMBER, start))
    with Writer(Membership, ["user", "lab", "role", "created_at"]) as write:
        for user_id, lab, role, joined in memberships:
            write((user_id, lab["id"], role, joined))
    with Writer(Token, ["key", "user", "created"]) as write:
        for user_id in bench_users:
            write((secrets.token_hex(20), user_id, timezone.now()))
    return memberships, bench_users


def random_generator(seed):
    return random.Random(seed)
