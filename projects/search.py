"""What full-text search over projects means, on each database.

The searchable text of a project is gathered by `search_parts` in four weights:
A the title; B the summary and the tags; C the description and the steps; D the
materials and "what went wrong". The services store it after every write
(`Project.search_vector` and `Project.search_text`); readers only query.

Accents are folded in Python (`fold`) on both sides, so "decoupe" finds
"Découpe" without PostgreSQL's `unaccent` extension, which needs a superuser to
install. On PostgreSQL each weight is indexed with two configurations,
`english` and `french` (stemming: "boxes" finds "box", "découpées" finds
"découpe"; words of neither language, names and part numbers are kept as they
are); a query matches when it matches under either, and `SearchRank` puts title
matches first. On SQLite every word of the query must appear in `search_text`;
FTS5 comes later behind the same `projects.selectors.project_search`.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Value

from projects.markdown import markdown_to_text

CONFIGS = ("english", "french")
# tsvector holds at most 1 MB: bound what each weight contributes.
MAX_PART_CHARACTERS = {"A": 1_000, "B": 10_000, "C": 200_000, "D": 100_000}
MAX_QUERY_WORDS = 12
_TERM = re.compile(r'(-)?(?:"([^"]*)"?|(\S+))')


def fold(text):
    """Lower case without accents: "Découpe Laser" → "decoupe laser"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def search_parts(project, *, steps, tags, materials):
    """{weight: folded text} of `project` with its steps (title, body), tag names and materials (item, note)."""
    parts = {
        "A": project.title,
        "B": " ".join([project.summary, *tags]),
        "C": " ".join(
            [markdown_to_text(project.description), *(f"{title} {markdown_to_text(body)}" for title, body in steps)]
        ),
        "D": " ".join([*(f"{item} {note}" for item, note in materials), markdown_to_text(project.what_went_wrong)]),
    }
    return {weight: fold(text)[: MAX_PART_CHARACTERS[weight]] for weight, text in parts.items()}


def search_text(parts):
    return "\n".join(parts[weight] for weight in "ABCD")


def search_vector(parts):
    """The weighted tsvector expression of `parts` (PostgreSQL only)."""
    vectors = [
        SearchVector(Value(text), config=config, weight=weight) for weight, text in parts.items() for config in CONFIGS
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def query_words(text):
    """The folded words of a query, at most `MAX_QUERY_WORDS` of them."""
    return fold(text).split()[:MAX_QUERY_WORDS]


def fallback_terms(text):
    """(terms required, terms excluded) for databases without full-text search.

    A light reading of the websearch syntax PostgreSQL understands: a "quoted
    phrase" is one term, `-word` excludes, `or` is ignored (every term is required).
    """
    required, excluded = [], []
    for match in _TERM.finditer(fold(text)):
        negated, phrase, word = match.groups()
        term = " ".join((phrase if phrase is not None else word).split()).strip("\"'")
        if any(char.isalnum() for char in term) and term != "or":
            (excluded if negated else required).append(term)
    return required[:MAX_QUERY_WORDS], excluded[:MAX_QUERY_WORDS]


class BilingualSearchQuery(SearchQuery):
    """`text` read as web-search syntax in English and in French, either reading matching.

    Both readings mostly give the same lexemes ("lamp"). OR-ing a term with itself
    changes no result but makes the planner count its matches twice, and then pick
    a slow plan; so the two are OR-ed only when they differ. The CASE is folded into
    a constant when the query is planned: both functions are immutable here.
    """

    def __init__(self, text):
        super().__init__(text, search_type="websearch")
        self.text = text

    def as_sql(self, compiler, connection, function=None, template=None):
        english, english_params = compiler.compile(SearchQuery(self.text, config="english", search_type="websearch"))
        french, french_params = compiler.compile(SearchQuery(self.text, config="french", search_type="websearch"))
        sql = f"(CASE WHEN {english} = {french} THEN {english} ELSE {english} || {french} END)"
        return sql, (*english_params, *french_params, *english_params, *english_params, *french_params)


def search_query(text):
    """The tsquery of `text` (websearch syntax: "quoted phrase", -excluded, or), folded like the documents."""
    return BilingualSearchQuery(" ".join(query_words(text)))
