"""Closing an accounting period (a month or a year) and its chained archive.

Closing happens once the period is over and the lab's invoice chain verifies.
It takes the same lock as issuing (the lab's `InvoiceChain` row), so that no
document can be issued into the period while its archive is written; from then
on `services._issue` refuses any document dated inside a closed period.

The archive is a ZIP holding, per document in chain order, `<number>.json` (its
canonical content with its hashes) and `<number>.pdf` (the legal copy), plus
`manifest.json` and `SHA256SUMS` (one line per file, as `sha256sum` prints
them). Its checksum is `sha256(previous checksum + SHA256SUMS)`, chained to the
lab's previous archive (64 zeros for the first): an archive replaced or removed
later breaks the chain, which `verify_invoices` recomputes.
"""

import calendar
import datetime as dt
import hashlib
import io
import json
import zipfile

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fablab.audit.services import audit_record
from fablab.billing.chain import canonical_content
from fablab.billing.models import GENESIS_HASH, AccountingPeriod, Invoice, PeriodKind
from fablab.billing.selectors import invoice_chain_problems
from fablab.billing.services import BillingError, chain_locked


def period_dates(*, kind: str, year: int, month: int | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of a month or a year."""
    if kind == PeriodKind.YEAR:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def period_close(*, lab, kind: str, year: int, month: int | None = None, by=None) -> AccountingPeriod:
    """Close a lab's month or year: check, archive, chain. Refused while it runs or if already closed."""
    if kind not in PeriodKind.values:
        raise BillingError(_("Choose a month or a year."), code="bad_period", field="kind")
    if kind == PeriodKind.MONTH and month not in range(1, 13):
        raise BillingError(_("Choose the month to close."), code="bad_period", field="month")
    if not isinstance(year, int) or not 2000 <= year <= 2999:
        raise BillingError(_("Choose the year to close."), code="bad_period", field="year")
    first_day, last_day = period_dates(kind=kind, year=year, month=month)
    if last_day >= timezone.localdate(timezone=lab.tz):
        raise BillingError(_("A period can only be closed once it is over."), code="period_not_over")
    with transaction.atomic():
        chain_locked(lab)  # no document can be issued meanwhile
        if AccountingPeriod.objects.filter(lab=lab, first_day__lte=first_day, last_day__gte=last_day).exists():
            raise BillingError(_("This period is already closed."), code="period_closed")
        problems = invoice_chain_problems(lab=lab)
        if problems:
            raise BillingError(
                _("The invoice chain does not verify, the period cannot be closed: %(problem)s")
                % {"problem": problems[0]},
                code="chain_broken",
            )
        previous = AccountingPeriod.objects.filter(lab=lab).order_by("-position").first()
        period = AccountingPeriod(
            lab=lab,
            kind=kind,
            first_day=first_day,
            last_day=last_day,
            position=previous.position + 1 if previous else 1,
            closed_at=timezone.now(),
            closed_by=by,
            previous_checksum=previous.checksum if previous else GENESIS_HASH,
        )
        documents = period_documents(period)
        archive, sums = _archive(period, documents)
        period.documents = len(documents)
        period.archive_sha256 = hashlib.sha256(archive).hexdigest()
        period.checksum = archive_checksum(period.previous_checksum, sums)
        period.archive.save(f"{lab.slug}-{kind}-{first_day:%Y-%m}.zip", ContentFile(archive), save=False)
        try:
            period.save()
        except BaseException:
            period.archive.storage.delete(period.archive.name)
            raise
        audit_record(
            actor=by,
            action="period.closed",
            target=period,
            lab=lab,
            changes={"first_day": first_day.isoformat(), "last_day": last_day.isoformat(), "documents": len(documents)},
        )
    return period


def period_documents(period) -> list[Invoice]:
    """The lab's documents issued on the period's days, in the lab's time zone, in chain order."""
    tz = period.lab.tz
    start = dt.datetime.combine(period.first_day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return list(
        Invoice.objects.filter(lab=period.lab, issued_at__gte=start, issued_at__lt=end)
        .select_related("lab", "corrects")
        .prefetch_related("lines")
        .order_by("chain_position")
    )


def archive_checksum(previous_checksum: str, sums: bytes) -> str:
    return hashlib.sha256(previous_checksum.encode() + sums).hexdigest()


def _archive(period, documents) -> tuple[bytes, bytes]:
    """The ZIP bytes and its SHA256SUMS text."""
    files = {}
    for invoice in documents:
        files[f"{invoice.number}.json"] = json.dumps(
            {
                "content": json.loads(canonical_content(invoice, invoice.lines.all())),
                "previous_hash": invoice.previous_hash,
                "content_hash": invoice.content_hash,
            },
            indent=2,
            sort_keys=True,
            ensure_ascii=False,
        ).encode()
        with invoice.pdf.open("rb") as stored:
            files[f"{invoice.number}.pdf"] = stored.read()
    files["manifest.json"] = json.dumps(
        {
            "lab": period.lab.slug,
            "seller": period.lab.legal_name or period.lab.name,
            "kind": period.kind,
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
            "position": period.position,
            "closed_at": period.closed_at.isoformat(),
            "documents": [invoice.number for invoice in documents],
            "total_incl_tax_cents": sum(invoice.total_incl_tax_cents for invoice in documents),
            "previous_checksum": period.previous_checksum,
            "checksum": "sha256(previous_checksum + SHA256SUMS)",
        },
        indent=2,
        ensure_ascii=False,
    ).encode()
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=period.closed_at.timetuple()[:6]), data)
        archive.writestr(zipfile.ZipInfo("SHA256SUMS", date_time=period.closed_at.timetuple()[:6]), sums)
    return buffer.getvalue(), sums


def archive_problems(lab=None) -> list[str]:
    """Recompute each lab's archive chain; one problem per broken lab, naming the first culprit period."""
    periods = AccountingPeriod.objects.select_related("lab").order_by("lab_id", "position")
    if lab is not None:
        periods = periods.filter(lab=lab)
    problems, previous, broken_labs = [], {}, set()
    for period in periods:
        if period.lab_id in broken_labs:
            continue
        problem = _period_problem(period, previous.get(period.lab_id, GENESIS_HASH))
        if problem:
            problems.append(problem)
            broken_labs.add(period.lab_id)
        previous[period.lab_id] = period.checksum
    return problems


def _period_problem(period, expected_previous):
    name = f"{period.lab.invoice_prefix or period.lab.slug} {period.first_day}–{period.last_day}"
    try:
        with period.archive.open("rb") as stored:
            data = stored.read()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sums = archive.read("SHA256SUMS")
            listed = dict(line.split("  ", 1)[::-1] for line in sums.decode().splitlines())
            changed = [
                name for name, digest in listed.items() if hashlib.sha256(archive.read(name)).hexdigest() != digest
            ]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return f"{name}: archive missing or unreadable"
    if hashlib.sha256(data).hexdigest() != period.archive_sha256 or changed:
        return f"{name}: archive changed"
    if period.previous_checksum != expected_previous or archive_checksum(expected_previous, sums) != period.checksum:
        return f"{name}: archive chain broken"
    return None
