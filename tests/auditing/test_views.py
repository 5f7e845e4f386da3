import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}
    assert set(body["audit"]) == {
        "pending_events",
        "pending_captures",
        "oldest_pending_age_s",
        "lagging",
        "quarantined_captures",
    }
    assert "warnings" not in body


def test_healthz_reports_the_audit_backlog_and_warns_when_it_lags(client, settings):
    from apps.auditing.services import audit_inbox_drain
    from tests.testapp.models import Widget

    while audit_inbox_drain(batch_size=100_000):
        pass
    Widget.objects.create(name="a")
    Widget.objects.create(name="b")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["audit"]["pending_events"] == 2
    assert response.json()["audit"]["pending_captures"] == 2
    assert "warnings" not in response.json()

    settings.AUDIT_BACKLOG_WARN_EVENTS = 2
    response = client.get("/healthz")
    # A lagging drain is a warning, not an outage.
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["audit"]["lagging"] is True
    assert response.json()["warnings"] == ["audit_drain_lagging"]


def test_healthz_names_what_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == "ok"


def test_home_page_renders_the_storefront(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"<title>The Shop</title>" in response.content
