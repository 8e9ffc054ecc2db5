"""Markdown written by members is rendered, then sanitised: nothing in it can run in a reader's browser."""

import pytest

from projects.markdown import markdown_to_text, render_markdown, sanitise_html

REL = 'rel="nofollow noopener ugc"'


def html(source):
    return str(render_markdown(source))


class TestRenderMarkdown:
    def test_it_renders_the_usual_markdown(self):
        rendered = html("Some **bold**, *italics* and `code`.\n\n- one\n- two\n\n1. first\n2. second")
        assert "<strong>bold</strong>" in rendered
        assert "<em>italics</em>" in rendered
        assert "<code>code</code>" in rendered
        assert "<ul>\n<li>one</li>" in rendered
        assert "<ol>\n<li>first</li>" in rendered

    def test_it_renders_fenced_code_and_tables(self):
        rendered = html("```\nG1 X10\n```\n\n| Part | Qty |\n|---|--:|\n| Screw | 4 |")
        assert "<pre><code>G1 X10\n</code></pre>" in rendered
        assert "<th>Part</th>" in rendered
        assert '<td align="right">4</td>' in rendered

    def test_it_shifts_headings_below_the_page_outline(self):
        assert html("# Big\n\n## Smaller\n\n##### Tiny") == "<h3>Big</h3>\n<h4>Smaller</h4>\n<h6>Tiny</h6>"

    def test_it_gives_links_a_rel_that_earns_nothing_and_opens_nothing(self):
        assert html("[docs](https://example.org/a)") == f'<p><a href="https://example.org/a" {REL}>docs</a></p>'
        assert html("<https://example.org>") == f'<p><a href="https://example.org" {REL}>https://example.org</a></p>'

    def test_it_returns_an_empty_string_for_nothing(self):
        assert html("") == ""
        assert html(None) == ""


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "<svg onload=alert(1)>",
        "<iframe src=https://evil.example></iframe>",
        "<scr<script>ipt>alert(1)</script>",
        "<<script>script>alert(1)<</script>/script>",
        'text <b onmouseover="alert(1)">hover</b>',
        "<div>\n<script>alert(1)</script>\n</div>",
        "<style>body{display:none}</style>",
        '<a href="javascript:alert(1)">x</a>',
        '<form action="https://evil.example"><input name=password></form>',
    ],
)
def test_it_shows_raw_html_as_text_never_as_markup(source):
    rendered = html(source)
    assert "<script" not in rendered
    assert "<img" not in rendered
    assert "<svg" not in rendered
    assert "<iframe" not in rendered
    assert "<style" not in rendered
    assert "<form" not in rendered
    assert "<b " not in rendered
    assert "<a " not in rendered
    assert "&lt;" in rendered  # shown as typed, escaped


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '[x](javascript:alert(1) "title")',
        "[x][ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_it_drops_dangerous_link_urls(source):
    rendered = html(source)
    assert "href" not in rendered
    assert "javascript" not in rendered.lower()
    assert "data:" not in rendered


def test_it_drops_data_urls_from_images_and_keeps_safe_ones():
    assert "src" not in html("![pixel](data:image/png;base64,iVBORw0KGgo=)")
    assert 'src="/media/projects/lamp.webp"' in html("![lamp](/media/projects/lamp.webp)")


def test_it_drops_html_comments():
    assert "<!--" not in html("before <!-- hidden --> after")
    assert "<!--" not in sanitise_html("<p>a<!-- <script>alert(1)</script> --></p>")


class TestSanitiseHtml:
    """The second layer, on HTML that would come from elsewhere than our Markdown."""

    def test_it_removes_scripts_with_their_content_and_event_handlers(self):
        cleaned = sanitise_html('<p onclick="x()">hi<script>alert(1)</script><img src="/a.png" onerror="x()"></p>')
        assert cleaned == '<p>hi<img src="/a.png"></p>'

    def test_it_keeps_only_allowed_url_schemes(self):
        cleaned = sanitise_html('<a href="javascript:x()">a</a><a href="mailto:a@b.c">b</a><a href="ftp://x">c</a>')
        assert cleaned == f'<a {REL}>a</a><a href="mailto:a@b.c" {REL}>b</a><a {REL}>c</a>'

    def test_it_refuses_style_and_class_attributes(self):
        assert sanitise_html('<p style="position:fixed" class="x" id="y">t</p>') == "<p>t</p>"


def test_markdown_to_text_keeps_the_words_only():
    assert markdown_to_text("# Lamp\n\nCut **plywood** with [the laser](https://x.org) & <b>glue</b>.") == (
        "Lamp Cut plywood with the laser & <b>glue</b>."
    )
