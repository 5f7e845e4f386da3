"""Search and category listings: filters, full text with trigram typo matches, facets,
sorting, one page of products with its total."""

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
    OuterRef,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import (
    Category,
    OptionValue,
    Product,
    ProductVariant,
)
from .offers import card_prefetches, products_published

SORTS = ("relevance", "price", "-price", "newest")
# word_similarity(query, name) from which a name counts as a typo match: "shrit" ~ "Shirt"
# scores 0.33, "oxfrod" ~ "Oxford" 0.43. pg_trgm's default for `%>` is 0.6.
TRIGRAM_THRESHOLD = 0.3
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


@dataclass
class ProductPage:
    """One page of products, the total, and the option values found among all results."""

    products: list[Product]
    total: int
    number: int
    per_page: int
    option_values: list[OptionValue] = field(default_factory=list)
    facets: list[OptionValue] = field(default_factory=list)
    requested_number: int = 1

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


def _prefix_tsquery(query: str) -> str:
    """`blu shi` -> `blu:* & shi:*`: partial words match. Only word characters get in."""
    words = _WORD.findall(query.lower())[:MAX_QUERY_WORDS]
    return " & ".join(f"{word[:40]}:*" for word in words)


def _text_search(query: str) -> SearchQuery:
    # 'simple' for names, brands and tags; 'english' for the stemmed description.
    search = SearchQuery(query, config="simple", search_type="websearch") | SearchQuery(
        query, config="english", search_type="websearch"
    )
    prefix = _prefix_tsquery(query)
    if prefix:
        search = search | SearchQuery(prefix, config="simple", search_type="raw")
    return search


def _set_trigram_threshold() -> None:
    # SET LOCAL semantics: scoped to the surrounding transaction, never leaks to the pool.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
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


class _AnyOf(Func):
    """`value = ANY(array)`: with ARRAY(subquery) PostgreSQL runs the subquery once."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


class _Concat(Func):
    """`array || array`."""

    template = "(%(expressions)s)"
    arg_joiner = " || "


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


def _matching_words(qs: QuerySet[Product], query: str) -> QuerySet[Product]:
    """Products of `qs` matching `query`: a bounded set of full-text and typo candidates.

    Each matcher reads its GIN index and stops after SEARCH_CANDIDATES rows (no ORDER BY:
    index order), so a common word costs about what a rare one does; `_ordered` ranks them.
    The ids come back as two arrays computed once (InitPlans): `pk IN (a) OR pk IN (b)`
    would be a filter on a sequential scan of the whole table.
    """
    if not query:
        return qs
    words = qs.filter(search_vector=_text_search(query)).order_by().values("pk")
    typos = qs.filter(name__trigram_word_similar=query).order_by().values("pk")
    candidates = _Concat(
        ArraySubquery(words[:SEARCH_CANDIDATES]),
        ArraySubquery(typos[:SEARCH_CANDIDATES]),
    )
    return qs.filter(_AnyOf(F("pk"), candidates))


def _ordered(qs: QuerySet[Product], query: str, sort: str) -> QuerySet[Product]:
    if sort == "price":
        return qs.order_by(F("min_price").asc(nulls_last=True), "-created_at", "-id")
    if sort == "-price":
        return qs.order_by(F("min_price").desc(nulls_last=True), "-created_at", "-id")
    if sort == "relevance" and query:
        search = _text_search(query)
        qs = qs.annotate(
            text_match=ExpressionWrapper(
                Q(search_vector=search), output_field=BooleanField()
            ),
            rank=ExpressionWrapper(
                Coalesce(
                    SearchRank(F("search_vector"), search, cover_density=True),
                    Value(0.0),
                )
                + TrigramWordSimilarity(query, "name"),
                output_field=FloatField(),
            ),
        )
        # Real word matches first (a description hit beats a near-miss on the name).
        return qs.order_by("-text_match", "-rank", "-created_at", "-id")
    return qs.order_by("-created_at", "-id")


def _facets(qs: QuerySet[Product]) -> list[OptionValue]:
    # One pass over the results' variants (DISTINCT value ids, an InitPlan run once), not
    # one EXISTS probe per option value: a probe walks every variant having the value
    # (~6,000 each at 100k products) whether or not it is among the results.
    through = ProductVariant.option_values.through
    used = (
        through.objects.filter(
            productvariant__product__in=qs.values("pk"),
            productvariant__is_active=True,
            productvariant__deleted_at__isnull=True,
        )
        .values("optionvalue_id")
        .distinct()
    )
    return list(
        OptionValue.objects.filter(_AnyOf(F("pk"), ArraySubquery(used)))
        .select_related("option")
        .order_by("option__position", "option__name", "option_id", "position", "value")[
            :MAX_FACETS
        ]
    )


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
    """Find published products by words (full text, prefixes, typos) and filters."""
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
            _set_trigram_threshold()
        option_values, groups = _option_groups(filters.option_value_ids)
        base = _matching_words(_filtered(filters, at), filters.query)
        matching = _with_options(base, groups)
        rows_qs = (
            _ordered(matching, filters.query, sort)
            .annotate(total=Window(Count("pk")))
            .defer("search_vector", "description", "attributes")
            .prefetch_related(*card_prefetches(at))
        )

        def fetch(number: int) -> list[Product]:
            start = (number - 1) * per_page
            return list(rows_qs[start : start + per_page])

        products, number = fetch(page), page
        if products:
            total = products[0].total
        else:
            # Past the last page (or nothing found): show the last page instead.
            total = matching.count() if page > 1 else 0
            if total:
                number = math.ceil(total / per_page)
                products = fetch(number)
            else:
                number = 1
        facets = _facets(base) if with_facets else []
    return ProductPage(
        products=products,
        total=total,
        number=number,
        per_page=per_page,
        option_values=option_values,
        facets=facets,
        requested_number=page,
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
