"""The Docker recipe names commands and settings that exist, and Compose accepts it
(`docker-compose config` checks the file against the Compose schema without a daemon)."""

import shutil
import subprocess
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

    def test_compose_accepts_the_file_with_the_example_environment(self, tmp_path):
        for name in ("docker-compose.yml", "Dockerfile"):
            shutil.copy(ROOT / name, tmp_path / name)
        shutil.copy(ROOT / ".env.example", tmp_path / ".env")
        result = subprocess.run(["docker-compose", "config"], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        resolved = yaml.safe_load(result.stdout)
        assert resolved["services"]["web"]["environment"]["DATABASE_URL"].startswith("postgres://fablab:")

    def test_compose_refuses_to_start_without_a_database_password(self, tmp_path):
        shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
        (tmp_path / ".env").write_text("SECRET_KEY=x\n")
        result = subprocess.run(["docker-compose", "config", "-q"], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode != 0
        assert "POSTGRES_PASSWORD" in result.stderr

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
