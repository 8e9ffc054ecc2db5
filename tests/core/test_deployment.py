import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "fablab.example.org",
    "DATABASE_URL": f"sqlite:///{Path(tempfile.gettempdir()) / 'fablab-deploy-check.sqlite3'}",
    "EMAIL_URL": "smtp+tls://mailer:secret@mail.example.org:587",
}


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestDeployment:
    def test_check_deploy_is_clean_with_production_settings(self):
        result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_it_refuses_to_start_without_a_secret_key_in_production(self):
        env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
        result = run_manage("check", env=env)
        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr
