"""Search and category listings: filters, full text with trigram typo matches, facets,
sorting, one page of products with its total, and "did you mean …" for a misspelling."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Upper
from django.db.models.sql import Query
from django.utils import timezone

from apps.auditing.expressions import AnyOf

from ..models import (
    Category,
    CategoryListing,
    OptionValue,
    Product,
    ProductVariant,
)
from .offers import CARD_COLUMNS, ProductCard, product_cards_read, products_published
from .spelling import search_suggestion

SORTS = ("relevance", "price", "-price", "newest")
# Typo matches are looked for only when the words (stemmed, then as prefixes of names) find
# nothing. word_similarity(query, name) from which a name counts: "hedphones" ~ "Headphones"
# scores 0.8, "oxfrod" ~ "Oxford" 0.43, while names that merely share a syllable score
# 0.3-0.44 ("headphone" ~ "Heavyweight", "hedphone" ~ "Phone"). pg_trgm's default is 0.6.
TRIGRAM_THRESHOLD = 0.4
# ... and at least this share of the closest name's: "hedphones" finds "Headphones" (0.8) and
# "Kids Headphone" (0.6); "hedphone" finds "Headphones" (0.67) but no "Phone" (0.44).
TRIGRAM_RATIO = 0.7
# Fewer full-text results than this (or none, typo matches shown instead) and the page
# offers "did you mean …" from the catalog's own words.
FEW_RESULTS = 3
# Words of the catalog looked at per misspelt word, nearest by trigrams, then chosen by edits.
SUGGESTION_CANDIDATES = 8
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
MAX_FACETS = 200
# Search ranks at most this many candidates per matcher (full text, trigram), taken in index
# order: ranking every "shirt"-like hit (11k of 100k products) costs a sequential scan.
SEARCH_CANDIDATES = 500
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class ProductFilters:
    query: str = ""
    category: Category | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None
    option_value_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Facet:
    """An option value customers can filter by ("Size" "M"), read as a plain row."""

    pk: int
    value: str
    option_name: str


@dataclass
class ProductPage:
    """One page of products, the total, and the option values found among all results."""

    products: list[ProductCard]
    total: int
    number: int
    per_page: int
    option_values: list[OptionValue] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    requested_number: int = 1
    # "Did you mean …": the query spelt with the catalog's words, when full text found little.
    suggestion: str = ""

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def end_index(self) -> int:
        return min(self.number * self.per_page, self.total)

    @property
    def clamped(self) -> bool:
        return self.number != self.requested_number


def clean_query(query: str) -> str:
    """Trim a search text to something PostgreSQL accepts (no NUL) and bounded in size."""
    return " ".join(query.replace("\x00", " ").split())[:MAX_QUERY_LENGTH]


def _words(query: str) -> list[str]:
    return [word[:40] for word in _WORD.findall(query.lower())[:MAX_QUERY_WORDS]]


def _words_search(query: str) -> SearchQuery:
    """The words, stemmed as the product's search vector is (English)."""
    return SearchQuery(query, config="english", search_type="websearch")


def _prefix_search(query: str) -> SearchQuery | None:
    """`blu shi` -> `blu:*AB & shi:*AB`: partial words of a name, brand or tag (weights A and
    B; a prefix of some description word is too loose). Only word characters get in."""
    words = _words(query)
    if not words:
        return None
    return SearchQuery(
        " & ".join(f"{word}:*AB" for word in words), config="english", search_type="raw"
    )


def _set_search_settings() -> None:
    # SET LOCAL semantics: scoped to the surrounding transaction, never leaks to the pool.
    # No parallel workers: the facets over a few thousand variants looked "big" enough to
    # the planner, and starting a worker (5-9 ms measured) cost more than the 4 ms of work.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
            " set_config('max_parallel_workers_per_gather', '0', true)",
            [str(TRIGRAM_THRESHOLD)],
        )


def _option_groups(ids: tuple[int, ...]) -> tuple[list[OptionValue], list[list[int]]]:
    """The known option values among `ids`, and their ids grouped by option name.

    By name, not by option row: "Size M" of shirts and "Size M" of trousers are one choice.
    """
    if not ids:
        return [], []
    values = list(
        OptionValue.objects.filter(pk__in=ids)
        .select_related("option")
        .order_by("option__position", "option_id", "position", "id")
    )
    groups: dict[str, list[int]] = {}
    for value in values:
        groups.setdefault(value.option.name.casefold(), []).append(value.pk)
    return values, list(groups.values())


def _with_options(qs: QuerySet[Product], groups: list[list[int]]) -> QuerySet[Product]:
    """Products with one active variant having, for each option, one of the chosen values.

    Size S or M, and blue: the same variant must be blue and S-or-M. EXISTS, so no row repeats.
    """
    if not groups:
        return qs
    through = ProductVariant.option_values.through
    variants = ProductVariant.objects.filter(product=OuterRef("pk"), is_active=True)
    for ids in groups:
        variants = variants.filter(
            Exists(
                through.objects.filter(
                    productvariant_id=OuterRef("pk"), optionvalue_id__in=ids
                )
            )
        )
    return qs.filter(Exists(variants))


class _FirstFound(Func):
    """`COALESCE(NULLIF(a, '{}'), NULLIF(b, '{}'), c)`: the first array that holds ids.

    With ARRAY(subquery) arguments PostgreSQL runs each subquery (an InitPlan) only when
    COALESCE reaches it: a later matcher costs nothing when an earlier one found something.
    """

    function = "COALESCE"

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        *firsts, last = self.get_source_expressions()
        for expression in firsts:
            sql, more = compiler.compile(expression)
            parts.append(f"NULLIF({sql}, '{{}}')")
            params.extend(more)
        sql, more = compiler.compile(last)
        return f"COALESCE({', '.join([*parts, sql])})", [*params, *more]


def _subtree_ids(category: Category) -> QuerySet[Category]:
    # Ids, not a join on the path: the planner then uses the (category, -created_at) index.
    return Category.objects.filter(path__startswith=category.path).values("pk")


def _filtered(filters: ProductFilters, at: dt.datetime) -> QuerySet[Product]:
    """Published products passing every filter except the words and the options."""
    qs = products_published(at)
    if filters.category is not None:
        qs = qs.filter(category_id__in=_subtree_ids(filters.category))
    if filters.min_price is not None:
        qs = qs.filter(min_price__gte=filters.min_price)
    if filters.max_price is not None:
        qs = qs.filter(min_price__lte=filters.max_price)
    if filters.in_stock:
        qs = qs.filter(in_stock=True)
    return qs


def _typos(qs: QuerySet[Product], query: str) -> QuerySet[Product]:
    """Products of `qs` whose name is close to `query`: above TRIGRAM_THRESHOLD and at least
    TRIGRAM_RATIO of the closest name's similarity.

    The closest similarity is a window over the same candidates: one pass over them, where
    a separate "closest" subquery read every candidate row twice (18 + 11 ms at 100k
    products for "hedphones").
    """
    # UPPER(name): the expression the admin's trigram index holds (one index on the name,
    # not two to keep up on every write); trigrams ignore case, so no similarity changes.
    similarity = TrigramWordSimilarity(query, Upper("name"))
    similar = (
        qs.annotate(upper_name=Upper("name"))
        .filter(upper_name__trigram_word_similar=query)
        .annotate(similarity=similarity, closest=Window(Max(similarity)))
    )
    return similar.filter(
        similarity__gte=ExpressionWrapper(
            F("closest") * Value(TRIGRAM_RATIO), output_field=FloatField()
        )
    )


def _first_found(matchers: list[QuerySet[Product]]) -> list[int]:
    """Ids from the first matcher that finds any, in one query: each matcher is an InitPlan
    PostgreSQL runs only when the earlier ones found nothing. Each reads its index and stops
    after SEARCH_CANDIDATES rows (no ORDER BY: index order), so a common word costs about
    what a rare one does; `_ordered` ranks them."""
    candidates = _FirstFound(
        *(
            ArraySubquery(matcher.order_by().values("pk")[:SEARCH_CANDIDATES])
            for matcher in matchers
        )
    )
    query_ = Query(Product)
    compiler = query_.get_compiler(connection=connection)
    sql, params = compiler.compile(candidates.resolve_expression(query_))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return list(cursor.fetchone()[0] or [])


def _word_matchers(qs: QuerySet[Product], query: str) -> list[QuerySet[Product]]:
    """The words (stemmed full text), then the words as prefixes of names."""
    matchers = [qs.filter(search_vector=_words_search(query))]
    prefixes = _prefix_search(query)
    if prefixes is not None:
        matchers.append(qs.filter(search_vector=prefixes))
    return matchers


@dataclass(frozen=True)
class _Matched:
    ids: list[int]
    # The words that found them: the query's, or its correction from the catalog's words.
    words: str
    # "Did you mean", when it was needed to find them (None: not asked).
    suggestion: str | None


def _matching_ids(qs: QuerySet[Product], query: str) -> _Matched:
    """Ids of products of `qs` matching `query`: its words (full text, then prefixes); else
    the same for the query corrected from the catalog's words ("did you mean"); else names
    close to the query (trigrams).

    So a typo rescue never adds unrelated names to real matches. A misspelt word the catalog
    knows a close word for ("hedphones") costs two cheap lookups (the correction, its full
    text) instead of trigram matching over product names (25-35 ms at 100k products), which
    is left for what the vocabulary does not know. The page's rows and its facets then read
    these ids instead of matching again.
    """
    ids = _first_found(_word_matchers(qs, query))
    if ids:
        return _Matched(ids=ids, words=query, suggestion=None)
    suggestion = search_suggestion(query)
    if suggestion:
        ids = _first_found(_word_matchers(qs, suggestion))
        if ids:
            return _Matched(ids=ids, words=suggestion, suggestion=suggestion)
    # A correction that finds nothing is not worth offering.
    return _Matched(ids=_first_found([_typos(qs, query)]), words=query, suggestion="")


def _ordered(
    qs: QuerySet[Product], query: str, sort: str, ranked_by: str = ""
) -> QuerySet[Product]:
    """Rows in `sort` order; by relevance to `ranked_by` (the words that found them)."""
    if query:
        # Whether the rows are full-text matches of the query as typed (all of them are, or
        # none: one matcher).
        qs = qs.annotate(
            full_text=ExpressionWrapper(
                Q(search_vector=_words_search(query)), output_field=BooleanField()
            )
        )
    query = ranked_by or query
    if sort == "price":
        return qs.order_by(F("min_price").asc(nulls_last=True), "-created_at", "-id")
    if sort == "-price":
        return qs.order_by(F("min_price").desc(nulls_last=True), "-created_at", "-id")
    if sort == "relevance" and query:
        search = _words_search(query)
        prefixes = _prefix_search(query)
        if prefixes is not None:
            search = search | prefixes
        qs = qs.annotate(
            rank=ExpressionWrapper(
                Coalesce(
                    SearchRank(F("search_vector"), search, cover_density=True),
                    Value(0.0),
                )
                + TrigramWordSimilarity(query, "name"),
                output_field=FloatField(),
            ),
        )
        return qs.order_by("-rank", "-created_at", "-id")
    return qs.order_by("-created_at", "-id")


def _precomputed_scope(filters: ProductFilters) -> int | None:
    """The `CategoryListing` row describing all results of these filters (a category's
    subtree, or 0: the whole catalog), when there are no words and no other filter."""
    if (
        filters.query
        or filters.min_price is not None
        or filters.max_price is not None
        or filters.in_stock
        or filters.option_value_ids
    ):
        return None
    return filters.category.pk if filters.category is not None else 0


def _precomputed(scope: int) -> tuple[int, list[int]] | None:
    """The subtree's published count and option values at the last refresh (None: a
    category the last refresh did not see)."""
    return (
        CategoryListing.objects.filter(category_id=scope)
        .values_list("products", "option_value_ids")
        .first()
    )


# The option values of these products (ids twice): their precomputed rows, and live for
# those the last refresh did not see or saw without values (given variants since, maybe).
FACETS_OF = """
SELECT f.value FROM catalog_productfacets p, unnest(p.option_value_ids) AS f (value)
 WHERE p.product_id = ANY (%s::bigint[])
UNION
SELECT l.optionvalue_id
  FROM unnest(%s::bigint[]) AS p (id)
  JOIN catalog_productvariant v
    ON v.product_id = p.id AND v.is_active AND v.deleted_at IS NULL
  JOIN catalog_productvariant_option_values l ON l.productvariant_id = v.id
 WHERE NOT EXISTS (SELECT FROM catalog_productfacets f
                    WHERE f.product_id = p.id AND f.option_value_ids <> '{}')
"""


def _facets(
    qs: QuerySet[Product], precomputed: list[int] | None, product_ids: list[int] | None
) -> list[Facet]:
    # Unfiltered, the precomputed values of the subtree; for matched ids, the precomputed
    # values of each product. Else one pass over the results' variants (DISTINCT value ids,
    # an InitPlan run once), not one EXISTS probe per option value: a probe walks every
    # variant having the value (~6,000 each at 100k products) whether or not it is among
    # the results.
    if precomputed is not None:
        used = Q(pk__in=precomputed)
    elif product_ids is not None:
        used = Q(pk__in=RawSQL(FACETS_OF, [product_ids, product_ids]))  # noqa: S611 - a constant, the ids as parameters
    else:
        through = ProductVariant.option_values.through
        used = AnyOf(
            "pk",
            ArraySubquery(
                through.objects.filter(
                    productvariant__product__in=qs.values("pk"),
                    productvariant__is_active=True,
                    productvariant__deleted_at__isnull=True,
                )
                .values("optionvalue_id")
                .distinct()
            ),
        )
    return [
        Facet(pk=pk, value=value, option_name=option_name)
        for pk, value, option_name in OptionValue.objects.filter(used)
        .order_by("option__position", "option__name", "option_id", "position", "value")
        .values_list("pk", "value", "option__name")[:MAX_FACETS]
    ]


def product_search(
    *,
    query: str,
    category: Category | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    option_value_ids=(),
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 24,
    at: dt.datetime | None = None,
    with_facets: bool = False,
) -> ProductPage:
    """Find published products by words (full text, else prefixes, else typos) and filters,
    with a corrected query to suggest when full text finds little."""
    filters = ProductFilters(
        query=clean_query(query or ""),
        category=category,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        option_value_ids=tuple(option_value_ids),
    )
    at = at or timezone.now()
    sort = sort if sort in SORTS else "relevance"
    page = max(1, page)
    per_page = max(1, per_page)
    # A transaction only to scope the trigram threshold (SET LOCAL) to this search.
    with transaction.atomic() if filters.query else contextlib.nullcontext():
        if filters.query:
            _set_search_settings()
        option_values, groups = _option_groups(filters.option_value_ids)
        base = _filtered(filters, at)
        product_ids = None
        matched = _Matched(ids=[], words="", suggestion=None)
        if filters.query:
            matched = _matching_ids(base, filters.query)
            product_ids = matched.ids
            base = base.filter(AnyOf("pk", product_ids))
        matching = _with_options(base, groups)
        # Unfiltered, the total and the facets are precomputed: counting a large subtree
        # scans all of it.
        scope = _precomputed_scope(filters)
        precomputed = _precomputed(scope) if scope is not None else None
        rows_qs = _ordered(matching, filters.query, sort, matched.words)
        if precomputed is None:
            rows_qs = rows_qs.annotate(total=Window(Count("pk")))
        rows_qs = rows_qs.values(
            *CARD_COLUMNS,
            *(["total"] if precomputed is None else []),
            *(["full_text"] if filters.query else []),
        )

        def fetch(number: int, extra: int = 0) -> list[dict]:
            start = (number - 1) * per_page
            return list(rows_qs[start : start + per_page + extra])

        rows, number = fetch(page), page
        if rows:
            total = rows[0]["total"] if precomputed is None else precomputed[0]
            # A precomputed total lags behind products added since: never fewer than shown.
            total = max(total, (number - 1) * per_page + len(rows))
        elif page > 1:
            # Past the last page: show the last page instead, by the precomputed count when
            # that page holds exactly what the count says, and nothing follows it (else the
            # count is out of date: counted live).
            total, number = 0, 1
            known = [precomputed[0]] if precomputed and precomputed[0] else []
            for count in [*known, None]:
                total = matching.count() if count is None else count
                if not total:
                    break
                number = math.ceil(total / per_page)
                found = fetch(number, extra=1) if number < page else []
                rows = found[:per_page]
                if count is None or len(found) == total - (number - 1) * per_page:
                    break
        else:
            total, number = 0, 1  # nothing found
        products = product_cards_read(rows, at)
        facets = (
            _facets(base, precomputed and precomputed[1], product_ids)
            if with_facets and product_ids != []
            else []
        )
        suggestion = ""
        if filters.query and (
            total < FEW_RESULTS or not (rows and rows[0]["full_text"])
        ):
            suggestion = (
                search_suggestion(filters.query)
                if matched.suggestion is None
                else matched.suggestion
            )
    return ProductPage(
        products=products,
        total=total,
        number=number,
        per_page=per_page,
        option_values=option_values,
        facets=facets,
        requested_number=page,
        suggestion=suggestion,
    )


def category_listing(
    *, category: Category, sort: str = "newest", **filters
) -> ProductPage:
    """Published products of a category and all its descendants (filters as for search)."""
    return product_search(
        query="",
        category=category,
        sort="newest" if sort == "relevance" else sort,
        **filters,
    )
