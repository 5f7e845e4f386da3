from __future__ import annotations

import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from apps.auditing.softdelete import SoftDeleteModel, alive_unique
from apps.auditing.triggers import audited, soft_delete_trigger

from .categories import Category


class ProductType(models.Model):
    """A kind of product and the options its variants differ by (size, colour, ...)."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        triggers = [*audited()]

    def __str__(self):
        return self.name


class ProductOption(models.Model):
    product_type = models.ForeignKey(
        ProductType, on_delete=models.CASCADE, related_name="options"
    )
    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product_type", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_type", "name"], name="catalog_option_unique_in_type"
            )
        ]
        triggers = [*audited()]

    def __str__(self):
        return f"{self.product_type}: {self.name}"


class OptionValue(models.Model):
    option = models.ForeignKey(
        ProductOption, on_delete=models.CASCADE, related_name="values"
    )
    value = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["option", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["option", "value"], name="catalog_optionvalue_unique"
            )
        ]
        triggers = [*audited()]

    def __str__(self):
        return f"{self.option.name}: {self.value}"


class AttributeDefinition(models.Model):
    """How the product page shows one key of a product's `attributes`: a label and a unit."""

    product_type = models.ForeignKey(
        ProductType, on_delete=models.CASCADE, related_name="attribute_definitions"
    )
    key = models.CharField(
        max_length=60,
        help_text="The name in a product's attributes, e.g. battery_hours.",
    )
    label = models.CharField(
        max_length=60, help_text="What shoppers read, e.g. Battery life."
    )
    unit = models.CharField(
        max_length=20, blank=True, help_text="Shown after the value, e.g. h, kg, cm."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product_type", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_type", "key"],
                name="catalog_attributedefinition_unique_in_type",
            )
        ]
        triggers = [*audited()]

    def __str__(self):
        return f"{self.label} ({self.unit})" if self.unit else self.label


class Product(SoftDeleteModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    product_type = models.ForeignKey(
        ProductType, on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(max_length=200)
    # Indexed once below (`catalog_product_slug`): no `LIKE` index, nothing asks one.
    slug = models.SlugField(max_length=220, db_index=False)
    description = models.TextField(blank=True)
    brand = models.CharField(max_length=100, blank=True)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=160, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_from = models.DateTimeField(null=True, blank=True)
    publish_until = models.DateTimeField(null=True, blank=True)
    is_featured = models.BooleanField(default=False)
    # Kept by the inventory app's services (the arrow never turns round).
    in_stock = models.BooleanField(default=False)
    # Lowest current base price among active variants, kept by the pricing services (for sort/filter).
    min_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, editable=False
    )
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    soft_delete_children = ("variants", "images")

    class Meta(SoftDeleteModel.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            alive_unique("slug", name="catalog_product_slug_unique_alive"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "archived"]),
                name="catalog_product_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(publish_until__isnull=True)
                | Q(publish_from__isnull=True)
                | Q(publish_until__gt=models.F("publish_from")),
                name="catalog_product_publish_window",
            ),
            models.CheckConstraint(
                condition=Q(min_price__gte=0), name="catalog_product_min_price_gte_0"
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="catalog_product_search"),
            # The admin's searches: exactly what `icontains` asks of PostgreSQL,
            # UPPER(col::text) LIKE UPPER('%term%'). The storefront's typo matcher asks
            # the same index (trigrams ignore case: UPPER changes no similarity).
            GinIndex(
                OpClass(Upper("name"), name="gin_trgm_ops"),
                name="catalog_product_name_up_trgm",
            ),
            GinIndex(
                OpClass(Upper("brand"), name="gin_trgm_ops"),
                name="catalog_product_brand_trgm",
            ),
            # The admin's search by slug, over every product (the unique index above holds
            # alive ones only).
            models.Index(fields=["slug"], name="catalog_product_slug"),
            # The admin's brand filter reads the brands from it (one probe per brand).
            models.Index(fields=["brand"], name="catalog_product_brand"),
            # The default order (the admin's list, every status): newest first. The
            # storefront's partial index below holds published products only.
            models.Index(fields=["-created_at", "-id"], name="catalog_product_created"),
            models.Index(
                fields=["category", "-created_at"],
                condition=Q(status="active", deleted_at__isnull=True),
                name="catalog_product_listing",
            ),
            models.Index(
                fields=["min_price"],
                condition=Q(status="active", deleted_at__isnull=True),
                name="catalog_product_price",
            ),
            # "What is new" on the home page and the whole catalog, newest first.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(status="active", deleted_at__isnull=True),
                name="catalog_product_newest",
            ),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(is_featured=True, status="active", deleted_at__isnull=True),
                name="catalog_product_featured_new",
            ),
        ]
        triggers = [
            *audited(exclude=["search_vector"]),
            *soft_delete_trigger(),
            pgtrigger.Trigger(
                name="search_vector",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert
                | pgtrigger.UpdateOf("name", "brand", "tags", "description"),
                # Every part stemmed with the English configuration, as the query is:
                # "headphone" and "headphones" find the same products. (Migration
                # catalog.0008 recomputed the rows stored before.)
                func="""
                    NEW.search_vector :=
                        setweight(to_tsvector('english', coalesce(NEW.name, '')), 'A') ||
                        setweight(to_tsvector('english', coalesce(NEW.brand, '') || ' ' ||
                                  array_to_string(coalesce(NEW.tags, '{}'), ' ')), 'B') ||
                        setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C');
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self):
        return self.name

    def soft_delete(self, *, at=None) -> None:
        from apps.catalog.cache import product_cache_invalidate

        super().soft_delete(at=at)
        product_cache_invalidate(
            self.pk
        )  # a deleted product's cached page must stop being served

    def restore(self) -> None:
        from apps.catalog.cache import product_cache_invalidate

        super().restore()
        product_cache_invalidate(self.pk)

    def is_published(self, at=None) -> bool:
        at = at or timezone.now()
        return (
            self.status == self.Status.ACTIVE
            and self.deleted_at is None
            and (self.publish_from is None or self.publish_from <= at)
            and (self.publish_until is None or at < self.publish_until)
        )


class ProductSlug(models.Model):
    """A slug a product had before: old links redirect (301) to the current one."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="old_slugs"
    )
    slug = models.SlugField(max_length=220, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.slug


class ProductVariant(SoftDeleteModel):
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="variants"
    )
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200, blank=True)
    option_values = models.ManyToManyField(
        OptionValue, blank=True, related_name="variants"
    )
    weight_grams = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Kept by the inventory app's services.
    in_stock = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(SoftDeleteModel.Meta):
        ordering = ["product", "position", "id"]
        constraints = [alive_unique("sku", name="catalog_variant_sku_unique_alive")]
        indexes = [
            models.Index(
                fields=["product", "position"],
                condition=Q(deleted_at__isnull=True),
                name="catalog_variant_alive",
            ),
            # The admin's SKU search: UPPER(sku::text) LIKE UPPER('%term%').
            GinIndex(
                OpClass(Upper("sku"), name="gin_trgm_ops"),
                name="catalog_variant_sku_trgm",
            ),
        ]
        triggers = [*audited(), *soft_delete_trigger()]

    def __str__(self):
        return f"{self.sku} {self.name}".strip()


class ProductImage(SoftDeleteModel):
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="images"
    )
    image = models.ImageField(upload_to="products/%Y/%m/")
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_primary = models.BooleanField(default=False)

    class Meta(SoftDeleteModel.Meta):
        ordering = ["product", "-is_primary", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(is_primary=True, deleted_at__isnull=True),
                name="catalog_image_one_primary",
            ),
        ]
        triggers = [*audited(), *soft_delete_trigger()]

    def __str__(self):
        return self.alt_text or self.image.name
