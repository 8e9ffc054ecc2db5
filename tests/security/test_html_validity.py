"""Every page type, for every audience, is valid HTML to the Nu HTML checker (vnu.jar).

vnu-jar comes from npm (package.json), Java from Debian (Makefile: system-deps). One
Java run checks all the pages, written to files first.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client

from fablab.accounts.models import User
from tests.security import pages

pytestmark = pytest.mark.django_db

VNU_JAR = Path(os.environ.get("VNU_JAR") or Path(settings.BASE_DIR) / "node_modules/vnu-jar/build/dist/vnu.jar")


def rendered_pages():
    """(url, html) of every page type for every audience, and the static error pages."""
    pages.seed()
    found = []
    for email, urls in [
        (None, pages.public_pages()),
        (pages.MEMBER_EMAIL, pages.member_pages()),
        (pages.STAFF_EMAIL, pages.staff_pages()),
        (pages.TRAINER_EMAIL, pages.trainer_pages()),
    ]:
        client = Client()
        if email:
            client.force_login(User.objects.get(email=email))
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 404), url
            found.append((f"{email or 'anonymous'} {url}", response.content.decode()))
    found.append(("500 page", render_to_string("500.html")))
    found.append(("503 page", render_to_string("503.html")))
    return found


class TestHtmlValidity:
    def test_every_page_type_is_valid_html(self, tmp_path):
        if shutil.which("java") is None:
            pytest.skip("no Java runtime (apt-get install default-jre-headless)")
        if not VNU_JAR.exists():
            pytest.skip(f"{VNU_JAR} is missing: run `npm ci`")
        names = {}
        for number, (label, html) in enumerate(rendered_pages()):
            path = tmp_path / f"page-{number:03d}.html"
            path.write_text(html)
            names[path.name] = label
        result = subprocess.run(
            [
                "java",
                "-jar",
                str(VNU_JAR),
                "--format",
                "json",
                "--errors-only",
                *sorted(str(p) for p in tmp_path.glob("*.html")),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
        errors = [
            f"{names.get(Path(message.get('url', '')).name, message.get('url'))}:{message.get('lastLine')}: "
            f"{message['message']}"
            f" — {message.get('extract', '').strip()[:120]}"
            for message in messages
            if message["type"] == "error"
        ]
        assert errors == [], f"{len(errors)} HTML errors on {len(names)} pages:\n" + "\n".join(errors)
        assert len(names) >= 40
