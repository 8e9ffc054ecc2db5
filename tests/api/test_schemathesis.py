"""Schemathesis against the whole API, in process, as a member and as staff.

Every operation of /api/v1/schema/ gets generated requests (valid and invalid
bodies, parameters and ids). Checks: never a server error, and every response
that the schema describes matches it. Kept small for CI (`MAX_EXAMPLES` per
operation and per role).
"""

import datetime as dt
import json
import os

import pytest
import schemathesis
import time_machine
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.renderers import JSONRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from bookings.services import booking_create
from fablab.accounts.models import User
from fablab.wsgi import application
from tests.conftest import World
from tests.factories import MachineFactory, give_credits
from tests.security.cast import NOW

# 20 generated requests per operation and role in CI; SCHEMATHESIS_MAX_EXAMPLES=200 for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"))
CHECKS = [not_a_server_error, response_schema_conformance]

pytestmark = pytest.mark.django_db


def _document():
    """The schema /api/v1/schema/ serves, built at collection time (no request, no database)."""
    generator = SchemaGenerator(patterns=None)
    return json.loads(JSONRenderer().render(generator.get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(_document())
# What `from_wsgi` does: requests go to the application in process.
schema.app = application


@pytest.fixture(autouse=True)
def api_world(db):
    """Two labs with every role, a machine, credits and a booking to find behind the ids."""
    with time_machine.travel(NOW, tick=False):
        world = World()
        machine = MachineFactory(lab=world.lab, name="Laser")
        give_credits(world.member, world.lab, 600)
        start = NOW + dt.timedelta(days=1, hours=2)
        booking_create(member=world.member, machine=machine, start=start, end=start + dt.timedelta(hours=1))
    # As Django's test client does: the handler must not close the test's connection after each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _token(email):
    return Token.objects.get_or_create(user=User.objects.get(email=email))[0].key


def _call(case, email):
    cache.clear()  # throttle counters: the fuzzer is allowed its thousand calls a minute
    case.call_and_validate(headers={"Authorization": f"Token {_token(email)}"}, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_holds_its_schema_for_a_member(case):
    _call(case, "member@example.org")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_holds_its_schema_for_staff(case):
    _call(case, "staff@example.org")
