"""Markdown written by members, rendered to HTML that is safe to show to everyone.

Two independent layers, so that a mistake in one is caught by the other:

1. Python-Markdown runs with its raw-HTML passthrough removed: `<script>` or
   `<img onerror=…>` typed in a step is shown as text, as written, never as markup.
2. nh3 (the Rust `ammonia` sanitiser) then keeps only an allow-list of tags and
   attributes, only http, https and mailto URLs (plus relative ones), drops
   comments, and gives every link `rel="nofollow noopener ugc"`: member content
   earns no search-engine credit and cannot reach `window.opener`.

Headings are shifted down two levels: the page's own `<h1>` (the project) and
`<h2>` (its sections) stay the outline that screen readers navigate.
"""

import html

import markdown
import nh3
from django.utils.safestring import mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

MAX_SOURCE_CHARACTERS = 100_000
HEADING_SHIFT = 2
LINK_REL = "nofollow noopener ugc"

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Removed with their content, not merely unwrapped: their text is code, not prose.
DROPPED_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math"}


class _ShiftHeadings(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1] in "123456":
                element.tag = f"h{min(int(element.tag[1]) + HEADING_SHIFT, 6)}"


class _SafeDefaults(Extension):
    """No raw HTML (block or inline): it is escaped and shown as typed."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_ShiftHeadings(md), "shift_headings", 0)


def _converter():
    return markdown.Markdown(
        extensions=["fenced_code", "tables", "sane_lists", _SafeDefaults()],
        # An `align` attribute rather than a `style` one, which the CSP would refuse anyway.
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )


def sanitise_html(html):
    """`html` reduced to the allow-list; the second layer, also usable on its own."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(source):
    """Safe HTML (a `SafeString`) for the Markdown `source`; empty for empty input.

    Sources are bounded by the models' `max_length`; the cut-off here only protects
    the renderer from text that reached the database some other way.
    """
    if not source:
        return mark_safe("")
    # A new converter per call: Markdown instances keep state and are not thread-safe.
    rendered = _converter().convert(str(source)[:MAX_SOURCE_CHARACTERS])
    return mark_safe(sanitise_html(rendered))  # noqa: S308 (sanitised just above)


def markdown_to_text(source):
    """The words of `source` without Markdown syntax, for search and summaries."""
    if not source:
        return ""
    rendered = _converter().convert(str(source)[:MAX_SOURCE_CHARACTERS])
    text = nh3.clean(rendered, tags=set(), clean_content_tags=DROPPED_WITH_CONTENT)
    # nh3 returns HTML-escaped text; entities are harmless for search but read badly.
    return " ".join(html.unescape(text).split())
