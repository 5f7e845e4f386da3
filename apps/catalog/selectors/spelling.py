""" "Did you mean …": a misspelt query corrected from the catalog's own words.

The words are those of published products' names, brands and tags (`SearchWord`, a
materialized view refreshed by a job). For each word of the query that the catalog does not
know, even by its stem, the nearest catalog words by trigrams are read from the view's GiST
index, and the one fewest edits away wins (a swap of neighbouring letters is one edit:
trigrams alone rate "shrit" ~ "shirt" low). One query, and none when no word needs it.
"""

from __future__ import annotations

import re

from django.db import connection

# Words shorter than this are left as typed: too many catalog words are one edit from them.
MIN_WORD_LENGTH = 4
MAX_WORDS = 8
# Nearest catalog words looked at per unknown word.
CANDIDATES = 8
_WORD = re.compile(r"[^\W_]+")

_NEAREST = """
SELECT q.word,
       ts_lexize('english_stem', q.word) = '{}' OR EXISTS (
           SELECT 1 FROM catalog_searchword k
           WHERE k.stem = coalesce((ts_lexize('english_stem', q.word))[1], q.word)
       ) AS known,
       near.word, near.products, similarity(near.word, q.word)
FROM unnest(%s::text[]) AS q(word)
LEFT JOIN LATERAL (
    SELECT v.word, v.products FROM catalog_searchword v
    ORDER BY v.word <-> q.word
    LIMIT %s
) near ON true
"""


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap of neighbours) turning `a` into `b`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (x != y),
            )
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _allowed_edits(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def search_suggestion(query: str) -> str:
    """The query with each word the catalog does not know replaced by the closest word it
    knows, or "" when nothing would change."""
    words = [word.lower() for word in _WORD.findall(query)][:MAX_WORDS]
    unknown = sorted(
        {word for word in words if word.isalpha() and len(word) >= MIN_WORD_LENGTH}
    )
    if not unknown:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(_NEAREST, [unknown, CANDIDATES])
        rows = cursor.fetchall()
    best: dict[str, tuple] = {}
    for word, known, near, products, similarity in rows:
        if known or near is None:
            continue
        edits = edit_distance(word, near)
        if edits > _allowed_edits(word):
            continue
        key = (edits, -similarity, -products, near)
        if word not in best or key < best[word]:
            best[word] = key
    if not best:
        return ""
    return " ".join(best[word][3] if word in best else word for word in words)
