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
matches first.

On SQLite the same four weights are the four columns of the FTS5 table
`projects_project_fts` (migration 0005; rowid = project id; Porter stemming for
English, diacritics removed), written by `fts_store` whenever the services
refresh `search_text`, and deleted with the project by a trigger. FTS5 has no
French stemmer, so each column also holds the French (Snowball) stems of its
words, and a query word matches either itself or its French stem. `fts_query`
turns the same web-search syntax into an FTS5 query ("phrase", -word, or), and
`bm25` with weights 10/4/2/1 ranks title matches first. Both databases answer
the same sets for the same words, except where the two stemmers or PostgreSQL's
stop words ("the", "le") differ.
"""

import re
import unicodedata

import snowballstemmer
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Value

from projects.markdown import markdown_to_text

CONFIGS = ("english", "french")
# tsvector holds at most 1 MB: bound what each weight contributes.
MAX_PART_CHARACTERS = {"A": 1_000, "B": 10_000, "C": 200_000, "D": 100_000}
MAX_QUERY_WORDS = 12
_TERM = re.compile(r'(-)?(?:"([^"]*)"?|(\S+))')
_WORD = re.compile(r"\w+")


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


# --- SQLite FTS5 -------------------------------------------------------------------

FTS_TABLE = "projects_project_fts"
# bm25 weights of the columns a, b, c, d: the ratios of PostgreSQL's default 1, 0.4, 0.2, 0.1.
FTS_RANK = f"-bm25({FTS_TABLE}, 10.0, 4.0, 2.0, 1.0)"


def fts_store(project_id, parts):
    """Replace the project's row of the FTS5 table (SQLite only)."""
    columns = fts_columns(parts)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [project_id])
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, a, b, c, d) VALUES (%s, %s, %s, %s, %s)", [project_id, *columns]
        )


def fts_columns(parts):
    """The FTS5 columns a, b, c, d of a project's search `parts`: each text and its French stems."""
    return [_with_french_stems(parts[weight]) for weight in "ABCD"]


def _french_stems(words):
    """{word: its French stem} for the `words` (folded) whose stem differs."""
    # A stemmer keeps state between calls: one per call is safe whatever the threads.
    stemmer = snowballstemmer.stemmer("french")
    unique = sorted(set(words))
    return {word: stem for word, stem in zip(unique, stemmer.stemWords(unique), strict=True) if stem != word}


def _with_french_stems(text):
    """`text` followed by the French stems of its words, on a line of their own."""
    stems = _french_stems(_WORD.findall(text))
    return f"{text}\n{' '.join(sorted(set(stems.values())))}" if stems else text


def _fts_string(term):
    return '"' + term.replace('"', '""') + '"'


def _fts_word(term, stems):
    """A quoted term, or (term OR its French stem)."""
    if term in stems:
        return f"({_fts_string(term)} OR {_fts_string(stems[term])})"
    return _fts_string(term)


def fts_query(text):
    """(FTS5 MATCH expression or "", terms excluded when nothing is required) for the query `text`.

    Read like PostgreSQL's websearch syntax on the same folded, shortened words:
    words are required (AND), "a phrase" is one term, `or` between two terms makes
    either enough, `-word` excludes. FTS5's precedence (NOT, then AND, then OR) is
    tsquery's (!, &, |), so the expression is written in the order typed. A
    leading exclusion moves after the first required term (FTS5's NOT needs a
    left side); with no required term at all, the exclusions come back separately.
    """
    expression, pending_not, connector = [], [], "AND"
    words = query_words(text)
    stems = _french_stems(_WORD.findall(" ".join(words)))
    for match in _TERM.finditer(" ".join(words)):
        negated, phrase, word = match.groups()
        term = " ".join((phrase if phrase is not None else word).split()).strip("\"'")
        if not any(char.isalnum() for char in term):
            continue
        if term == "or" and not negated and phrase is None:
            connector = "OR" if expression else "AND"
            continue
        quoted = _fts_string(term) if phrase is not None else _fts_word(term, stems)
        if negated:
            (expression.append(f"NOT {quoted}") if expression else pending_not.append((term, quoted)))
            continue
        if expression:
            expression.append(connector)
        expression.append(quoted)
        connector = "AND"
        if pending_not:
            expression.extend(f"NOT {excluded}" for _term, excluded in pending_not)
            pending_not = []
    return " ".join(expression), [term for term, _quoted in pending_not]
