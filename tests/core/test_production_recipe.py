"""The Docker recipe names commands and settings that exist (docker itself is not needed)."""

from pathlib import Path

import environ
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


class TestProductionRecipe:
    def test_it_runs_web_worker_periodic_jobs_database_and_cache(self):
        assert set(compose()["services"]) == {"migrate", "web", "worker", "periodic", "db", "redis"}

    def test_its_commands_exist(self):
        services = compose()["services"]
        commands = get_commands()
        for name in ("migrate", "worker", "periodic"):
            command = " ".join(services[name]["command"])
            assert command.split("manage.py ")[1].split()[0].rstrip(";") in commands, name

    def test_it_keeps_media_and_database_on_volumes(self):
        services = compose()["services"]
        assert "media:/app/media" in services["web"]["volumes"]
        assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]

    def test_the_example_environment_names_every_required_variable(self):
        example = (ROOT / ".env.example").read_text()
        required = ("SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SITE_URL", "POSTGRES_PASSWORD", "EMAIL_URL")
        for name in required:
            assert f"\n{name}=" in example

    def test_a_redis_cache_url_uses_djangos_own_backend(self):
        config = environ.Env.cache_url_config("redis://redis:6379/0")
        assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
        import redis  # noqa: F401 (the backend's client, pinned in requirements.txt)

    def test_the_image_ignores_local_secrets_and_data(self):
        ignored = (ROOT / ".dockerignore").read_text().split()
        assert {".env", ".venv", "media", "*.sqlite3*", ".git"} <= set(ignored)
