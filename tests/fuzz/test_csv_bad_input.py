"""CSV imports refuse NUL characters line by line, before anything is written."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.catalog import csv_io
from apps.catalog.models import Price

from .harness import snapshot

pytestmark = pytest.mark.django_db


def test_csv_read_names_every_line_holding_a_nul():
    data = "sku,currency,price\nA-1,EUR,1.00\nA\x002,EUR,2.00\nA-3,EUR\x00,3.00\n"
    with pytest.raises(csv_io.CsvRejected) as exc:
        csv_io.csv_read(io.BytesIO(data.encode()), csv_io.PRICE_COLUMNS)
    assert [e.split(":")[0] for e in exc.value.errors] == ["Line 3", "Line 4"]
    assert "NUL" in exc.value.errors[0]


def test_the_import_page_shows_the_nul_lines_and_writes_nothing(staff_client):
    before = snapshot()
    upload = SimpleUploadedFile(
        "prices.csv", b"sku,currency,price\nA\x001,EUR,1.00\n", "text/csv"
    )
    response = staff_client.post(
        reverse("admin:catalog_product_import"), {"kind": "prices", "file": upload}
    )
    assert response.status_code == 200
    assert "Line 2" in response.content.decode()
    assert not Price.objects.exists()
    assert snapshot() == before
