"""Demo catalog for `manage.py seed_demo`: a category tree, product types and N products.

Categories and product types are few and go through the services / the ORM one by one.
Products and everything under them (variants, option values, prices, promotions, tiers,
images, reviews) are written with `bulk_create`, a chunk of products per transaction,
because a service call per row would take hours at 100k products. The database rules stay
on: constraints check every row, the search-vector trigger fills `search_vector`, and the
statement-level audit triggers record each INSERT as one set-based write. `min_price` is
set by one UPDATE ... FROM (SELECT min ...) at the end, the bulk form of
`product_min_price_refresh`; each product is inserted with the value that UPDATE computes
already, so on a clean run it rewrites (and audits) nothing: 100k rows rewritten cost ~20 s.

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
from apps.catalog import services
from apps.catalog.cache import product_cache_invalidate
from apps.catalog.models import (
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
    BRANDS,
    COLLECTIONS,
    PITCH,
    QUALIFIERS,
    REVIEW_TITLES,
    SELLING_POINTS,
    SERIES,
    TAGS,
    TREE,
    TYPES,
    TYPES_ATTRIBUTES,
    WEIGHTS,
)
from .progress import output, progress

SEED = 20_240_601
CHUNK = 2_000  # products per transaction
BATCH = 2_000  # rows per INSERT statement
IMAGE_COLOURS = [
    ("slate", (71, 85, 105)),
    ("sand", (214, 192, 150)),
    ("sage", (132, 155, 120)),
    ("terracotta", (196, 98, 66)),
    ("navy", (30, 50, 90)),
    ("ochre", (204, 153, 51)),
    ("plum", (110, 60, 100)),
    ("sky", (120, 170, 210)),
]
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


@dataclass
class TypeInfo:
    id: int
    # every combination of one value per option: [(value, option value id, SKU code, factor)]
    combos: list[list[tuple[str, int, str, float]]]


@dataclass
class VariantSpec:
    variant: ProductVariant
    value_ids: list[int]
    price: Decimal
    promotions: list[tuple[dt.datetime, dt.datetime, Decimal, str]] = field(
        default_factory=list
    )
    tiers: list[tuple[int, Decimal]] = field(default_factory=list)


@dataclass
class ProductSpec:
    product: Product
    variants: list[VariantSpec]
    images: list[ProductImage]
    reviews: list[Review]


@dataclass
class Context:
    leaves: list[Leaf]
    types: dict[str, TypeInfo]
    images: list[str]
    customers: list[int]
    taken_slugs: set[str]
    now: dt.datetime
    slug_suffixes: dict[str, int] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    fake: object = None


# --- categories and product types ----------------------------------------------------------


def _category(name: str, parent: Category | None, position: int, **fields):
    existing = Category.objects.filter(parent=parent, name=name).first()
    if existing is not None:
        return existing
    return services.category_create(
        name=name, parent=parent, position=position, **fields
    )


def seed_categories(stdout: OutputWrapper) -> list[Leaf]:
    """The 3-level tree (roots, children, leaves); returns the leaves products go into."""
    total = sum(1 + len(children) * 5 for _, _, _, children in TREE)
    done, leaves = 0, []
    for r, (root_name, code, root_type, children) in enumerate(TREE):
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
            for g, (leaf_name, names, low, high, type_key) in enumerate(grandchildren):
                nouns = names.split("|")
                leaf = _category(
                    leaf_name,
                    child,
                    g,
                    description=f"Shop {leaf_name.lower()}: {', '.join(nouns[:3]).lower()} and more.",
                )
                leaves.append(
                    Leaf(leaf.pk, code, type_key or root_type, nouns, low, high)
                )
                done += 1
            progress(stdout, "categories", done, total)
    return leaves


def _sku_code(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())[:4]


def seed_types(stdout: OutputWrapper) -> dict[str, TypeInfo]:
    """Product types with their options and values (get-or-create, few rows)."""
    types = {}
    for i, (key, options) in enumerate(TYPES.items(), start=1):
        product_type, _ = ProductType.objects.get_or_create(name=key)
        values = []
        for position, (option_name, option_values) in enumerate(options):
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
            assert len({code for _, _, code, _ in row}) == len(row), option_name
            values.append(row)
        combos = [[]]
        for row in values:
            combos = [combo + [value] for combo in combos for value in row]
        types[key] = TypeInfo(product_type.pk, combos)
        progress(stdout, "types", i, len(TYPES))
    return types


def placeholder_images() -> list[str]:
    """A handful of small PNGs under MEDIA_ROOT/demo/, written once, shared by all products."""
    from PIL import Image, ImageDraw

    folder = Path(settings.MEDIA_ROOT) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, colour in IMAGE_COLOURS:
        path = folder / f"placeholder-{name}.png"
        if not path.exists():
            image = Image.new("RGB", (480, 480), colour)
            light = tuple(min(255, c + 60) for c in colour)
            ImageDraw.Draw(image).rounded_rectangle(
                (120, 120, 360, 360), radius=32, fill=light
            )
            tmp = path.with_suffix(".tmp")
            image.save(tmp, format="PNG", optimize=True)
            tmp.replace(path)  # another seeding process never sees half a file
        names.append(f"demo/{path.name}")
    return names


# --- one product ---------------------------------------------------------------------------


def _round_price(amount: float) -> Decimal:
    """Shop-like prices: 23.99 below 100, 249.00 above."""
    if amount < 100:
        return Decimal(int(amount)) + Decimal("0.99")
    return Decimal(int(amount / 10) * 10 + 9)


def _name(rng: random.Random, leaf: Leaf, brand: str) -> tuple[str, str]:
    noun = rng.choice(leaf.nouns)
    if leaf.type_key == "Electronics":
        model = f"{rng.choice(SERIES)} {rng.randint(2, 15)}{rng.choice(['', '', ' Pro', ' Max', ' Lite', ' Plus'])}"
        return f"{brand} {model} {noun}", noun
    qualifier = rng.choice(QUALIFIERS[leaf.type_key])
    collection = f"{rng.choice(COLLECTIONS)} " if rng.random() < 0.7 else ""
    return f"{brand} {collection}{qualifier} {noun}", noun


def _attributes(rng: random.Random, type_key: str) -> dict:
    return {
        key: rng.choice(choices) for key, choices in TYPES_ATTRIBUTES[type_key].items()
    }


def _description(ctx: Context, type_key: str, brand: str, noun: str, attrs) -> str:
    lead = PITCH[type_key].format(brand=brand, noun=noun.lower(), **attrs)
    points = " ".join(ctx.rng.sample(SELLING_POINTS, 2))
    return f"{lead} {points} {ctx.fake.paragraph(nb_sentences=ctx.rng.randint(1, 3))}"


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
        variant = ProductVariant(
            sku="-".join(code for _, _, code, _ in combo),  # prefixed once n is known
            name=" / ".join(value for value, _, _, _ in combo),
            weight_grams=rng.randint(*WEIGHTS[leaf.type_key]),
            # a few variants are switched off; never the first, so a product keeps a price
            is_active=position == 0 or rng.random() > 0.03,
            position=position,
        )
        spec = VariantSpec(variant, [pk for _, pk, _, _ in combo], price)
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


def _reviews(ctx: Context, since: dt.datetime) -> list[Review]:
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
            Review(
                user_id=user_id,
                rating=rating,
                title=rng.choice(REVIEW_TITLES[rating]),
                body=f"{ctx.fake.paragraph(nb_sentences=rng.randint(1, 3))}",
                status=status,
                created_at=created,
                moderated_at=None
                if status == "pending"
                else min(ctx.now, created + dt.timedelta(hours=6)),
            )
        )
    return reviews


def product_spec(n: int, ctx: Context) -> ProductSpec:
    """Demo product number n, its variants, images and reviews (nothing saved)."""
    rng = ctx.rng
    rng.seed(SEED * 1_000_003 + n)  # the same product n on every run, in any chunk
    leaf = rng.choice(ctx.leaves)
    brand = rng.choice(BRANDS[leaf.type_key])
    name, noun = _name(rng, leaf, brand)
    attrs = _attributes(rng, leaf.type_key)
    description = _description(ctx, leaf.type_key, brand, noun, attrs)
    status = rng.choices(["active", "draft", "archived"], weights=[95, 4, 1])[0]
    created = ctx.now - dt.timedelta(minutes=rng.randint(0, 730 * 24 * 60))
    base = leaf.low + (leaf.high - leaf.low) * rng.random() ** 1.6
    variants = _variants(ctx, leaf, base, status == "active")
    tags = rng.sample(TAGS[leaf.type_key], rng.randint(2, 3))
    if variants[0].promotions:
        tags.append("sale")
    if ctx.now - created < dt.timedelta(days=30):
        tags.append("new")
    elif rng.random() < 0.05:
        tags.append("bestseller")
    product = Product(
        product_type_id=ctx.types[leaf.type_key].id,
        category_id=leaf.category_id,
        name=name,
        slug=_free_slug(ctx, name),
        description=description,
        brand=brand,
        tags=tags,
        attributes=attrs,
        seo_title=name[:70],
        seo_description=description[:157].rsplit(" ", 1)[0] + "...",
        status=status,
        is_featured=status == "active" and n % 40 == 1,
        created_at=created,
    )
    # The same value the UPDATE in `min_prices_refresh` computes: with it filled in here, that
    # UPDATE finds nothing to change instead of rewriting (and auditing) every product again.
    product.min_price = min(v.price for v in variants if v.variant.is_active)
    prefix = f"{leaf.code}-{n:06d}"
    for spec in variants:
        spec.variant.sku = f"{prefix}-{spec.variant.sku}"
    images = [
        ProductImage(
            image=rng.choice(ctx.images),
            alt_text=f"{name}, view {i + 1}"[:200],
            position=i,
            is_primary=i == 0,
        )
        for i in range(rng.choices([1, 2, 3], weights=[40, 40, 20])[0])
    ]
    reviews = _reviews(ctx, created) if status == "active" else []
    return ProductSpec(product, variants, images, reviews)


# --- writing -------------------------------------------------------------------------------


def write_products(specs: list[ProductSpec]) -> None:
    """Insert a chunk of products and everything under them, a few statements per table."""
    products = Product.objects.bulk_create([s.product for s in specs], batch_size=BATCH)
    images, reviews, variant_specs = [], [], []
    for spec, product in zip(specs, products, strict=True):
        for image in spec.images:
            image.product_id = product.pk
        for review in spec.reviews:
            review.product_id = product.pk
        for variant_spec in spec.variants:
            variant_spec.variant.product_id = product.pk
        images += spec.images
        reviews += spec.reviews
        variant_specs += spec.variants
    ProductVariant.objects.bulk_create(
        [v.variant for v in variant_specs], batch_size=BATCH
    )
    through = ProductVariant.option_values.through
    links, prices, promotions, tiers = [], [], [], []
    for spec in variant_specs:
        pk = spec.variant.pk
        links += [
            through(productvariant_id=pk, optionvalue_id=v) for v in spec.value_ids
        ]
        prices.append(Price(variant_id=pk, currency="EUR", amount=spec.price))
        promotions += [
            PromotionalPrice(
                variant_id=pk,
                currency="EUR",
                amount=amount,
                valid_during=DateTimeTZRange(start, end, "[)"),
                label=label,
            )
            for start, end, amount, label in spec.promotions
        ]
        tiers += [
            TierPrice(variant_id=pk, currency="EUR", min_quantity=q, amount=amount)
            for q, amount in spec.tiers
        ]
    through.objects.bulk_create(links, batch_size=BATCH)
    Price.objects.bulk_create(prices, batch_size=BATCH)
    PromotionalPrice.objects.bulk_create(promotions, batch_size=BATCH)
    TierPrice.objects.bulk_create(tiers, batch_size=BATCH)
    ProductImage.objects.bulk_create(images, batch_size=BATCH)
    Review.objects.bulk_create(reviews, batch_size=BATCH)


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
    return [product_spec(n, ctx) for n in numbers]


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
    from faker import Faker  # a development dependency, like the demo data itself

    stdout = output(stdout)
    with connection.cursor() as cursor:
        # Two seeders at once (make run, a benchmark) would both top up: one at a time.
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [LOCK])
    try:
        leaves = seed_categories(stdout)
        types = seed_types(stdout)
        category_ids = [leaf.category_id for leaf in leaves]
        existing = Product.objects.filter(category_id__in=category_ids).count()
        missing = max(0, products - existing)
        if missing:
            ctx = Context(
                leaves=leaves,
                types=types,
                images=placeholder_images(),
                customers=list(
                    User.objects.filter(email__in=DEMO_CUSTOMER_EMAILS)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
                taken_slugs=set(Product.all_objects.values_list("slug", flat=True))
                | set(ProductSlug.objects.values_list("slug", flat=True)),
                now=timezone.now(),
                fake=Faker("en_US"),
            )
            ctx.fake.random = (
                ctx.rng
            )  # Faker draws from the per-product seeded generator
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
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])
    stdout.write(f"{missing} products created ({existing + missing} demo products)")
    return missing
