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

    def test_no_secret_is_written_in_the_settings(self):
        """Keys, passwords and tokens come from the environment only: none has a literal default."""
        import re

        source = (ROOT / "fablab" / "settings.py").read_text()
        literals = re.findall(r'(SECRET|PASSWORD|TOKEN|API_KEY)\w*\s*=\s*env\.\w+\([^)]*default="([^"]+)"', source)
        assert literals == []
        assert "sk_live" not in source and "whsec_" not in source
