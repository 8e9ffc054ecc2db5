"""Demo projects (seed_demo): published, documented the fab-lab way. Idempotent."""

from decimal import Decimal

from projects.models import Project
from projects.services import material_add, project_create, project_publish, step_add

PROJECTS = [
    {
        "title": "Plywood desk lamp",
        "owner": "member@fablab.test",
        "lab": "rennes",
        "summary": "A flat-pack lamp cut from 3 mm plywood, assembled without glue.",
        "description": "A lamp whose parts slot together. The shade diffuses an LED bulb through a lattice.",
        "difficulty": "beginner",
        "duration_minutes": 180,
        "licence": "CC-BY-SA-4.0",
        "machines": ["trotec-speedy-400"],
        "tags": ["lamp", "plywood", "laser"],
        "what_went_wrong": "The first cut had slots 0.2 mm too tight: measure the kerf on a test piece first.",
        "steps": [
            ("Draw the parts", "Open `lamp.svg` and set the **slot width** to your plywood's thickness."),
            ("Cut", "Laser: 3 mm plywood, speed 1.6 %, power 100 %. Cut the test piece first."),
            ("Assemble", "Slot the ribs into the base, then the shade rings from the bottom up."),
        ],
        "materials": [("Plywood 3 mm, 600 × 400 mm", Decimal("1"), "sheet"), ("E27 LED bulb", Decimal("1"), "pcs")],
    },
    {
        "title": "Printed cable clips",
        "owner": "newcomer@fablab.test",
        "lab": "rennes",
        "summary": "Small clips that keep desk cables in order, printed in PLA in 20 minutes.",
        "description": "Three sizes, parametric in OpenSCAD.",
        "difficulty": "beginner",
        "duration_minutes": 40,
        "licence": "CC0-1.0",
        "machines": ["prusa-mk4"],
        "tags": ["3d-printing", "desk"],
        "what_went_wrong": "PLA clips snap in the cold: PETG holds better near windows.",
        "steps": [
            ("Choose the size", "Set `cable_diameter` in `clip.scad`."),
            ("Print", "0.2 mm layers, 20 % infill."),
        ],
        "materials": [("PLA filament", Decimal("15"), "g")],
    },
    {
        "title": "Embroidered lab badge",
        "owner": "trainer@fablab.test",
        "lab": "maurepas",
        "summary": "The lab's logo as a sew-on badge, from a vector file to the embroidery machine.",
        "description": "Digitising a logo, choosing stitches, and stabilising the fabric.",
        "difficulty": "intermediate",
        "duration_minutes": 120,
        "licence": "CC-BY-4.0",
        "machines": ["brother-pr680w"],
        "tags": ["embroidery", "textile"],
        "what_went_wrong": "Without a stabiliser the fabric puckered: use tear-away stabiliser under cotton.",
        "steps": [
            ("Digitise", "Convert the SVG to stitches; satin for outlines, fill for areas."),
            ("Embroider", "Hoop the fabric with the stabiliser, run the design."),
        ],
        "materials": [("Cotton twill", Decimal("0.1"), "m²"), ("Tear-away stabiliser", Decimal("0.1"), "m²")],
    },
]


def seed_projects(labs, users, machines):
    for spec in PROJECTS:
        if Project.objects.filter(title=spec["title"]).exists():
            continue
        owner = users[spec["owner"]]
        project = project_create(
            owner=owner,
            lab=labs[spec["lab"]],
            title=spec["title"],
            summary=spec["summary"],
            description=spec["description"],
            difficulty=spec["difficulty"],
            duration_minutes=spec["duration_minutes"],
            licence=spec["licence"],
            machines=[machines[slug] for slug in spec["machines"]],
            tags=spec["tags"],
            what_went_wrong=spec["what_went_wrong"],
        )
        for title, body in spec["steps"]:
            step_add(project=project, by=owner, title=title, body=body)
        for item, quantity, unit in spec["materials"]:
            material_add(project=project, by=owner, item=item, quantity=quantity, unit=unit)
        project_publish(project=project, by=owner)
