"""manage.py verify_invoices: recompute every lab's invoice chain; exit status 1 on any tampering."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from fablab.billing.models import AccountingPeriod, Invoice
from fablab.billing.periods import archive_problems
from fablab.billing.selectors import invoice_chain_problems
from fablab.labs.models import Lab


class Command(BaseCommand):
    help = (
        "Check that no issued invoice or credit note was changed, removed or had its PDF replaced, "
        "and that no closed period's archive was. "
        "Prints the first broken document of each lab and exits with status 1 if any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lab", metavar="SLUG", help="Verify only this lab's documents.")

    def handle(self, *args, **options):
        lab = None
        if options["lab"]:
            lab = Lab.objects.filter(slug=options["lab"]).first()
            if lab is None:
                raise CommandError(f"No lab with the slug {options['lab']!r}.")
        # Operators' scripts read this output: it stays in English.
        with translation.override("en"):
            problems = invoice_chain_problems(lab=lab) + archive_problems(lab=lab)
        if problems:
            for problem in problems:
                self.stdout.write(problem)
            raise CommandError(f"{len(problems)} broken invoice or archive chain(s): see above.", returncode=1)
        documents = Invoice.objects.filter(lab=lab) if lab else Invoice.objects.all()
        periods = AccountingPeriod.objects.filter(lab=lab) if lab else AccountingPeriod.objects.all()
        self.stdout.write(
            self.style.SUCCESS(
                f"{documents.count()} invoices and {periods.count()} period archives verified, chains intact"
            )
        )
