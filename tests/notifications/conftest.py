import pytest


@pytest.fixture
def mail_templates(tmp_path, settings):
    """A tiny message `mail/hello` whose subject names the active language."""
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "hello_subject.txt").write_text("{% load i18n %}{% get_current_language as l %}Hi {{ l }}")
    (folder / "hello.txt").write_text(
        "{% load i18n %}{% blocktranslate with name=user.full_name %}Hello {{ name }},{% endblocktranslate %}"
    )
    (folder / "hello.html").write_text("<p>Hello <b>{{ user.full_name }}</b></p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    return "mail/hello"
