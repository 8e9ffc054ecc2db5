"""Demo machines (seed_demo): a laser that needs a qualification, a 3D printer that does not."""

from machines.models import Category, Machine, Qualification

CATEGORIES = [
    ("laser-cutter", "Laser cutter"),
    ("3d-printer", "3D printer"),
    ("cnc-mill", "CNC mill"),
    ("vinyl-cutter", "Vinyl cutter"),
    ("embroidery", "Embroidery machine"),
    ("electronics", "Electronics bench"),
    # Rooms are bookable resources like machines: a session or a school workshop blocks them the same way.
    ("room", "Room"),
]

MACHINES = [
    # lab, category, slug, name, credits/hour, qualification, extra rules, specifications
    (
        "rennes",
        "laser-cutter",
        "trotec-speedy-400",
        "Trotec Speedy 400",
        60,
        True,
        {"buffer_minutes": 15, "weekly_quota_minutes": 360},
        {"Work area": "1000 × 610 mm", "Power": "80 W CO₂", "Materials": "wood, acrylic, card, leather"},
    ),
    (
        "rennes",
        "3d-printer",
        "prusa-mk4",
        "Prusa MK4",
        30,
        False,
        {"max_minutes": 480},
        {"Build volume": "250 × 210 × 220 mm", "Filaments": "PLA, PETG"},
    ),
    (
        "rennes",
        "cnc-mill",
        "shaper-origin",
        "Shaper Origin",
        60,
        True,
        {},
        {"Cut depth": "43 mm", "Materials": "wood, plastics, aluminium"},
    ),
    (
        "rennes",
        "electronics",
        "electronics-bench",
        "Electronics bench",
        15,
        False,
        {},
        {"Tools": "soldering station, oscilloscope, bench power supply"},
    ),
    (
        "champs-libres",
        "3d-printer",
        "bambu-a1",
        "Bambu Lab A1",
        30,
        False,
        {"max_minutes": 360},
        {"Build volume": "256 × 256 × 256 mm"},
    ),
    (
        "rennes",
        "room",
        "training-room",
        "Training room",
        0,
        False,
        {"max_minutes": 480},
        {"Seats": "12", "Equipment": "projector, whiteboard"},
    ),
    ("maurepas", "vinyl-cutter", "silhouette-cameo", "Silhouette Cameo 5", 15, False, {}, {"Cut width": "305 mm"}),
    (
        "maurepas",
        "embroidery",
        "brother-pr680w",
        "Brother PR680W",
        30,
        True,
        {},
        {"Needles": "6", "Field": "200 × 300 mm"},
    ),
]


def seed_machines(labs, users):
    categories = {
        slug: Category.objects.get_or_create(slug=slug, defaults={"name": name})[0] for slug, name in CATEGORIES
    }
    machines = {}
    for lab_slug, category, slug, name, cost, qualification, rules, specifications in MACHINES:
        machines[slug], _created = Machine.objects.get_or_create(
            lab=labs[lab_slug],
            slug=slug,
            defaults={
                "category": categories[category],
                "name": name,
                "description": f"{name}: ask the team for a tour before your first booking.",
                "credits_per_hour": cost,
                "requires_qualification": qualification,
                "specifications": specifications,
                **rules,
            },
        )
    laser = machines["trotec-speedy-400"]
    for email in ("member@fablab.test", "staff@fablab.test", "trainer@fablab.test"):
        Qualification.objects.get_or_create(
            user=users[email], machine=laser, revoked_at=None, defaults={"granted_by": users["trainer@fablab.test"]}
        )
    return machines
