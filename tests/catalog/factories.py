"""Catalog factories. Categories, products, variants, images, promotions and tiers are made
through the services, so paths, slugs, min_price and primary images are what the shop makes."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from apps.catalog import services
from apps.catalog.models import (
    Category,
    OptionValue,
    Product,
    ProductImage,
    ProductOption,
    ProductType,
    ProductVariant,
    PromotionalPrice,
    Review,
    TierPrice,
)
from tests.accounts.factories import UserFactory


def png_bytes(color=(36, 88, 214), size=(4, 4)) -> bytes:
    """A tiny valid PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_file(name: str = "product.png", **kwargs) -> ContentFile:
    return ContentFile(png_bytes(**kwargs), name=name)


class ServiceFactory(factory.django.DjangoModelFactory):
    """Creates through `_service(**kwargs)`; builds (unsaved) skip the service-only kwargs."""

    class Meta:
        abstract = True

    _service_only: tuple[str, ...] = ()

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        for name in cls._service_only:
            kwargs.pop(name, None)
        return model_class(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls._service(**kwargs)


class CategoryFactory(ServiceFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    parent = None

    @classmethod
    def _service(cls, **kwargs):
        return services.category_create(**kwargs)


class ProductTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductType
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Type {n}")


class ProductOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductOption
        django_get_or_create = ("product_type", "name")

    product_type = factory.SubFactory(ProductTypeFactory)
    name = "Size"


class OptionValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OptionValue
        django_get_or_create = ("option", "value")

    option = factory.SubFactory(ProductOptionFactory)
    value = factory.Sequence(lambda n: f"V{n}")


class ProductFactory(ServiceFactory):
    """A published (active) product by default; `ProductFactory(draft=True)` for a draft."""

    class Meta:
        model = Product

    class Params:
        draft = factory.Trait(status=Product.Status.DRAFT)
        archived = factory.Trait(status=Product.Status.ARCHIVED)

    product_type = factory.SubFactory(ProductTypeFactory)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    description = ""
    brand = ""
    status = Product.Status.ACTIVE

    @classmethod
    def _service(cls, **kwargs):
        return services.product_create(**kwargs)


class ProductVariantFactory(ServiceFactory):
    """A variant with a base `price` (None for no price) and `option_values` (a list)."""

    class Meta:
        model = ProductVariant

    _service_only = ("price", "currency", "option_values")

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = ""
    price = Decimal("19.90")
    currency = "EUR"
    option_values = ()

    @classmethod
    def _service(cls, **kwargs):
        kwargs["option_values"] = list(kwargs.get("option_values") or ())
        return services.variant_create(**kwargs)


class ProductImageFactory(ServiceFactory):
    """An image (a tiny generated PNG); the product's first image becomes primary."""

    class Meta:
        model = ProductImage

    _service_only = ("primary",)

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyFunction(png_file)
    alt_text = factory.LazyAttribute(lambda o: f"Photo of {o.product.name}")
    primary = False

    @classmethod
    def _service(cls, **kwargs):
        return services.image_add(**kwargs)


class PromotionFactory(ServiceFactory):
    """A promotional price running from an hour ago for a week by default."""

    class Meta:
        model = PromotionalPrice

    _service_only = ("start", "end")

    variant = factory.SubFactory(ProductVariantFactory)
    amount = Decimal("9.90")
    currency = "EUR"
    label = "Sale"
    start = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(days=7))

    @classmethod
    def _service(cls, **kwargs):
        return services.promotion_add(**kwargs)


class TierPriceFactory(ServiceFactory):
    class Meta:
        model = TierPrice

    variant = factory.SubFactory(ProductVariantFactory)
    min_quantity = 10
    amount = Decimal("9.50")
    currency = "EUR"

    @classmethod
    def _service(cls, **kwargs):
        return services.tier_set(**kwargs)


class ReviewFactory(factory.django.DjangoModelFactory):
    """An approved review by default (`status=Review.Status.PENDING` for the queue)."""

    class Meta:
        model = Review

    product = factory.SubFactory(ProductFactory)
    user = factory.SubFactory(UserFactory)
    rating = 5
    title = factory.Sequence(lambda n: f"Review {n}")
    body = "Does what it says."
    status = Review.Status.APPROVED
    verified_purchase = False
