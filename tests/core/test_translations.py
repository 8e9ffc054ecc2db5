"""The French catalogue covers every string of the interface, with nothing fuzzy.

The catalogue is regenerated from the sources in a scratch copy, so that a
string added in code but not translated fails here, not in front of a member.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["fablab", "machines", "bookings", "training", "projects", "frontend", "locale", "manage.py"]

pytestmark = pytest.mark.skipif(shutil.which("msgattrib") is None, reason="GNU gettext is not installed")


@pytest.fixture(scope="module")
def regenerated_catalogue(tmp_path_factory):
    copy = tmp_path_factory.mktemp("i18n")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        elif source.exists():
            shutil.copy(source, copy / name)
    env = {"PATH": os.environ["PATH"], "DEBUG": "true", "PYTHONPATH": str(copy)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "-v0"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def gettext_tool(*args):
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


class TestFrenchCatalogue:
    def test_every_string_in_the_code_is_translated(self, regenerated_catalogue):
        untranslated = gettext_tool("msgattrib", "--untranslated", "--no-wrap", str(regenerated_catalogue))
        assert untranslated == "", f"Untranslated strings (run makemessages and translate):\n{untranslated}"

    def test_no_translation_is_fuzzy(self, regenerated_catalogue):
        fuzzy = gettext_tool("msgattrib", "--only-fuzzy", "--no-wrap", str(regenerated_catalogue))
        fuzzy_entries = [block for block in fuzzy.split("\n\n") if block.strip() and 'msgid ""\nmsgstr ""' not in block]
        assert fuzzy_entries == [], "\n\n".join(fuzzy_entries)

    def test_the_catalogue_compiles_cleanly(self):
        result = subprocess.run(
            ["msgfmt", "--check", "-o", os.devnull, str(ROOT / "locale/fr/LC_MESSAGES/django.po")],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr


@pytest.mark.django_db
class TestPagesInFrench:
    def test_the_layout_speaks_french_by_default(self, client):
        content = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert '<html lang="fr">' in content
        assert "Aller au contenu principal" in content
