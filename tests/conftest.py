import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import translation

from fablab.labs.models import Role
from tests.factories import LabFactory, MembershipFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def _plain_http_test_server():
    """Tests run with production settings, served over plain HTTP on loopback."""
    overrides = override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "project_files": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
        ALLOW_DEMO_DATA=True,
        # Staff two-factor enforcement has its own tests (tests/accounts/test_staff_two_factor.py).
        STAFF_MFA_REQUIRED=False,
        # PBKDF2's cost is a production defence, not something the tests check.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    overrides.enable()
    yield
    overrides.disable()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service messages read in English in assertions; requests still pick their own language."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached pages must not leak from one test to the next."""
    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


@pytest.fixture
def built_every_time(monkeypatch):
    """Nothing is read from the cache (fablab/core/cache.py): for counting what a page costs to build."""
    monkeypatch.setattr("fablab.core.cache._get", lambda key: None)


class World:
    """The cast every permission test needs: two labs and people with roles in each."""

    def __init__(self):
        self.lab = LabFactory(slug="lab-a", name="Lab A")
        self.other_lab = LabFactory(slug="lab-b", name="Lab B")
        self.member = UserFactory(email="member@example.org", full_name="Mia Member")
        self.other_member = UserFactory(email="other@example.org", full_name="Oscar Other")
        self.trainer = UserFactory(email="trainer@example.org", full_name="Tina Trainer")
        self.staff = UserFactory(email="staff@example.org", full_name="Stan Staff")
        self.other_staff = UserFactory(email="staff-b@example.org", full_name="Bea Staff-B")
        self.superuser = UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
        MembershipFactory(user=self.member, lab=self.lab, role=Role.MEMBER)
        MembershipFactory(user=self.other_member, lab=self.lab, role=Role.MEMBER)
        MembershipFactory(user=self.trainer, lab=self.lab, role=Role.TRAINER)
        MembershipFactory(user=self.staff, lab=self.lab, role=Role.STAFF)
        MembershipFactory(user=self.other_staff, lab=self.other_lab, role=Role.STAFF)


@pytest.fixture
def world(db):
    return World()
