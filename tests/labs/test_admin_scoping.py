"""The back office: lab staff (no `is_staff`, no Django permissions) see and change only their labs' rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.services import booking_create
from fablab.audit.models import AuditEntry
from fablab.credits.models import CreditAccount, EntryKind, LedgerEntry
from machines.models import Machine, MachineStatus
from tests.billing.factories import issue_invoice
from tests.bookings.conftest import utc
from tests.factories import MachineFactory, give_credits

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_machine(world):
    return MachineFactory(lab=world.other_lab, name="Lathe B")


class TestAdminAccess:
    def test_lab_staff_open_the_admin_without_is_staff(self, client, world):
        assert not world.staff.is_staff
        client.force_login(world.staff)
        response = client.get("/admin/")
        assert response.status_code == 200
        assert "/admin/machines/machine/" in response.content.decode()

    def test_members_and_trainers_do_not(self, client, world):
        for user in (world.member, world.trainer):
            client.force_login(user)
            assert client.get("/admin/").status_code == 302

    def test_lab_staff_cannot_change_accounts(self, client, world):
        client.force_login(world.staff)
        assert client.get(f"/admin/accounts/user/{world.member.pk}/change/").status_code == 200  # view only
        response = client.post(f"/admin/accounts/user/{world.member.pk}/change/", {"is_superuser": "on"})
        assert response.status_code == 403
        world.member.refresh_from_db()
        assert not world.member.is_superuser
        assert client.get("/admin/auth/group/").status_code == 403


class TestAdminScoping:
    def test_staff_list_only_their_labs_machines(self, client, world, laser, other_machine):
        client.force_login(world.staff)
        content = client.get("/admin/machines/machine/").content.decode()
        assert "Laser" in content
        assert "Lathe B" not in content

    def test_staff_cannot_open_or_change_a_row_of_another_lab(self, client, world, other_machine):
        client.force_login(world.staff)
        url = f"/admin/machines/machine/{other_machine.pk}/change/"
        assert client.get(url).status_code == 302  # "does not exist" and back to the index
        response = client.post(url, {"name": "Stolen", "lab": world.lab.pk})
        assert response.status_code == 302
        other_machine.refresh_from_db()
        assert other_machine.name == "Lathe B"
        assert other_machine.lab == world.other_lab

    def test_staff_cannot_choose_another_labs_machine(self, client, world, laser, other_machine):
        client.force_login(world.staff)
        form = client.get("/admin/machines/maintenancewindow/add/").content.decode()
        assert f'value="{laser.pk}"' in form
        assert f'value="{other_machine.pk}"' not in form
        response = client.post(
            "/admin/machines/maintenancewindow/add/",
            {
                "machine": other_machine.pk,
                "start_0": "2026-03-25",
                "start_1": "09:00",
                "end_0": "2026-03-25",
                "end_1": "10:00",
                "reason": "x",
            },
        )
        assert response.status_code == 200  # the form refuses the choice
        assert not other_machine.maintenance_windows.exists()

    def test_staff_of_the_other_lab_see_their_own_only(self, client, world, laser, other_machine):
        client.force_login(world.other_staff)
        content = client.get("/admin/machines/machine/").content.decode()
        assert f"/admin/machines/machine/{other_machine.pk}/change/" in content
        assert f"/admin/machines/machine/{laser.pk}/change/" not in content

    def test_superusers_see_every_lab(self, client, world, laser, other_machine):
        client.force_login(world.superuser)
        content = client.get("/admin/machines/machine/").content.decode()
        assert "Laser" in content
        assert "Lathe B" in content

    def test_the_audit_log_is_scoped_too(self, client, world, laser, other_machine):
        give_credits(world.member, world.other_lab, 60)
        from machines.services import machine_set_status

        machine_set_status(machine=other_machine, status=MachineStatus.MAINTENANCE, by=world.other_staff)
        client.force_login(world.staff)
        assert "machine.status_changed" not in client.get("/admin/audit/auditentry/").content.decode()
        client.force_login(world.other_staff)
        assert "machine.status_changed" in client.get("/admin/audit/auditentry/").content.decode()


class TestReadOnlyAdmins:
    def test_ledger_entries_are_read_only(self, client, world):
        give_credits(world.member, world.lab, 60)
        entry = LedgerEntry.objects.get(account__user=world.member)
        client.force_login(world.superuser)
        page = client.get(f"/admin/credits/ledgerentry/{entry.pk}/change/")
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(f"/admin/credits/ledgerentry/{entry.pk}/change/", {"minutes": 1}).status_code == 403
        assert client.get(f"/admin/credits/ledgerentry/{entry.pk}/delete/").status_code == 403

    def test_issued_invoices_are_read_only_for_lab_staff(self, client, world):
        invoice = issue_invoice(world.lab)
        client.force_login(world.staff)
        page = client.get(f"/admin/billing/invoice/{invoice.pk}/change/")
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(f"/admin/billing/invoice/{invoice.pk}/change/", {"buyer_name": "X"}).status_code == 403
        client.force_login(world.other_staff)
        assert client.get(f"/admin/billing/invoice/{invoice.pk}/change/").status_code == 302

    def test_audit_entries_are_read_only(self, client, world, laser):
        from machines.services import machine_set_status

        machine_set_status(machine=laser, status=MachineStatus.MAINTENANCE, by=world.staff)
        entry = AuditEntry.objects.get()
        client.force_login(world.superuser)
        assert client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"summary": "x"}).status_code == 403
        assert client.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403


class TestAdminActions:
    def test_cancelling_from_the_admin_refunds_and_audits(self, client, world, laser):
        booking = booking_create(
            member=world.member, machine=laser, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10)
        )
        client.force_login(world.staff)
        response = client.post(
            "/admin/bookings/booking/", {"action": "cancel_with_refund", "_selected_action": [booking.pk]}
        )
        assert response.status_code == 302
        assert LedgerEntry.objects.filter(account__user=world.member, kind=EntryKind.CANCELLATION_REFUND).count() == 1
        assert AuditEntry.objects.filter(action="booking.cancelled", actor=world.staff, target_id=booking.pk).exists()

    def test_an_action_ignores_rows_of_another_lab(self, client, world, other_machine):
        client.force_login(world.staff)
        client.post("/admin/machines/machine/", {"action": "mark_out_of_order", "_selected_action": [other_machine.pk]})
        other_machine.refresh_from_db()
        assert other_machine.status == MachineStatus.AVAILABLE

    def test_the_overdraft_is_saved_through_the_service(self, client, world):
        give_credits(world.member, world.lab, 60)
        account = CreditAccount.objects.get(user=world.member, lab=world.lab)
        client.force_login(world.staff)
        response = client.post(f"/admin/credits/creditaccount/{account.pk}/change/", {"overdraft_minutes": 120})
        assert response.status_code == 302
        account.refresh_from_db()
        assert account.overdraft_minutes == 120
        assert AuditEntry.objects.get(action="credits.overdraft_set").changes == {"from": 0, "to": 120}

    def test_the_change_page_shows_the_history_in_constant_queries(self, client, world, laser):
        from machines.services import machine_set_status

        client.force_login(world.staff)
        url = f"/admin/machines/machine/{laser.pk}/change/"
        machine_set_status(machine=laser, status=MachineStatus.MAINTENANCE, by=world.staff)
        with CaptureQueriesContext(connection) as one:
            content = client.get(url).content.decode()
        assert '<section class="audit-history"' in content
        assert "Status changed" in content
        for status in (MachineStatus.AVAILABLE, MachineStatus.OUT_OF_ORDER, MachineStatus.AVAILABLE):
            machine_set_status(machine=laser, status=status, by=world.staff)
        with CaptureQueriesContext(connection) as four:
            client.get(url)
        assert len(four) == len(one)
        assert Machine.objects.get(pk=laser.pk).status == MachineStatus.AVAILABLE


@pytest.fixture
def lab_b_rows(world, other_machine, frozen_now):
    """One row of lab B for each lab-bound admin: (admin URL prefix, pk)."""
    from bookings.services import block_create
    from machines.services import qualification_grant

    give_credits(world.member, world.other_lab, 60)
    block = block_create(
        machine=other_machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10), by=world.other_staff
    )
    qualification = qualification_grant(user=world.member, machine=other_machine, by=world.other_staff)
    return {
        "bookings/booking": block.pk,
        "credits/ledgerentry": LedgerEntry.objects.get(account__lab=world.other_lab).pk,
        "credits/creditaccount": CreditAccount.objects.get(lab=world.other_lab).pk,
        "billing/invoice": issue_invoice(world.other_lab).pk,
        "machines/qualification": qualification.pk,
        "audit/auditentry": AuditEntry.objects.filter(lab=world.other_lab).first().pk,
        "labs/lab": world.other_lab.pk,
    }


class TestEveryLabBoundAdmin:
    @pytest.mark.parametrize(
        "model",
        [
            "bookings/booking",
            "credits/ledgerentry",
            "credits/creditaccount",
            "billing/invoice",
            "machines/qualification",
            "audit/auditentry",
            "labs/lab",
        ],
    )
    def test_staff_of_lab_a_neither_list_nor_open_lab_b_rows(self, client, world, lab_b_rows, model):
        pk = lab_b_rows[model]
        client.force_login(world.staff)
        listing = client.get(f"/admin/{model}/")
        assert listing.status_code == 200
        assert f"/admin/{model}/{pk}/change/" not in listing.content.decode()
        assert client.get(f"/admin/{model}/{pk}/change/").status_code == 302
        client.force_login(world.other_staff)
        assert client.get(f"/admin/{model}/{pk}/change/").status_code == 200

    def test_staff_cannot_give_themselves_a_role_in_another_lab(self, client, world):
        from fablab.labs.models import Membership, Role

        client.force_login(world.staff)
        response = client.post(
            "/admin/labs/membership/add/", {"user": world.staff.pk, "lab": world.other_lab.pk, "role": Role.STAFF}
        )
        assert response.status_code == 200  # the form refuses the lab
        assert not Membership.objects.filter(user=world.staff, lab=world.other_lab).exists()
        response = client.post(
            "/admin/labs/membership/add/", {"user": world.member.pk, "lab": world.lab.pk, "role": Role.TRAINER}
        )
        assert response.status_code == 302
        assert Membership.objects.filter(user=world.member, lab=world.lab, role=Role.TRAINER).exists()
