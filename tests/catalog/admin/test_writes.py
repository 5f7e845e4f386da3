"""The catalog back office writes through the services: variant pages with their prices,
tiers and promotions, product types with their options."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog import services
from apps.catalog.errors import PriceExists
from apps.catalog.models import Price, ProductOption, ProductType, TierPrice

from .helpers import formset

pytestmark = pytest.mark.django_db


def _variant_page(variant, *, prices, tiers):
    data = {
        "product": variant.product_id,
        "sku": variant.sku,
        "name": variant.name,
        "weight_grams": variant.weight_grams,
        "is_active": "on",
        "position": variant.position,
    }
    data.update(formset("prices", prices, variant.prices.count()))
    data.update(formset("promotions", [], 0))
    data.update(formset("tiers", tiers, variant.tiers.count()))
    return data


def test_variant_page_edits_prices_and_tiers_in_place(admin_client_staff, shirt):
    variant = shirt.variants.get(sku="BS-M")
    price = variant.prices.get()
    tier = services.tier_set(variant=variant, min_quantity=10, amount=Decimal("18"))
    response = admin_client_staff.post(
        f"/admin/catalog/productvariant/{variant.pk}/change/",
        _variant_page(
            variant,
            prices=[{"id": price.pk, "currency": "USD", "amount": "25.00"}],
            tiers=[
                {
                    "id": tier.pk,
                    "currency": "EUR",
                    "min_quantity": 12,
                    "amount": "17.00",
                }
            ],
        ),
    )
    assert response.status_code == 302
    assert list(
        Price.objects.filter(variant=variant).values_list("pk", "currency")
    ) == [(price.pk, "USD")]
    assert list(
        TierPrice.objects.filter(variant=variant).values_list("pk", "min_quantity")
    ) == [(tier.pk, 12)]
    shirt.refresh_from_db()
    assert shirt.min_price == Decimal("22.00")  # BS-L is the only EUR price left


def test_variant_page_refused_price_shows_the_form_again(admin_client_staff, shirt):
    variant = shirt.variants.get(sku="BS-M")
    eur = variant.prices.get()
    usd = services.price_set(variant=variant, amount=Decimal("30"), currency="USD")
    # Both rows switch currency: the first update meets the other row's currency.
    response = admin_client_staff.post(
        f"/admin/catalog/productvariant/{variant.pk}/change/",
        _variant_page(
            variant,
            prices=[
                {"id": eur.pk, "currency": "USD", "amount": "20.00"},
                {"id": usd.pk, "currency": "EUR", "amount": "30.00"},
            ],
            tiers=[],
        ),
    )
    assert response.status_code == 200
    assert PriceExists.default_message.encode() in response.content
    assert sorted(
        Price.objects.filter(variant=variant).values_list("currency", "amount")
    ) == [
        ("EUR", Decimal("20.00")),
        ("USD", Decimal("30.00")),
    ]


def test_variant_delete_refreshes_the_lowest_price(admin_client_staff, shirt):
    cheap = shirt.variants.get(sku="BS-M")
    response = admin_client_staff.post(
        f"/admin/catalog/productvariant/{cheap.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    shirt.refresh_from_db()
    assert shirt.min_price == Decimal("22.00")


def test_product_type_page_saves_its_options_and_attribute_labels_through_the_services(
    admin_client_staff,
):
    data = {"name": "Shoe"}
    data.update(formset("options", [{"name": "Size", "position": 0}], 0))
    data.update(
        formset(
            "attribute_definitions",
            [{"key": "heel_cm", "label": "Heel height", "unit": "cm", "position": 0}],
            0,
        )
    )
    response = admin_client_staff.post("/admin/catalog/producttype/add/", data)
    assert response.status_code == 302
    shoe = ProductType.objects.get(name="Shoe")
    assert list(
        ProductOption.objects.filter(product_type=shoe).values_list("name", flat=True)
    ) == ["Size"]
    assert list(shoe.attribute_definitions.values_list("key", "label", "unit")) == [
        ("heel_cm", "Heel height", "cm")
    ]


def test_a_second_label_for_the_same_attribute_is_refused_next_to_the_form(
    admin_client_staff,
):
    data = {"name": "Shoe"}
    data.update(formset("options", [], 0))
    data.update(
        formset(
            "attribute_definitions",
            [
                {"key": "heel_cm", "label": "Heel height", "unit": "cm", "position": 0},
                {"key": "heel_cm", "label": "Heel", "unit": "", "position": 1},
            ],
            0,
        )
    )
    response = admin_client_staff.post("/admin/catalog/producttype/add/", data)
    assert response.status_code == 200
    assert not ProductType.objects.filter(name="Shoe").exists()


def test_deleting_and_restoring_a_variant_in_the_admin_keeps_the_lowest_price(
    staff_client, shirt
):
    cheap = shirt.variants.get(sku="BS-M")
    url = "/admin/catalog/productvariant/"

    # when: the cheaper variant is deleted, then restored, from the variant list
    staff_client.post(
        url,
        {"action": "delete_selected", "_selected_action": [cheap.pk], "post": "yes"},
    )
    shirt.refresh_from_db()
    assert shirt.min_price == Decimal("22.00")
    response = staff_client.post(
        f"{url}?state=deleted",
        {"action": "restore_selected", "_selected_action": [cheap.pk]},
    )

    # then: the restore went through the catalog's service, so the product follows
    assert response.status_code == 302
    shirt.refresh_from_db()
    assert shirt.min_price == Decimal("20.00")
