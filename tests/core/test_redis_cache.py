"""The cache as production runs it: Redis on loopback (fablab/core/redis_cache.py), shared by
every process, with each process's own copy of what a versioned key holds."""

import uuid

import pytest
from django.core.cache import caches

from fablab.core.redis_cache import RedisCache
from projects.services import project_update
from tests.core.test_visitor_cache import page_of
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def prefix():
    """Keys of this test only (tests may run in parallel on one Redis), deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    client = RedisCache(REDIS_URL, {})._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def redis_cache(prefix):
    return RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})


class TestRedisBackend:
    def test_it_stores_counts_and_forgets(self, redis_cache):
        redis_cache.set("page", b"<html>", 60)
        assert redis_cache.get("page") == b"<html>"
        assert redis_cache.add("version", 1) and not redis_cache.add("version", 2)
        assert redis_cache.incr("version") == 2
        assert redis_cache.get_many(["page", "version", "missing"]) == {"page": b"<html>", "version": 2}
        redis_cache.delete("page")
        assert redis_cache.get("page") is None

    def test_it_reuses_one_client_for_every_call(self, redis_cache):
        redis_cache.set("a", 1)
        client = redis_cache._cache.get_client()
        redis_cache.get("a")
        assert redis_cache._cache.get_client(write=True) is client


class TestPagesSharedBetweenProcesses:
    @pytest.fixture(autouse=True)
    def shared_cache(self, settings, prefix):
        settings.CACHES = {
            "default": {"BACKEND": "fablab.core.redis_cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix},
            "process": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-copies"},
        }

    def test_another_process_serves_the_copy_from_redis_and_sees_the_bump(self, client, django_assert_num_queries):
        assert isinstance(caches["default"], RedisCache)
        project = ProjectFactory(title="Lamp", steps=["Cut"])
        url = f"/projects/{project.slug}/"
        first = client.get(url, headers={"Accept-Language": "en"})
        caches["process"].clear()  # as if the next request reached another worker
        with django_assert_num_queries(0):
            assert page_of(client.get(url, headers={"Accept-Language": "en"})) == page_of(first)
        project_update(project=project, by=project.owner, title="Desk lamp")
        assert "Desk lamp" in client.get(url, headers={"Accept-Language": "en"}).content.decode()
