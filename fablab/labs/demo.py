"""Demo labs and accounts (seed_demo). Idempotent: running it twice changes nothing."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.utils import timezone

from fablab.accounts.models import User
from fablab.labs.models import Closure, Lab, OpeningHours, Role
from fablab.labs.services import membership_grant

DEMO_PASSWORD = "fablab-demo"

LABS = [
    {
        "slug": "rennes",
        "name": "Fab Lab Rennes",
        "main": None,
        "street": "12 rue de la Fabrique",
        "postal_code": "35000",
        "city": "Rennes",
        "invoice_prefix": "REN",
        "hours": {day: [("10:00", "19:00")] for day in range(0, 5)} | {5: [("10:00", "17:00")]},
        "description": "The main lab: laser cutters, 3D printers, a CNC mill, electronics benches.",
    },
    {
        "slug": "champs-libres",
        "name": "Fab Lab Les Champs Libres",
        "main": "rennes",
        "street": "10 cours des Alliés",
        "postal_code": "35000",
        "city": "Rennes",
        "invoice_prefix": "RCL",
        "hours": {2: [("14:00", "18:00")], 5: [("10:00", "12:30"), ("14:00", "17:00")]},
        "description": "A satellite in the library: 3D printing and school workshops.",
    },
    {
        "slug": "maurepas",
        "name": "Fab Lab Maurepas",
        "main": "rennes",
        "street": "32 rue de Trégain",
        "postal_code": "35700",
        "city": "Rennes",
        "invoice_prefix": "RMA",
        "hours": {1: [("16:00", "20:00")], 3: [("16:00", "20:00")]},
        "description": "A satellite in the community centre: vinyl cutting, embroidery and repair café.",
    },
]

ACCOUNTS = [
    # email, full name, superuser, {lab slug: roles}
    ("admin@fablab.test", "Ada Admin", True, {}),
    ("staff@fablab.test", "Sam Staff", False, {"rennes": [Role.STAFF, Role.MEMBER]}),
    ("trainer@fablab.test", "Théo Trainer", False, {"rennes": [Role.TRAINER, Role.MEMBER]}),
    ("member@fablab.test", "Maëlle Member", False, {"rennes": [Role.MEMBER]}),
    ("newcomer@fablab.test", "Noé Newcomer", False, {"rennes": [Role.MEMBER]}),
]


def seed_labs():
    labs = {}
    for spec in LABS:
        lab, created = Lab.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "main_lab": labs.get(spec["main"]),
                "street": spec["street"],
                "postal_code": spec["postal_code"],
                "city": spec["city"],
                "description": spec["description"],
                "time_zone": "Europe/Paris",
                "email": f"{spec['slug']}@fablab.test",
                "phone": "+33 2 99 00 00 00",
                "legal_name": "Association Fab Lab Rennes",
                "legal_address": "12 rue de la Fabrique\n35000 Rennes\nFrance",
                "registration_number": "123 456 789 00012",
                "vat_number": "FR12123456789",
                "invoice_prefix": spec["invoice_prefix"],
            },
        )
        labs[spec["slug"]] = lab
        if created:
            OpeningHours.objects.bulk_create(
                OpeningHours(lab=lab, weekday=day, opens=opens, closes=closes)
                for day, intervals in spec["hours"].items()
                for opens, closes in intervals
            )
            year = timezone.localdate().year
            Closure.objects.create(
                lab=lab,
                first_day=dt.date(year, 12, 24),
                last_day=dt.date(year + 1, 1, 2),
                reason="Winter holidays",
            )
    return labs


def seed_accounts(labs):
    users = {}
    for email, full_name, superuser, roles in ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            create = User.objects.create_superuser if superuser else User.objects.create_user
            user = create(email=email, password=DEMO_PASSWORD, full_name=full_name)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        for slug, lab_roles in roles.items():
            for role in lab_roles:
                membership_grant(user=user, lab=labs[slug], role=role, by=None)
        users[email] = user
    return users
