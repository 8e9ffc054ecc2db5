import time_machine
from django.test import TestCase

from tests.security.cast import NOW, ROLES, Cast
from tests.security.matrix_harness import client_for, visit
from tests.security.test_permission_matrix import admin_paths


@time_machine.travel(NOW, tick=False)
class ScratchTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = Cast()

    def test_dump(self):
        c = self.cast
        clients = {role: client_for(c, role, api=False) for role in ROLES}
        paths = admin_paths() + [
            f"/admin/bookings/booking/{c.booking.pk}/change/",
            f"/admin/billing/invoice/{c.invoice.pk}/change/",
            f"/admin/projects/project/{c.project.pk}/change/",
            f"/admin/billing/order/{c.order.pk}/change/",
            f"/admin/accounts/user/{c.member.pk}/change/",
            f"/admin/labs/lab/{c.lab.pk}/change/",
        ]
        with open("/tmp/h_mx2_admin.txt", "w") as out:
            for path in paths:
                outcomes = [visit(c, role, "GET", path, api=False, client=clients[role]) for role in ROLES]
                out.write(f"{path:60} {' '.join(outcomes)}\n")
