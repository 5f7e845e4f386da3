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


def test_liveness_answers_while_redis_is_down_and_readiness_says_so(client, settings):
    # given Redis (cache and broker) unreachable
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    # then the process is alive (the container is not restarted, the site stays in rotation)
    live = client.get("/healthz/live")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    # and readiness names what is down
    ready = client.get("/healthz/ready")
    assert ready.status_code == 503
    assert ready.json()["down"] == ["redis", "broker"]
    assert ready.json()["checks"]["database"] == "ok"


def test_health_checks_answer_before_the_host_check_and_the_https_redirect(
    client, settings
):
    # given production's host check and HTTPS redirect
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    # then a probe over plain HTTP on the container's own address gets its answer
    for path in ("/healthz/live", "/healthz/ready", "/healthz"):
        response = client.get(path, HTTP_HOST="127.0.0.1:8000")
        assert response.status_code == 200, path
        assert response["Cache-Control"].startswith("max-age=0")
    # while every other page keeps both rules
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    redirect = client.get("/", HTTP_HOST="shop.example.com")
    assert redirect.status_code == 301
    assert redirect.url == "https://shop.example.com/"
    # and only reads are answered early
    assert client.post("/healthz/live", HTTP_HOST="127.0.0.1:8000").status_code == 400
