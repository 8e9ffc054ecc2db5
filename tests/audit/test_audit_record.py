"""The services write who changed what and when, in the transaction of the change."""

import datetime as dt

import pytest
from django.db import DatabaseError, transaction

from bookings.services import block_create, booking_cancel, booking_create
from fablab.accounts.services import account_erase
from fablab.audit.models import AuditEntry
from fablab.audit.selectors import audit_history
from fablab.audit.services import audit_record
from fablab.billing.models import Invoice
from fablab.billing.refunds import order_refund_record
from fablab.credits.models import CreditAccount
from fablab.credits.services import (
    InsufficientCredits,
    contribution_log,
    contribution_refuse,
    credits_adjust,
    credits_set_overdraft,
)
from machines.models import MachineStatus
from machines.services import machine_set_status, qualification_grant, qualification_revoke
from tests.billing.order_helpers import CreditPackFactory, order_for, pay_at_desk
from tests.bookings.conftest import utc

pytestmark = pytest.mark.django_db


def entries(target):
    return [(entry.action, entry.actor) for entry in reversed(audit_history(target))]


class TestAuditRecord:
    def test_it_records_a_booking_and_its_staff_cancellation(self, world, laser):
        booking = booking_create(
            member=world.member, machine=laser, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10)
        )
        booking_cancel(booking=booking, by=world.staff, reason="Laser tube")
        history = audit_history(booking)
        assert entries(booking) == [("booking.created", world.member), ("booking.cancelled", world.staff)]
        assert history[0].lab_id == world.lab.pk
        assert history[0].changes == {"refund_minutes": booking.credits_minutes}
        assert history[0].summary == "Laser tube"

    def test_it_records_staff_blocks(self, world, laser):
        block = block_create(machine=laser, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10), by=world.staff)
        assert entries(block) == [("booking.block_created", world.staff)]

    def test_it_records_credit_adjustments_and_overdrafts_on_the_account(self, world):
        credits_adjust(member=world.member, lab=world.lab, minutes=90, memo="Welcome back", by=world.staff)
        credits_adjust(member=world.member, lab=world.lab, minutes=-30, memo="Correction", by=world.staff)
        credits_set_overdraft(member=world.member, lab=world.lab, minutes=60, by=world.staff)
        account = CreditAccount.objects.get(user=world.member, lab=world.lab)
        assert entries(account) == [
            ("credits.granted", world.staff),
            ("credits.adjusted", world.staff),
            ("credits.overdraft_set", world.staff),
        ]
        assert audit_history(account)[0].changes == {"from": 0, "to": 60}

    def test_it_writes_nothing_when_the_change_rolls_back(self, world):
        with pytest.raises(InsufficientCredits):
            credits_adjust(member=world.member, lab=world.lab, minutes=-30, memo="Too much", by=world.staff)
        assert AuditEntry.objects.count() == 0

    def test_it_records_a_refused_contribution(self, world):
        contribution = contribution_log(
            member=world.member, lab=world.lab, day=dt.date(2026, 1, 5), minutes=60, description="Tidied up"
        )
        contribution_refuse(contribution=contribution, by=world.staff, reason="Not on that day")
        assert entries(contribution) == [("contribution.refused", world.staff)]

    def test_it_records_machine_status_changes_and_qualifications(self, world, laser):
        machine_set_status(machine=laser, status=MachineStatus.OUT_OF_ORDER, by=world.staff, reason="Smoke")
        granted = qualification_grant(user=world.member, machine=laser, by=world.staff)
        lapsed = qualification_grant(user=world.other_member, machine=laser, by=world.staff)
        qualification_revoke(qualification=granted, by=world.staff, reason="Unsafe use")
        qualification_revoke(qualification=lapsed, by=None, reason="Lapsed")
        assert entries(laser) == [("machine.status_changed", world.staff)]
        assert audit_history(laser)[0].changes == {"from": "available", "to": "out_of_order"}
        assert entries(granted) == [("qualification.granted", world.staff), ("qualification.revoked", world.staff)]
        assert entries(lapsed) == [("qualification.granted", world.staff), ("qualification.lapsed", None)]

    def test_it_records_desk_payments_invoices_refunds_and_credit_notes(self, world):
        order = pay_at_desk(order_for(world.member, CreditPackFactory(lab=world.lab)), world.staff)
        order_refund_record(order=order, amount_cents=4_000, method="cash", by=world.staff)
        assert entries(order) == [("order.payment_recorded", world.staff), ("order.refunded", world.staff)]
        assert audit_history(order)[0].changes == {"amount_cents": 4_000}
        assert entries(order.invoice) == [("invoice.issued", world.staff)]
        assert audit_history(order.invoice)[0].changes["number"] == order.invoice.number
        note = Invoice.objects.get(corrects=order.invoice)
        assert entries(note) == [("invoice.credit_note_issued", world.staff)]

    def test_it_refuses_an_unknown_action(self, world):
        with pytest.raises(ValueError, match="Unknown audit action"):
            audit_record(actor=world.staff, action="booking.teleported", target=world.lab, lab=world.lab)


class TestAuditAppendOnly:
    @pytest.fixture
    def entry(self, world):
        return audit_record(actor=world.staff, action="machine.status_changed", target=world.lab, lab=world.lab)

    def test_it_refuses_save_and_delete_on_the_model(self, entry):
        entry.summary = "Rewritten"
        with pytest.raises(ValueError):
            entry.save()
        with pytest.raises(ValueError):
            entry.delete()

    def test_the_database_refuses_updates(self, entry):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(summary="Rewritten")
        entry.refresh_from_db()
        assert entry.summary == ""

    def test_it_keeps_the_entry_with_the_erased_actor_anonymised(self, world, entry):
        account_erase(user=world.staff)
        entry.refresh_from_db()
        assert entry.actor_id == world.staff.pk
        assert entry.actor.email == f"erased-{world.staff.pk}@erased.invalid"
        assert entry.actor.full_name == ""
