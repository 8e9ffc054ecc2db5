"""Closing an accounting period: the checks, the archive, its chain, and nothing issued in it afterwards."""

import datetime as dt
import hashlib
import io
import json
import zipfile
from io import StringIO

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from fablab.billing.models import AccountingPeriod, ImmutableDocument, Invoice
from fablab.billing.periods import archive_problems, period_close
from fablab.billing.services import BillingError, credit_note_issue
from tests.billing.factories import BillingLabFactory, issue_invoice
from tests.concurrency import race

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def lab():
    return BillingLabFactory(invoice_prefix="REN", slug="rennes")


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=UTC)):
        yield


def archive_files(period):
    with period.archive.open("rb") as stored, zipfile.ZipFile(io.BytesIO(stored.read())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.usefixtures("clock")
class TestPeriodClose:
    def test_it_archives_the_month_documents_as_json_and_pdf_with_checksums(self, lab, world):
        january = issue_invoice(lab, issued_at=at(2026, 1, 20))
        first = issue_invoice(lab, issued_at=at(2026, 2, 3))
        note = credit_note_issue(invoice=first, reason="Wrong pack")  # issued "now", in April
        second = issue_invoice(lab)
        period = period_close(lab=lab, kind="month", year=2026, month=2, by=world.staff)
        assert (period.first_day, period.last_day, period.documents) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28), 1)
        files = archive_files(period)
        assert sorted(files) == ["REN-2026-00002.json", "REN-2026-00002.pdf", "SHA256SUMS", "manifest.json"]
        with first.pdf.open("rb") as stored:
            assert files["REN-2026-00002.pdf"] == stored.read()
        assert json.loads(files["REN-2026-00002.json"])["content_hash"] == first.content_hash
        for line in files["SHA256SUMS"].decode().splitlines():
            digest, name = line.split("  ")
            assert hashlib.sha256(files[name]).hexdigest() == digest
        manifest = json.loads(files["manifest.json"])
        assert manifest["documents"] == ["REN-2026-00002"]
        assert manifest["previous_checksum"] == "0" * 64
        assert period.checksum == hashlib.sha256(("0" * 64).encode() + files["SHA256SUMS"]).hexdigest()
        assert january.number not in manifest["documents"] and note.number not in manifest["documents"]
        assert second.number not in manifest["documents"]

    def test_each_archive_is_chained_to_the_previous_one(self, lab):
        issue_invoice(lab, issued_at=at(2026, 1, 20))
        issue_invoice(lab, issued_at=at(2026, 2, 3))
        january = period_close(lab=lab, kind="month", year=2026, month=1)
        february = period_close(lab=lab, kind="month", year=2026, month=2)
        assert (january.position, february.position) == (1, 2)
        assert february.previous_checksum == january.checksum
        assert archive_problems() == []

    def test_nothing_can_be_issued_in_a_closed_period(self, lab):
        issue_invoice(lab, issued_at=at(2026, 2, 3))
        period_close(lab=lab, kind="month", year=2026, month=3)
        with pytest.raises(BillingError) as refused:
            issue_invoice(lab, issued_at=at(2026, 3, 20))
        assert refused.value.code == "period_closed"
        assert Invoice.objects.count() == 1
        issue_invoice(lab, issued_at=at(2026, 4, 2))  # the open month still takes documents

    def test_a_year_can_be_closed_after_its_months(self, lab):
        issue_invoice(lab, issued_at=at(2025, 6, 3))
        period_close(lab=lab, kind="month", year=2025, month=6)
        year = period_close(lab=lab, kind="year", year=2025)
        assert year.documents == 1
        with pytest.raises(BillingError) as refused:
            period_close(lab=lab, kind="month", year=2025, month=7)
        assert refused.value.code == "period_closed"

    @pytest.mark.parametrize(
        ("kind", "year", "month", "code"),
        [
            ("month", 2026, 4, "period_not_over"),
            ("month", 2026, 13, "bad_period"),
            ("month", 2026, None, "bad_period"),
            ("week", 2026, 1, "bad_period"),
            ("year", 2026, None, "period_not_over"),
            ("year", 1999, None, "bad_period"),
        ],
    )
    def test_it_refuses_a_period_that_is_not_a_past_month_or_year(self, lab, kind, year, month, code):
        with pytest.raises(BillingError) as refused:
            period_close(lab=lab, kind=kind, year=year, month=month)
        assert refused.value.code == code
        assert AccountingPeriod.objects.count() == 0

    def test_it_refuses_twice_the_same_period(self, lab):
        period_close(lab=lab, kind="month", year=2026, month=1)
        with pytest.raises(BillingError) as refused:
            period_close(lab=lab, kind="month", year=2026, month=1)
        assert refused.value.code == "period_closed"

    def test_it_refuses_when_the_invoice_chain_does_not_verify(self, lab):
        invoice = issue_invoice(lab, issued_at=at(2026, 1, 20))
        invoice.pdf.storage.delete(invoice.pdf.name)
        invoice.pdf.storage.save(invoice.pdf.name, ContentFile(b"%PDF-1.7 forged"))
        with pytest.raises(BillingError) as refused:
            period_close(lab=lab, kind="month", year=2026, month=1)
        assert refused.value.code == "chain_broken"
        assert "PDF changed" in str(refused.value)
        assert AccountingPeriod.objects.count() == 0

    def test_a_closed_period_never_changes(self, lab):
        period = period_close(lab=lab, kind="month", year=2026, month=1)
        with pytest.raises(ImmutableDocument):
            period.save()
        with pytest.raises(ImmutableDocument):
            period.delete()

    def test_verify_invoices_names_a_replaced_archive(self, lab):
        issue_invoice(lab, issued_at=at(2026, 1, 20))
        period = period_close(lab=lab, kind="month", year=2026, month=1)
        period_close(lab=lab, kind="month", year=2026, month=2)
        storage = period.archive.storage
        storage.delete(period.archive.name)
        storage.save(period.archive.name, ContentFile(b"PK not the archive"))
        out = StringIO()
        with pytest.raises(CommandError) as failed:
            call_command("verify_invoices", stdout=out)
        assert failed.value.returncode == 1
        assert out.getvalue().splitlines() == ["REN 2026-01-01–2026-01-31: archive missing or unreadable"]


@pytest.mark.django_db(transaction=True)
class TestConcurrentClosing:
    def test_concurrent_closes_of_one_period_archive_it_once(self, lab):
        with time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=UTC)):
            issue_invoice(lab, issued_at=at(2026, 1, 20))
            results = race([lambda: period_close(lab=lab, kind="month", year=2026, month=1)] * 4)
        assert sum(1 for result in results if isinstance(result, AccountingPeriod)) == 1
        assert [getattr(result, "code", None) for result in results].count("period_closed") == 3
        assert AccountingPeriod.objects.count() == 1

    def test_an_issue_racing_a_close_lands_before_it_or_is_refused(self, lab):
        with time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=UTC)):
            issue_invoice(lab, issued_at=at(2026, 3, 1))
            results = race(
                [
                    lambda: period_close(lab=lab, kind="month", year=2026, month=3),
                    lambda: issue_invoice(lab, issued_at=at(2026, 3, 30)),
                ]
            )
        period = AccountingPeriod.objects.get()
        march = Invoice.objects.filter(issued_at__lt=at(2026, 4, 1)).count()
        assert period.documents == march  # the archive holds every document of March, whichever won
        assert isinstance(results[1], Invoice) or results[1].code == "period_closed"


class TestPeriodsPage:
    URL = "/payments/staff/periods/"

    def test_staff_close_last_month_and_download_its_archive(self, client, world):
        with time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=UTC)):
            issue_invoice(world.lab, issued_at=at(2026, 3, 5))
            client.force_login(world.staff)
            page = client.get(self.URL, {"lab": world.lab.slug}, HTTP_ACCEPT_LANGUAGE="en")
            assert page.status_code == 200
            assert "No period is closed yet." in page.content.decode()
            response = client.post(
                f"{self.URL}?lab={world.lab.slug}", {"lab": world.lab.slug, "kind": "month", "year": 2026, "month": 3}
            )
            assert response.status_code == 302
            period = AccountingPeriod.objects.get()
            assert (period.lab, period.closed_by, period.documents) == (world.lab, world.staff, 1)
            download = client.get(f"{self.URL}{period.pk}/archive.zip")
            assert download.status_code == 200
            assert download["Content-Type"] == "application/zip"
            assert 'filename="lab-a-month-2026-03.zip"' in download["Content-Disposition"]
            assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).testzip() is None

    def test_a_refused_close_shows_why_and_writes_nothing(self, client, world):
        client.force_login(world.staff)
        response = client.post(
            f"{self.URL}?lab={world.lab.slug}",
            {"lab": world.lab.slug, "kind": "month", "year": 2999, "month": 1},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400
        assert "A period can only be closed once it is over." in response.content.decode()
        assert AccountingPeriod.objects.count() == 0

    def test_staff_of_another_lab_and_members_cannot_close_or_download(self, client, world):
        period = period_close(lab=world.lab, kind="month", year=2020, month=1)
        for user in (world.other_staff, world.member):
            client.force_login(user)
            assert client.get(self.URL, {"lab": world.lab.slug}).status_code == 404
            response = client.post(self.URL, {"lab": world.lab.slug, "kind": "month", "year": 2020, "month": 2})
            assert response.status_code == 404
            assert client.get(f"{self.URL}{period.pk}/archive.zip").status_code == 404
        assert AccountingPeriod.objects.count() == 1

    def test_anonymous_is_sent_to_login(self, client, world):
        response = client.get(self.URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
