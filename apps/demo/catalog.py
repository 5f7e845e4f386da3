"""Demo catalog for `manage.py seed_demo`: a category tree, product types and N products.

Text comes from the vocabulary (catalog_vocabulary.py): a product's description states its
attributes and nothing else, so the two never disagree; its picture is an SVG with its type's
pictogram, its name and its colour (pictures.py).

Categories and product types are few and go through the services / the ORM one by one.
Products and everything under them (variants, option values, prices, promotions, tiers,
images, reviews) are built as plain rows (tuples: model instances and the ORM's compiling of
their INSERTs cost a third of a run) and written one COPY per table and chunk of products, a chunk per
transaction (`copy_with_history`: every row with its first staff-history entry, so its first
edit can be reverted; ids are taken from the sequences first so that children name their
parents). A thread builds the next chunk and writes its pictures while the database takes
the current one. The database rules stay on: constraints check every row, the search-vector
trigger fills `search_vector`, and the statement-level audit triggers record each COPY as
one set-based insert. `min_price` is set by one UPDATE ... FROM (SELECT min ...) at the end,
the bulk form of `product_min_price_refresh`; each product is inserted with the value that
UPDATE computes already, so on a clean run it rewrites (and audits) nothing.

Deterministic: product number n is always generated from the same seed, whatever the chunking.
Idempotent: products are topped up to N (demo products = products in the demo categories).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.postgres.fields.ranges import DateTimeTZRange
from django.core.management.base import OutputWrapper
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import User
from apps.auditing.history import copy_with_history, ids_reserve
from apps.catalog import services
from apps.catalog.cache import product_cache_invalidate
from apps.catalog.models import (
    AttributeDefinition,
    Category,
    OptionValue,
    Price,
    Product,
    ProductImage,
    ProductOption,
    ProductSlug,
    ProductType,
    ProductVariant,
    PromotionalPrice,
    Review,
    TierPrice,
)

from .accounts import DEMO_CUSTOMER_EMAILS
from .catalog_vocabulary import (
    ATTRIBUTE_TAGS,
    ATTRIBUTES,
    COLLECTIONS,
    QUALIFIERS,
    REVIEW_BODIES,
    REVIEW_TITLES,
    SERIES,
    TREE,
    TYPES,
)
from .pictures import colour_for, product_svg, write_pictures
from .progress import output, progress

SEED = 20_240_601
CHUNK = 5_000  # products per transaction
PICTURES = "demo/products"  # under MEDIA_ROOT
SKU_PATTERN = r"^[A-Z]{3}-[0-9]{6,}-"
LOCK = "catalog:seed_demo"
CENT = Decimal("0.01")

# --- what one product is made of -----------------------------------------------------------


@dataclass
class Leaf:
    category_id: int
    code: str  # SKU prefix of the root: CLO, SHO, ...
    type_key: str
    nouns: list[str]
    low: int
    high: int
    attributes: dict[str, list]  # the type's attribute choices, narrowed for this leaf


@dataclass
class TypeInfo:
    id: int
    # every combination of one value per option: [(value, option value id, SKU code, factor)]
    combos: list[list[tuple[str, int, str, float]]]


@dataclass
class VariantSpec:
    sku: str
    name: str
    weight_grams: int
    is_active: bool
    position: int
    value_ids: list[int]
    price: Decimal
    promotions: list[tuple[dt.datetime, dt.datetime, Decimal, str]] = field(
        default_factory=list
    )
    tiers: list[tuple[int, Decimal]] = field(default_factory=list)


# A product's row as `product_spec` builds it (its id comes when it is written).
PRODUCT_COLUMNS = (
    "product_type_id",
    "category_id",
    "name",
    "slug",
    "description",
    "brand",
    "tags",
    "attributes",
    "seo_title",
    "seo_description",
    "status",
    "is_featured",
    "created_at",
    "min_price",
)
REVIEW_COLUMNS = (
    "user_id",
    "rating",
    "title",
    "body",
    "status",
    "created_at",
    "moderated_at",
)


@dataclass
class ProductSpec:
    row: tuple  # the values of PRODUCT_COLUMNS
    variants: list[VariantSpec]
    image: tuple[str, str]  # path under MEDIA_ROOT, alt text
    reviews: list[tuple]  # the values of REVIEW_COLUMNS
    picture: str = ""  # the SVG text of its image


@dataclass
class Context:
    leaves: list[Leaf]
    types: dict[str, TypeInfo]
    customers: list[int]
    taken_slugs: set[str]
    now: dt.datetime
    media_root: Path = field(default_factory=Path)
    slug_suffixes: dict[str, int] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)


# --- categories and product types ----------------------------------------------------------


def _category(name: str, parent: Category | None, position: int, **fields):
    existing = Category.objects.filter(parent=parent, name=name).first()
    if existing is not None:
        return existing
    return services.category_create(
        name=name, parent=parent, position=position, **fields
    )


def leaf_attributes(type_key: str, narrowed: dict[str, list]) -> dict[str, list]:
    """A leaf's attribute choices: its type's, narrowed or added to; [] drops one."""
    merged = {**TYPES[type_key]["attributes"], **narrowed}
    return {key: choices for key, choices in merged.items() if choices}


def seed_categories(stdout: OutputWrapper) -> list[Leaf]:
    """The 3-level tree (roots, children, leaves); returns the leaves products go into."""
    total = sum(1 + len(children) * 5 for _, _, children in TREE)
    done, leaves = 0, []
    for r, (root_name, code, children) in enumerate(TREE):
        root = _category(
            root_name,
            None,
            r,
            description=f"Everything in {root_name.lower()}, from everyday basics to new arrivals.",
            seo_title=f"{root_name} | {settings.SITE_NAME}",
        )
        done += 1
        for c, (child_name, featured, grandchildren) in enumerate(children):
            child = _category(
                child_name,
                root,
                c,
                is_featured=featured,
                description=f"{child_name} in {root_name.lower()}.",
            )
            done += 1
            for g, (leaf_name, names, low, high, type_key, narrowed) in enumerate(
                grandchildren
            ):
                nouns = names.split("|")
                leaf = _category(
                    leaf_name,
                    child,
                    g,
                    description=f"Shop {leaf_name.lower()}: {', '.join(nouns[:3]).lower()} and more.",
                )
                leaves.append(
                    Leaf(
                        leaf.pk,
                        code,
                        type_key,
                        nouns,
                        low,
                        high,
                        leaf_attributes(type_key, narrowed),
                    )
                )
                done += 1
            progress(stdout, "categories", done, total)
    return leaves


def _sku_code(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())[:4]


def _attribute_keys(type_key: str, leaves: list[Leaf]) -> list[str]:
    """Every attribute the type's products can carry, in the vocabulary's order."""
    used = {
        key for leaf in leaves if leaf.type_key == type_key for key in leaf.attributes
    }
    return [key for key in ATTRIBUTES if key in used]


def seed_types(stdout: OutputWrapper, leaves: list[Leaf]) -> dict[str, TypeInfo]:
    """Product types with their options, values and attribute labels (get-or-create)."""
    types = {}
    for i, (key, spec) in enumerate(TYPES.items(), start=1):
        product_type, _ = ProductType.objects.get_or_create(name=key)
        values = []
        for position, (option_name, option_values) in enumerate(spec["options"]):
            option, _ = ProductOption.objects.get_or_create(
                product_type=product_type,
                name=option_name,
                defaults={"position": position},
            )
            row = []
            for value_position, (value, factor) in enumerate(option_values):
                option_value, _ = OptionValue.objects.get_or_create(
                    option=option, value=value, defaults={"position": value_position}
                )
                row.append((value, option_value.pk, _sku_code(value), factor))
            assert len({code for _, _, code, _ in row}) == len(row), option_name  # noqa: S101 - a check of the vocabulary's own data
            values.append(row)
        for position, attribute in enumerate(_attribute_keys(key, leaves)):
            label, unit, _ = ATTRIBUTES[attribute]
            AttributeDefinition.objects.get_or_create(
                product_type=product_type,
                key=attribute,
                defaults={"label": label, "unit": unit, "position": position},
            )
        combos = [[]]
        for row in values:
            combos = [combo + [value] for combo in combos for value in row]
        types[key] = TypeInfo(product_type.pk, combos)
        progress(stdout, "types", i, len(TYPES))
    return types


# --- one product ---------------------------------------------------------------------------


def _round_price(amount: float) -> Decimal:
    """Shop-like prices: 23.99 below 100, 249.00 above."""
    if amount < 100:
        return Decimal(int(amount)) + Decimal("0.99")
    return Decimal(int(amount / 10) * 10 + 9)


def _qualifier(rng: random.Random, type_key: str, attrs: dict) -> str:
    """A word for the name taken from an attribute, so the name never contradicts it."""
    words = [
        words[attrs[key]]
        for key, words in QUALIFIERS.get(type_key, {}).items()
        if key in attrs and attrs[key] in words
    ]
    return rng.choice(words) if words and rng.random() < 0.8 else ""


def _name(rng: random.Random, leaf: Leaf, brand: str, attrs: dict) -> tuple[str, str]:
    noun = rng.choice(leaf.nouns)
    if TYPES[leaf.type_key].get("series"):
        model = f"{rng.choice(SERIES)} {rng.randint(2, 15)}{rng.choice(['', '', ' Pro', ' Max', ' Lite', ' Plus'])}"
        return f"{brand} {model} {noun}", noun
    qualifier = _qualifier(rng, leaf.type_key, attrs)
    collection = rng.choice(COLLECTIONS) if rng.random() < 0.6 else ""
    return " ".join(w for w in (brand, collection, qualifier, noun) if w), noun


def _attributes(rng: random.Random, leaf: Leaf) -> dict:
    return {key: rng.choice(choices) for key, choices in leaf.attributes.items()}


def attribute_sentence(key: str, value) -> str:
    """The sentence of a description that states one attribute ("" for a plain no)."""
    sentence = ATTRIBUTES[key][2]
    if isinstance(sentence, tuple):
        return sentence[0] if value else sentence[1]
    return sentence.format(value=value)


def description_text(type_key: str, brand: str, noun: str, attrs: dict) -> str:
    """The opening line, one sentence per attribute, then the type's selling points."""
    spec = TYPES[type_key]
    lead = spec["lead"].format(brand=brand, noun=noun.lower())
    facts = " ".join(filter(None, (attribute_sentence(k, v) for k, v in attrs.items())))
    return f"{lead} {facts}\n\n{' '.join(spec['points'])}"


def _variants(ctx: Context, leaf: Leaf, base: float, active: bool) -> list[VariantSpec]:
    rng, combos = ctx.rng, ctx.types[leaf.type_key].combos
    count = min(len(combos), rng.choices([2, 3, 4, 5], weights=[30, 40, 20, 10])[0])
    picked = sorted(rng.sample(range(len(combos)), count))
    promo_kind = rng.random() if active else 1.0
    tiered = rng.random() < 0.05
    specs = []
    for position, index in enumerate(picked):
        combo = combos[index]
        factor = 1.0
        for _, _, _, f in combo:
            factor *= f
        price = _round_price(base * factor)
        spec = VariantSpec(
            sku="-".join(code for _, _, code, _ in combo),  # prefixed once n is known
            name=" / ".join(value for value, _, _, _ in combo),
            weight_grams=rng.randint(*TYPES[leaf.type_key]["weights"]),
            # a few variants are switched off; never the first, so a product keeps a price
            is_active=position == 0 or rng.random() > 0.03,
            position=position,
            value_ids=[pk for _, pk, _, _ in combo],
            price=price,
        )
        spec.promotions = _promotions(ctx.now, price, promo_kind)
        if tiered:
            spec.tiers = [
                (3, (price * Decimal("0.95")).quantize(CENT, ROUND_HALF_UP)),
                (10, (price * Decimal("0.90")).quantize(CENT, ROUND_HALF_UP)),
            ]
        specs.append(spec)
    return specs


def _promotions(now: dt.datetime, price: Decimal, kind: float):
    """Non-overlapping windows: ~10% of products had a sale, half of those run one now."""
    if kind >= 0.10:
        return []
    day = dt.timedelta(days=1)
    past = (now - 60 * day, now - 30 * day, Decimal("0.85"), "Seasonal sale")
    current = (now - 2 * day, now + 12 * day, Decimal("0.80"), "Limited-time offer")
    future = (now + 20 * day, now + 34 * day, Decimal("0.75"), "Early-bird price")
    windows = [past, current] if kind < 0.05 else [past, future]
    return [
        (start, end, (price * f).quantize(CENT, ROUND_HALF_UP), label)
        for start, end, f, label in windows
    ]


def _free_slug(ctx: Context, name: str) -> str:
    """`blue-shirt`, then `blue-shirt-2`, ... as `_save_with_free_slug` would, without a query."""
    base = slugify(name)[:200].strip("-") or "product"
    slug, n = base, ctx.slug_suffixes.get(base, 1)
    while slug in ctx.taken_slugs:
        n += 1
        slug = f"{base}-{n}"
    ctx.slug_suffixes[base] = n
    ctx.taken_slugs.add(slug)
    return slug


def _reviews(ctx: Context, since: dt.datetime, noun: str) -> list[tuple]:
    rng = ctx.rng
    if not ctx.customers or rng.random() >= 0.35:
        return []
    reviewers = rng.sample(ctx.customers, rng.randint(1, len(ctx.customers)))
    reviews = []
    for user_id in reviewers:
        rating = rng.choices([1, 2, 3, 4, 5], weights=[4, 6, 15, 35, 40])[0]
        status = rng.choices(["approved", "pending", "rejected"], weights=[75, 20, 5])[
            0
        ]
        created = since + (ctx.now - since) * rng.random()
        reviews.append(
            (
                user_id,
                rating,
                rng.choice(REVIEW_TITLES[rating]),
                rng.choice(REVIEW_BODIES[rating]).format(noun=noun.lower()),
                status,
                created,
                None
                if status == "pending"
                else min(ctx.now, created + dt.timedelta(hours=6)),
            )
        )
    return reviews


def _tags(rng: random.Random, type_key: str, attrs: dict) -> list[str]:
    tags = rng.sample(TYPES[type_key]["tags"], 2)
    return tags + [tag for key, tag in ATTRIBUTE_TAGS.items() if attrs.get(key) is True]


def product_spec(n: int, ctx: Context) -> ProductSpec:
    """Demo product number n, its variants, image and reviews (nothing saved)."""
    rng = ctx.rng
    rng.seed(SEED * 1_000_003 + n)  # the same product n on every run, in any chunk
    leaf = rng.choice(ctx.leaves)
    brand = rng.choice(TYPES[leaf.type_key]["brands"])
    attrs = _attributes(rng, leaf)
    name, noun = _name(rng, leaf, brand, attrs)
    description = description_text(leaf.type_key, brand, noun, attrs)
    status = rng.choices(["active", "draft", "archived"], weights=[95, 4, 1])[0]
    created = ctx.now - dt.timedelta(minutes=rng.randint(0, 730 * 24 * 60))
    base = leaf.low + (leaf.high - leaf.low) * rng.random() ** 1.6
    variants = _variants(ctx, leaf, base, status == "active")
    tags = _tags(rng, leaf.type_key, attrs)
    if variants[0].promotions:
        tags.append("sale")
    if ctx.now - created < dt.timedelta(days=30):
        tags.append("new")
    elif rng.random() < 0.05:
        tags.append("bestseller")
    seo_description = description.split("\n")[0][:157].rsplit(" ", 1)[0] + "..."
    # The same value the UPDATE in `min_prices_refresh` computes: with it filled in here, that
    # UPDATE finds nothing to change instead of rewriting (and auditing) every product again.
    min_price = min(v.price for v in variants if v.is_active)
    row = (
        ctx.types[leaf.type_key].id,
        leaf.category_id,
        name,
        _free_slug(ctx, name),
        description,
        brand,
        tags,
        attrs,
        name[:70],
        seo_description,
        status,
        status == "active" and n % 40 == 1,
        created,
        min_price,
    )
    prefix = f"{leaf.code}-{n:06d}"
    for spec in variants:
        spec.sku = f"{prefix}-{spec.sku}"
    picture = product_svg(
        name=name,
        type_name=leaf.type_key,
        pictogram=TYPES[leaf.type_key]["pictogram"],
        colour=colour_for(variants[0].name.split(" / "), n),
    )
    image = (f"{PICTURES}/{prefix}.svg", f"{name}, {variants[0].name}"[:200])
    reviews = _reviews(ctx, created, noun) if status == "active" else []
    return ProductSpec(row, variants, image, reviews, picture)


# --- writing -------------------------------------------------------------------------------


def write_products(specs: list[ProductSpec]) -> None:
    """Insert a chunk of products and everything under them: one COPY per table.

    Ids are taken from the tables' sequences first, so that children can name their parents
    without a round trip per row; each row of a model with staff history gets its first
    entry in the same way (`copy_with_history`).
    """
    product_ids = ids_reserve(Product, len(specs))
    copy_with_history(
        Product,
        ("id", *PRODUCT_COLUMNS),
        [(pk, *spec.row) for pk, spec in zip(product_ids, specs, strict=True)],
    )
    owned = [
        (pk, v)
        for pk, spec in zip(product_ids, specs, strict=True)
        for v in spec.variants
    ]
    variant_ids = ids_reserve(ProductVariant, len(owned))
    copy_with_history(
        ProductVariant,
        ("id", "product_id", "sku", "name", "weight_grams", "is_active", "position"),
        [
            (pk, product_id, v.sku, v.name, v.weight_grams, v.is_active, v.position)
            for pk, (product_id, v) in zip(variant_ids, owned, strict=True)
        ],
    )
    variants = list(zip(variant_ids, (v for _, v in owned), strict=True))
    copy_with_history(
        ProductVariant.option_values.through,
        ("productvariant_id", "optionvalue_id"),
        [(pk, value_id) for pk, v in variants for value_id in v.value_ids],
    )
    copy_with_history(
        Price,
        ("id", "variant_id", "currency", "amount"),
        [
            (pk, variant_id, "EUR", v.price)
            for pk, (variant_id, v) in zip(
                ids_reserve(Price, len(variants)), variants, strict=True
            )
        ],
    )
    promotions = [
        (variant_id, amount, DateTimeTZRange(start, end, "[)"), label)
        for variant_id, v in variants
        for start, end, amount, label in v.promotions
    ]
    copy_with_history(
        PromotionalPrice,
        ("id", "variant_id", "currency", "amount", "valid_during", "label"),
        [
            (pk, variant_id, "EUR", amount, during, label)
            for pk, (variant_id, amount, during, label) in zip(
                ids_reserve(PromotionalPrice, len(promotions)), promotions, strict=True
            )
        ],
    )
    tiers = [
        (variant_id, quantity, amount)
        for variant_id, v in variants
        for quantity, amount in v.tiers
    ]
    copy_with_history(
        TierPrice,
        ("id", "variant_id", "currency", "min_quantity", "amount"),
        [
            (pk, variant_id, "EUR", quantity, amount)
            for pk, (variant_id, quantity, amount) in zip(
                ids_reserve(TierPrice, len(tiers)), tiers, strict=True
            )
        ],
    )
    copy_with_history(
        ProductImage,
        ("product_id", "image", "alt_text", "position", "is_primary"),
        [
            (pk, *spec.image, 0, True)
            for pk, spec in zip(product_ids, specs, strict=True)
        ],
    )
    copy_with_history(
        Review,
        ("product_id", *REVIEW_COLUMNS),
        [
            (pk, *review)
            for pk, spec in zip(product_ids, specs, strict=True)
            for review in spec.reviews
        ],
    )


def min_prices_refresh(category_ids: list[int]) -> int:
    """Product.min_price = lowest active EUR base price, for every demo product, in one UPDATE."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE catalog_product p SET min_price = m.lowest
            FROM (
                SELECT v.product_id, min(pr.amount) AS lowest
                FROM catalog_productvariant v
                JOIN catalog_price pr ON pr.variant_id = v.id AND pr.currency = 'EUR'
                WHERE v.is_active AND v.deleted_at IS NULL
                GROUP BY v.product_id
            ) m
            WHERE p.id = m.product_id
              AND p.category_id = ANY(%s)
              AND p.min_price IS DISTINCT FROM m.lowest
            """,
            [category_ids],
        )
        return cursor.rowcount


def _specs(numbers: range, ctx: Context) -> list[ProductSpec]:
    specs = [product_spec(n, ctx) for n in numbers]
    # written before the rows that point at them
    write_pictures(ctx.media_root, [(spec.image[0], spec.picture) for spec in specs])
    return specs


def _next_number() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(substring(sku FROM '^[A-Z]{3}-([0-9]+)-')::bigint)"
            " FROM catalog_productvariant WHERE sku ~ %s",
            [SKU_PATTERN],
        )
        return (cursor.fetchone()[0] or 0) + 1


def _top_up(stdout: OutputWrapper, ctx: Context, missing: int) -> None:
    first = _next_number()
    chunks = [
        range(first + start, first + min(start + CHUNK, missing))
        for start in range(0, missing, CHUNK)
    ]
    done = 0
    # One thread builds the next chunk (pure Python, no queries) while this one waits for
    # the database to insert the current one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_specs, chunks[0], ctx)
        for i, numbers in enumerate(chunks):
            specs = pending.result()
            if i + 1 < len(chunks):
                pending = pool.submit(_specs, chunks[i + 1], ctx)
            with transaction.atomic():
                write_products(specs)
            done += len(numbers)
            progress(stdout, "products", done, missing)


def seed_catalog(stdout: IO[str] | OutputWrapper, *, products: int) -> int:
    """Top the demo catalog up to `products` products; return how many were created."""
    stdout = output(stdout)
    with connection.cursor() as cursor:
        # Two seeders at once (make run, a benchmark) would both top up: one at a time.
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [LOCK])
    try:
        leaves = seed_categories(stdout)
        types = seed_types(stdout, leaves)
        category_ids = [leaf.category_id for leaf in leaves]
        existing = Product.objects.filter(category_id__in=category_ids).count()
        missing = max(0, products - existing)
        if missing:
            ctx = Context(
                leaves=leaves,
                types=types,
                customers=list(
                    User.objects.filter(email__in=DEMO_CUSTOMER_EMAILS)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
                taken_slugs=set(Product.all_objects.values_list("slug", flat=True))
                | set(ProductSlug.objects.values_list("slug", flat=True)),
                now=timezone.now(),
                media_root=Path(settings.MEDIA_ROOT),
            )
            _top_up(stdout, ctx, missing)
        else:
            progress(stdout, "products", 0, 0)
        with transaction.atomic():
            min_prices_refresh(category_ids)
            product_cache_invalidate()
        progress(stdout, "prices", 1, 1)
        services.ratings_refresh()
        progress(stdout, "ratings", 1, 1)
        services.search_words_refresh()
        progress(stdout, "search words", 1, 1)
        services.category_listings_refresh()
        progress(stdout, "listings", 1, 1)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])
    stdout.write(f"{missing} products created ({existing + missing} demo products)")
    return missing
