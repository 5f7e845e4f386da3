import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "broker": "ok"},
    }


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
