"""Benchmark: issuing invoices end to end (number, totals, PDF, hash chain, storage).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fablab_bench \
        .venv/bin/python bench/invoices.py --invoices 100

Issues `--invoices` invoices of three lines each, one after the other, in a
bench lab (created if missing; its chain grows between runs), with the PDFs
stored under the system's temporary directory (kept, so that the chain still
verifies on the next run). Prints
p50/p95/max per invoice, the PDF size, the queries per invoice, and how long
`verify_invoices` takes on that lab. Target: p95 ≤ 400 ms per invoice.
Not a test: figures depend on the machine.
"""

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fablab.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from fablab.billing.selectors import invoice_chain_problems  # noqa: E402
from fablab.billing.services import Buyer, LineInput, invoice_issue  # noqa: E402
from fablab.labs.models import Lab  # noqa: E402

MEDIA_ROOT = Path(tempfile.gettempdir()) / "fablab-bench-invoices-media"

PRODUCTS = [
    ("Laser cutter, one hour", 3000, 2000),
    ("3D printer, one hour", 800, 2000),
    ("Plywood sheet 3 mm, 60 × 30 cm", 450, 2000),
    ("Introduction to laser cutting (training)", 4500, 0),
    ("Book: Fab Lab handbook", 1990, 550),
]


def bench_lab():
    lab, _created = Lab.objects.get_or_create(
        slug="bench-invoices",
        defaults={
            "name": "Bench invoices",
            "invoice_prefix": "BENCHINV",
            "legal_name": "Association Bench Fab Lab",
            "legal_address": "1 rue de la Fab\n35000 Rennes",
            "registration_number": "123 456 789 00012",
            "vat_number": "FR12123456789",
        },
    )
    return lab


def measure(lab, count):
    rng = random.Random(42)
    timings, queries, sizes = [], [], []
    for index in range(count):
        lines = [
            LineInput(description, rng.randint(1, 5), price, rate)
            for description, price, rate in rng.sample(PRODUCTS, 3)
        ]
        buyer = Buyer(f"Member {index}", f"{index} rue de Brest\n35000 Rennes", f"member{index}@example.org")
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            invoice = invoice_issue(
                lab=lab, buyer=buyer, lines=lines, payment_method="card", language=rng.choice(["fr", "en"])
            )
            timings.append((time.perf_counter() - began) * 1000)
        queries.append(len(captured.captured_queries))
        sizes.append(invoice.pdf.size)
    timings.sort()
    return {
        "invoices": count,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[min(len(timings) - 1, int(0.95 * len(timings)))], 1),
        "max_ms": round(timings[-1], 1),
        "queries_per_invoice": sorted(set(queries)),
        "pdf_kb": round(statistics.median(sizes) / 1024, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=100)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    lab = bench_lab()
    # WeasyPrint logs seven INFO lines per PDF; production settings should keep it at WARNING too.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    with override_settings(MEDIA_ROOT=MEDIA_ROOT):
        # The first render loads Pango and the fonts: a one-off cost per process, not per invoice.
        import weasyprint

        weasyprint.HTML(string="<p>warm-up</p>").write_pdf()
        result = measure(lab, args.invoices)
        print(f"{connection.vendor}: invoice_issue with 3 lines and its PDF: {result}")
        began = time.perf_counter()
        problems = invoice_chain_problems(lab=lab)
        elapsed = time.perf_counter() - began
        total = lab.invoices.count()
        print(f"verify {total} documents of the bench lab: {elapsed:.2f} s, problems: {problems or 'none'}")


if __name__ == "__main__":
    main()
