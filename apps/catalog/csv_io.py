"""CSV export and import of products, variants and prices (stdlib csv, streamed).

Export streams rows in batches. Import reads and checks every row first and writes
nothing unless the whole file is good; then it applies the rows through the services
in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Prefetch

from apps.auditing.validators import NUL, NUL_MESSAGE

from . import services
from .models import (
    Category,
    Price,
    Product,
    ProductSlug,
    ProductType,
    ProductVariant,
)
from .models.pricing import CURRENCIES

if TYPE_CHECKING:
    from apps.accounts.models import User

PRODUCT_COLUMNS = [
    "product_slug",
    "product_name",
    "category_path",
    "product_type",
    "brand",
    "status",
    "sku",
    "variant_name",
    "currency",
    "price",
]
PRICE_COLUMNS = ["sku", "currency", "price"]
DEFAULT_CURRENCY = "EUR"
CURRENCY_CODES = [code for code, _ in CURRENCIES]
STATUSES = [value for value, _ in Product.Status.choices]
BATCH = 500
MAX_ROWS = 100_000
MAX_NUL_LINES = 50  # lines named when a file holds NUL characters
# A cell starting with one of these is a formula to a spreadsheet (CSV injection): exported
# with a leading apostrophe, which the import takes off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvRejected(Exception):
    """The file cannot be imported; `errors` says why, line by line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors[:3]))


@dataclass
class ImportSummary:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def __str__(self) -> str:
        return ", ".join(f"{key}: {n}" for key, n in self.counts.items() if n) or (
            "nothing to change"
        )


# --- export --------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() hands back the line (for streaming)."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_stream(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text, one line at a time."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def category_slug_paths(categories: Iterable[Category]) -> dict[int, str]:
    """Category id → slugs from the root joined by "/" (one query for all ancestors)."""
    categories = list(categories)
    ids = {i for c in categories for i in [*c.ancestor_ids, c.pk]}
    slugs = dict(Category.all_objects.filter(pk__in=ids).values_list("pk", "slug"))
    return {
        c.pk: "/".join(slugs.get(i, "?") for i in [*c.ancestor_ids, c.pk])
        for c in categories
    }


def _base_price(variant: ProductVariant) -> Price | None:
    prices = sorted(variant.prices.all(), key=lambda p: p.currency)
    return next(
        (p for p in prices if p.currency == DEFAULT_CURRENCY),
        prices[0] if prices else None,
    )


def _products_with_variants(ids: list[int]):
    variants = ProductVariant.objects.order_by("position", "id").prefetch_related(
        "prices"
    )
    return (
        Product.all_objects.filter(pk__in=ids)
        .select_related("category", "product_type")
        .prefetch_related(Prefetch("variants", queryset=variants))
        .order_by("pk")
    )


def product_rows(product_ids: Iterable[int]) -> Iterator[list]:
    """One row per variant (its EUR price, else its first) — a product without variants
    gets one row with the variant columns empty."""
    for ids in _batches(sorted(set(product_ids))):
        products = list(_products_with_variants(ids))
        paths = category_slug_paths(p.category for p in products)
        for product in products:
            head = [
                product.slug,
                product.name,
                paths[product.category_id],
                product.product_type.name,
                product.brand,
                product.status,
            ]
            variants = list(product.variants.all())
            if not variants:
                yield [*head, "", "", "", ""]
            for variant in variants:
                price = _base_price(variant)
                yield [
                    *head,
                    variant.sku,
                    variant.name,
                    price.currency if price else "",
                    price.amount if price else "",
                ]


def price_rows(product_ids: Iterable[int]) -> Iterator[list]:
    """Every base price of the products' variants: sku, currency, price."""
    for ids in _batches(sorted(set(product_ids))):
        for product in _products_with_variants(ids):
            for variant in product.variants.all():
                for price in sorted(variant.prices.all(), key=lambda p: p.currency):
                    yield [variant.sku, price.currency, price.amount]


# --- reading -------------------------------------------------------------------------------


def _uncell(text: str) -> str:
    text = text.strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def csv_read(upload, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a UTF-8 CSV upload whose header names `columns`."""
    raw = getattr(upload, "file", upload)  # Django's UploadedFile wraps the binary file
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    rows = []
    nul_lines: list[int] = []  # text in the database cannot hold a NUL character
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CsvRejected(["The file is empty: it has no header line."])
        if any(NUL in cell for cell in header):
            nul_lines.append(1)
        header = [cell.strip().lower() for cell in header]
        missing = [c for c in columns if c not in header]
        if missing:
            raise CsvRejected(
                [
                    f"Line 1: the header lacks the column(s) {', '.join(missing)}; "
                    f"expected {','.join(columns)}."
                ]
            )
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvRejected([f"The file has more than {MAX_ROWS} rows."])
            if len(cells) != len(header):
                rows.append((reader.line_num, {"__error__": f"{len(cells)} columns"}))
                continue
            if any(NUL in cell for cell in cells):
                nul_lines.append(reader.line_num)
                continue
            row = dict(zip(header, (_uncell(c) for c in cells), strict=True))
            rows.append((reader.line_num, {c: row[c] for c in columns}))
    except UnicodeDecodeError:
        raise CsvRejected(
            ["The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."]
        )
    except csv.Error as exc:
        raise CsvRejected([f"Line {reader.line_num}: not valid CSV ({exc})."])
    finally:
        text.detach()  # leave the upload open for its owner
    if nul_lines:
        raise CsvRejected(
            [f"Line {line}: {NUL_MESSAGE}" for line in nul_lines[:MAX_NUL_LINES]]
        )
    if not rows:
        raise CsvRejected(["The file has a header but no rows."])
    return rows


def _decimal(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"price {text!r} is not a number")
    if not amount.is_finite():
        raise ValueError(f"price {text!r} is not a number")
    if amount < 0:
        raise ValueError(f"price {text} is negative")
    if amount.as_tuple().exponent < -2:
        raise ValueError(f"price {text} has more than two decimals")
    if amount >= Decimal("1e10"):
        raise ValueError(f"price {text} is too large")
    return amount.quantize(Decimal("0.01"))


def _price(row: dict[str, str]) -> tuple[str, Decimal | None]:
    """(currency, amount) of a row; raises ValueError with the reason."""
    currency = row["currency"].upper() or DEFAULT_CURRENCY
    if currency not in CURRENCY_CODES:
        raise ValueError(
            f"unknown currency {row['currency']!r} (use {', '.join(CURRENCY_CODES)})"
        )
    if not row["price"]:
        return currency, None
    return currency, _decimal(row["price"])


def _length(errors, line, row, column, limit) -> None:
    if len(row[column]) > limit:
        errors.append(f"Line {line}: {column} is longer than {limit} characters.")


# --- products import -----------------------------------------------------------------------


@dataclass
class _ProductPlan:
    line: int
    existing: Product | None
    fields: dict
    variants: list[tuple[int, dict]] = field(default_factory=list)


def _category_lookup() -> dict[str, Category]:
    categories = list(Category.objects.all())
    return {path: c for c, path in zip(categories, _paths(categories), strict=True)}


def _paths(categories: list[Category]) -> list[str]:
    slugs = {c.pk: c.slug for c in categories}
    return [
        "/".join(slugs.get(i, "\0") for i in [*c.ancestor_ids, c.pk])
        for c in categories
    ]


def _existing_products(slugs: set[str]) -> dict[str, Product]:
    found = {p.slug: p for p in Product.objects.filter(slug__in=slugs)}
    for old in ProductSlug.objects.filter(slug__in=slugs - set(found)).select_related(
        "product"
    ):
        if old.product.deleted_at is None:
            found[old.slug] = old.product
    return found


def _product_fields(line, row, categories, types, errors) -> dict | None:
    bad = len(errors)
    if not row["product_name"]:
        errors.append(f"Line {line}: product_name is empty.")
    _length(errors, line, row, "product_name", 200)
    _length(errors, line, row, "brand", 100)
    category = categories.get(row["category_path"].strip("/"))
    if category is None:
        errors.append(f"Line {line}: unknown category path {row['category_path']!r}.")
    product_type = types.get(row["product_type"])
    if product_type is None:
        errors.append(f"Line {line}: unknown product type {row['product_type']!r}.")
    # Required: an empty status must not quietly unpublish an existing product.
    status = row["status"].lower()
    if status not in STATUSES:
        errors.append(
            f"Line {line}: unknown status {row['status']!r} (use {', '.join(STATUSES)})."
        )
    if row["product_slug"]:
        try:
            validate_slug(row["product_slug"])
        except ValidationError:
            errors.append(
                f"Line {line}: product_slug {row['product_slug']!r} is not a valid slug."
            )
    if len(errors) > bad:
        return None
    return {
        "name": row["product_name"],
        "category": category,
        "product_type": product_type,
        "brand": row["brand"],
        "status": status,
    }


def _products_plan(rows) -> tuple[list[_ProductPlan], list[str]]:
    errors: list[str] = []
    categories = _category_lookup()
    types = {t.name: t for t in ProductType.objects.all()}
    existing = _existing_products({r.get("product_slug", "") for _, r in rows} - {""})
    skus = {r.get("sku", "") for _, r in rows} - {""}
    variants = {
        v.sku: v
        for v in ProductVariant.objects.filter(sku__in=skus).prefetch_related("prices")
    }
    plans: dict[str, _ProductPlan] = {}
    sku_lines: dict[str, int] = {}
    for line, row in rows:
        if "__error__" in row:
            errors.append(
                f"Line {line}: expected {len(PRODUCT_COLUMNS)} columns, found {row['__error__']}."
            )
            continue
        fields = _product_fields(line, row, categories, types, errors)
        key = row["product_slug"] or f"name:{row['product_name']}"
        plan = plans.get(key)
        if fields is not None:
            if plan is None:
                plan = plans[key] = _ProductPlan(
                    line, existing.get(row["product_slug"]), fields
                )
            elif plan.fields != fields:
                differs = sorted(k for k in fields if fields[k] != plan.fields[k])
                errors.append(
                    f"Line {line}: product {key.removeprefix('name:')!r} has another "
                    f"{', '.join(differs)} than on line {plan.line}."
                )
        variant = _variant_row(line, row, sku_lines, variants, plan, errors)
        if variant is not None and plan is not None:
            plan.variants.append((line, variant))
    return list(plans.values()), errors


def _variant_row(line, row, sku_lines, variants, plan, errors) -> dict | None:
    sku = row["sku"]
    if not sku:
        if row["variant_name"] or row["price"]:
            errors.append(f"Line {line}: sku is empty but the row has a variant.")
        return None
    bad = len(errors)
    _length(errors, line, row, "sku", 64)
    _length(errors, line, row, "variant_name", 200)
    if sku in sku_lines:
        errors.append(f"Line {line}: SKU {sku!r} is already on line {sku_lines[sku]}.")
    sku_lines.setdefault(sku, line)
    current = variants.get(sku)
    owner = plan.existing if plan is not None else None
    if current is not None and (owner is None or current.product_id != owner.pk):
        errors.append(f"Line {line}: SKU {sku!r} belongs to another product.")
    try:
        currency, amount = _price(row)
    except ValueError as exc:
        errors.append(f"Line {line}: {exc}.")
        return None
    if len(errors) > bad:
        return None
    return {
        "sku": sku,
        "name": row["variant_name"],
        "currency": currency,
        "amount": amount,
        "current": current,
    }


def _product_apply(plan: _ProductPlan, summary: ImportSummary, actor) -> Product:
    product = plan.existing
    if product is None:
        summary.add("products created")
        return services.product_create(actor=actor, **plan.fields)
    changed = {k: v for k, v in plan.fields.items() if getattr(product, k) != v}
    if changed:
        services.product_update(product=product, actor=actor, **changed)
        summary.add("products updated")
    return product


def _variant_apply(product: Product, row: dict, summary: ImportSummary, actor) -> None:
    variant = row["current"]
    if variant is None:
        services.variant_create(
            product=product,
            sku=row["sku"],
            name=row["name"],
            price=row["amount"],
            actor=actor,
            currency=row["currency"],
        )
        summary.add("variants created")
        return
    if variant.name != row["name"]:
        services.variant_update(variant=variant, name=row["name"], actor=actor)
        summary.add("variants updated")
    _price_apply(variant, row["currency"], row["amount"], summary, actor)


def _price_apply(variant, currency, amount, summary, actor) -> None:
    if amount is None:
        return
    current = next((p for p in variant.prices.all() if p.currency == currency), None)
    if current is None or current.amount != amount:
        services.price_set(
            variant=variant, amount=amount, currency=currency, actor=actor
        )
        summary.add("prices set")


@transaction.atomic
def products_import(*, upload, actor: User | None = None) -> ImportSummary:
    """Create or update products, variants and base prices from a product export file."""
    rows = csv_read(upload, PRODUCT_COLUMNS)
    plans, errors = _products_plan(rows)
    if errors:
        raise CsvRejected(errors)
    summary = ImportSummary()
    for plan in plans:
        product = _product_apply(plan, summary, actor)
        for _, row in plan.variants:
            _variant_apply(product, row, summary, actor)
    return summary


# --- prices import -------------------------------------------------------------------------


@transaction.atomic
def prices_import(*, upload, actor: User | None = None) -> ImportSummary:
    """Set base prices from a sku,currency,price file."""
    rows = csv_read(upload, PRICE_COLUMNS)
    variants = {
        v.sku: v
        for v in ProductVariant.objects.filter(
            sku__in={r.get("sku", "") for _, r in rows} - {""}
        ).prefetch_related("prices")
    }
    errors, seen, plan = [], {}, []
    for line, row in rows:
        if "__error__" in row:
            errors.append(
                f"Line {line}: expected {len(PRICE_COLUMNS)} columns, found {row['__error__']}."
            )
            continue
        variant = variants.get(row["sku"])
        if variant is None:
            errors.append(f"Line {line}: unknown SKU {row['sku']!r}.")
        try:
            currency, amount = _price(row)
            if amount is None:
                raise ValueError("price is empty")
        except ValueError as exc:
            errors.append(f"Line {line}: {exc}.")
            continue
        key = (row["sku"], currency)
        if key in seen:
            errors.append(
                f"Line {line}: SKU {row['sku']!r} in {currency} is already on line {seen[key]}."
            )
        seen.setdefault(key, line)
        if variant is not None:
            plan.append((variant, currency, amount))
    if errors:
        raise CsvRejected(errors)
    summary = ImportSummary()
    for variant, currency, amount in plan:
        _price_apply(variant, currency, amount, summary, actor)
    return summary
