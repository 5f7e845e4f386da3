"""Inventory maintenance jobs record their runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.inventory import services
from apps.inventory.models import Reservation
from apps.inventory.services import Line

pytestmark = pytest.mark.django_db


def test_expiry_job_records_a_run(stocked):
    from apps.auditing.jobs import job_execute

    variant, _, _ = stocked
    reservations = services.stock_reserve(
        lines=[Line(variant.pk, 2)], owner_type="order"
    )
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=5)
    )
    run = job_execute("inventory.reservations_expire")
    assert (run.outcome, run.rows) == ("success", 1)
    assert job_execute("inventory.reservations_expire").rows == 0
