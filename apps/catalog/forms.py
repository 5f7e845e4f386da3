"""Back-office forms of the catalog: they check the business rules the services enforce,
so staff see a message next to the field instead of an error page."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from . import services
from .errors import (
    AttributesInvalid,
    CategoryMoveInvalid,
    PromotionOverlap,
    SkuTaken,
)
from .models import (
    Category,
    Product,
    ProductVariant,
    PromotionalPrice,
    Review,
    TreeOrder,
)

PRICE_CURRENCY = "EUR"  # the base price edited next to each variant of a product


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = (
            "name",
            "parent",
            "position",
            "description",
            "seo_title",
            "seo_description",
            "is_featured",
        )

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is None or self.instance.pk is None:
            return parent
        # Judge against the stored tree, not the instance: a history revert hands us an old copy.
        own_path = (
            Category.all_objects.filter(pk=self.instance.pk)
            .values_list("path", flat=True)
            .first()
        )
        if own_path and parent.path.startswith(own_path):
            raise ValidationError(
                CategoryMoveInvalid.default_message, code=CategoryMoveInvalid.code
            )
        return parent


class CategoryMoveForm(forms.Form):
    """The target of the "Move selected under…" action (empty: to the top level)."""

    parent = forms.ModelChoiceField(
        Category.objects.order_by(TreeOrder()),
        required=False,
        empty_label="(top level)",
        label="New parent",
    )


class ProductAdminForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = (
            "name",
            "category",
            "product_type",
            "brand",
            "status",
            "description",
            "tags",
            "attributes",
            "seo_title",
            "seo_description",
            "publish_from",
            "publish_until",
            "is_featured",
        )

    def clean_attributes(self):
        attributes = self.cleaned_data.get("attributes")
        if attributes is None:
            return {}
        try:
            return services.attributes_validate(attributes)
        except AttributesInvalid as exc:
            raise ValidationError(exc.message, code=exc.code) from exc


def _sku_taken(sku: str, own_pk: int | None) -> bool:
    return ProductVariant.objects.filter(sku=sku).exclude(pk=own_pk).exists()


class VariantInlineForm(forms.ModelForm):
    price = forms.DecimalField(
        label=f"price ({PRICE_CURRENCY})",
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
    )

    class Meta:
        model = ProductVariant
        fields = ("sku", "name", "is_active", "weight_grams", "position")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # `prices` is prefetched by the inline's queryset: no query per row.
            self.fields["price"].initial = next(
                (
                    p.amount
                    for p in self.instance.prices.all()
                    if p.currency == PRICE_CURRENCY
                ),
                None,
            )

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        if _sku_taken(sku, self.instance.pk):
            raise ValidationError(SkuTaken.default_message, code=SkuTaken.code)
        return sku

    def clean_price(self):
        price = self.cleaned_data.get("price")
        if price is None and self.fields["price"].initial is not None:
            raise ValidationError(
                "Enter a price; a price is removed on the variant's own page.",
                code="price_required",
            )
        return price


class VariantInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen: dict[str, forms.Form] = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            sku = form.cleaned_data.get("sku")
            if not sku:
                continue
            if sku in seen:
                form.add_error("sku", "This SKU appears twice in this form.")
            seen[sku] = form


class VariantAdminForm(forms.ModelForm):
    class Meta:
        model = ProductVariant
        fields = (
            "product",
            "sku",
            "name",
            "option_values",
            "weight_grams",
            "is_active",
            "position",
        )

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        if _sku_taken(sku, self.instance.pk):
            raise ValidationError(SkuTaken.default_message, code=SkuTaken.code)
        return sku


class ImageInlineFormSet(BaseInlineFormSet):
    """Exactly one primary image: more than one ticked is refused before any write."""

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and not self._should_delete_form(form)
            and (form.instance.pk or form.cleaned_data.get("image"))
        ]
        primary = [form for form in kept if form.cleaned_data.get("is_primary")]
        if len(primary) > 1:
            for form in primary:
                form.add_error("is_primary", "Only one image can be the primary one.")
            raise ValidationError("Tick exactly one primary image.", code="primary")
        if not primary and any(form.instance.pk for form in kept):
            raise ValidationError(
                "Tick the image that should be the primary one.", code="primary"
            )


def _overlaps(a, b) -> bool:
    """Whether two [lower, upper) ranges (None: unbounded) share a moment."""
    return (a.lower is None or b.upper is None or a.lower < b.upper) and (
        b.lower is None or a.upper is None or b.lower < a.upper
    )


class PromotionInlineForm(forms.ModelForm):
    class Meta:
        model = PromotionalPrice
        fields = ("currency", "amount", "valid_during", "label")

    def clean_valid_during(self):
        during = self.cleaned_data.get("valid_during")
        if during is None or during.lower is None:
            raise ValidationError("A promotion needs a start.", code="start_required")
        if during.upper is not None and during.upper <= during.lower:
            raise ValidationError("The end must be after the start.", code="empty")
        return during


class PromotionInlineFormSet(BaseInlineFormSet):
    """Overlapping promotions (within the form or with stored ones) are refused per row."""

    def clean(self):
        super().clean()
        forms_kept = [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and form.cleaned_data.get("valid_during")
            and form.cleaned_data.get("currency")
            and not self._should_delete_form(form)
        ]
        in_form = [form.instance.pk for form in self.forms if form.instance.pk]
        # A variant being added has no stored promotions (and cannot be filtered by yet).
        stored = (
            list(
                PromotionalPrice.objects.filter(variant=self.instance).exclude(
                    pk__in=in_form
                )
            )
            if self.instance.pk is not None
            else []
        )
        for i, form in enumerate(forms_kept):
            currency = form.cleaned_data["currency"]
            during = form.cleaned_data["valid_during"]
            clash = any(
                p.currency == currency and _overlaps(during, p.valid_during)
                for p in stored
            ) or any(
                other.cleaned_data["currency"] == currency
                and _overlaps(during, other.cleaned_data["valid_during"])
                for other in forms_kept[:i]
            )
            if clash:
                form.add_error(
                    "valid_during",
                    ValidationError(
                        PromotionOverlap.default_message, code=PromotionOverlap.code
                    ),
                )


class ReviewAdminForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ("status",)


class CsvImportForm(forms.Form):
    KINDS = [
        ("products", "Products and variants (the product export's columns)"),
        ("prices", "Prices (sku, currency, price)"),
    ]

    kind = forms.ChoiceField(
        choices=KINDS, widget=forms.RadioSelect, initial="products"
    )
    file = forms.FileField(label="CSV file (UTF-8)")
