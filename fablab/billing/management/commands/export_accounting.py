"""manage.py export_accounting: a lab's invoices, credit notes and payments over a period, as CSV."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fablab.billing.exports import accounting_csv
from fablab.labs.models import Lab


def _date(value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: give it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Write the CSV for the lab's accountant: its invoices, credit notes, payments and refunds "
        "from one date to another, both included, in the lab's time zone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lab", metavar="SLUG", required=True, help="The lab whose books to export.")
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", required=True, help="First day.")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", required=True, help="Last day (included).")
        parser.add_argument("--output", metavar="FILE", help="Write to this file instead of standard output.")

    def handle(self, *args, **options):
        lab = Lab.objects.filter(slug=options["lab"]).first()
        if lab is None:
            raise CommandError(f"No lab with the slug {options['lab']!r}.")
        date_from, date_to = _date(options["date_from"]), _date(options["date_to"])
        if date_to < date_from:
            raise CommandError(f"--to ({date_to}) is before --from ({date_from}).")
        if options["output"]:
            # newline="": the csv module writes its own line endings (\r\n).
            with open(options["output"], "w", encoding="utf-8", newline="") as output:
                output.writelines(accounting_csv(lab, date_from, date_to))
            return
        for line in accounting_csv(lab, date_from, date_to):
            self.stdout.write(line, ending="")
