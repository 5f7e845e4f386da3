"""Demo data a shop owner believes: text that agrees with the attributes, labelled
attributes, a picture per product, customer logins from the README, revertable history."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.core.management import call_command

from apps.catalog import services
from apps.catalog.models import AttributeDefinition, Product, ProductVariant
from apps.demo.catalog import attribute_sentence
from apps.demo.catalog_vocabulary import ATTRIBUTES, TREE, TYPES
from tests.catalog.admin.helpers import product_post

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = 60
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", products=PRODUCTS, orders=0, stdout=StringIO())
    return tmp_path


def _products():
    return list(Product.objects.select_related("product_type").order_by("pk"))


def test_every_leaf_names_a_type_and_only_attributes_with_a_label():
    for _, _, children in TREE:
        for _, _, leaves in children:
            for leaf, _, _, _, type_key, narrowed in leaves:
                assert type_key in TYPES, leaf
                assert set(narrowed) <= set(ATTRIBUTES), leaf
    for spec in TYPES.values():
        assert set(spec["attributes"]) <= set(ATTRIBUTES)


def test_descriptions_state_the_attributes_and_nothing_that_contradicts_them(seeded):
    products = _products()
    assert len(products) == PRODUCTS
    for product in products:
        text = product.description
        for key, value in product.attributes.items():
            assert attribute_sentence(key, value) in text, (product.name, key)
        # a number of years in the text is the warranty attribute, never another promise
        years = re.findall(r"(\d+)-year", text)
        warranty = product.attributes.get("warranty_years")
        assert years == ([str(warranty)] if warranty is not None else []), product.name
        for key in ("waterproof", "reflective", "vegan"):
            if product.attributes.get(key) is False:
                assert key not in text.lower(), (product.name, key)
                assert key not in product.name.lower(), (product.name, key)
                assert key not in product.tags, (product.name, key)
        assert (
            text.startswith(TYPES[product.product_type.name]["lead"].split("{")[0])
            or product.brand in text.split(".")[0]
        ), product.name


def test_a_qualifier_in_a_name_agrees_with_the_attributes(seeded):
    for product in _products():
        attrs = product.attributes
        name = product.name.lower()
        if "linen" in name and "fabric" in attrs:
            assert attrs["fabric"] == "linen", product.name
        if "merino" in name:
            assert attrs.get("fabric") == "merino wool", product.name
        if "waterproof" in name:
            assert (
                attrs.get("waterproof") is True
                or attrs.get("technology") == "waterproof"
            ), product.name


def test_every_attribute_on_a_product_has_a_label_and_unit_for_its_type(seeded):
    for product in _products():
        defined = {
            d.key: (d.label, d.unit)
            for d in AttributeDefinition.objects.filter(
                product_type=product.product_type
            )
        }
        for key in product.attributes:
            assert defined[key] == ATTRIBUTES[key][:2], (product.name, key)


def test_every_product_has_an_svg_picture_naming_its_type_and_itself(seeded):
    for product in Product.objects.prefetch_related("images").order_by("pk"):
        (image,) = product.images.all()
        assert image.image.name.endswith(".svg") and image.is_primary
        tree = ElementTree.parse(seeded / image.image.name)
        root = tree.getroot()
        assert root.tag == f"{SVG}svg"
        label = root.get("aria-label")
        assert label == f"{product.product_type.name}: {product.name}"
        texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
        assert product.product_type.name.upper() in texts
        assert root.find(f"{SVG}g/{SVG}path") is not None  # the pictogram


def test_the_product_page_shows_attribute_labels_and_units_not_raw_keys(seeded, client):
    product = (
        Product.objects.filter(status="active", attributes__has_key="warranty_years")
        .order_by("pk")
        .first()
    )
    assert product is not None
    page = client.get(f"/p/{product.slug}/").content.decode()
    years = product.attributes["warranty_years"]
    assert f'<th scope="row">Warranty</th><td>{years} years</td>' in page
    assert "warranty_years" not in page


def _readme_logins() -> tuple[list[str], str]:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("Demo customer logins") :]
    password = re.search(r"password `([^`]+)`", section).group(1)
    emails = re.findall(r"^\| (\S+@\S+) \|", section, flags=re.M)
    return emails, password


def test_the_readme_demo_customer_logins_sign_in(seeded, client):
    emails, password = _readme_logins()
    assert len(emails) == 4
    for email in emails:
        response = client.post(
            "/account/sign-in/", {"username": email, "password": password}
        )
        assert response.status_code == 302, email
        assert client.get("/account/").context["user"].email == email
        client.post("/account/sign-out/")


def test_a_seeded_product_has_a_first_history_entry_and_its_first_edit_reverts(
    seeded, admin_client_staff
):
    # given a seeded product and variant: each has its initial history entry
    product = Product.objects.order_by("pk").first()
    variant = ProductVariant.objects.filter(product=product).order_by("pk").first()
    (initial,) = product.history.all()
    assert (initial.history_type, initial.name) == ("+", product.name)
    assert variant.history.get().history_type == "+"
    assert variant.prices.get().history.get().history_type == "+"
    old_name = product.name
    # when staff edit it for the first time, then revert to the initial entry
    services.product_update(product=product, name="Renamed by mistake")
    url = f"/admin/catalog/product/{product.pk}/history/{initial.history_id}/"
    assert admin_client_staff.get(url).status_code == 200
    post = product_post(
        product,
        name=old_name,
        description=initial.description,
        tags=",".join(initial.tags),
        attributes=json.dumps(initial.attributes),
    )
    response = admin_client_staff.post(
        url, {k: v for k, v in post.items() if "-" not in k}
    )
    # then the product has its seeded name back
    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.name == old_name
