import logging

import pytest
from django.test import override_settings

from commerce_platform.devservices import celery_broker_url


@pytest.mark.celery
def test_healthz_is_200_when_database_redis_and_worker_are_up(client, celery_worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "celery": True,
    }


@pytest.mark.django_db
@override_settings(HEALTH_CELERY_TIMEOUT=0.3)
def test_healthz_is_503_naming_celery_when_no_worker_runs(client):
    from commerce_platform.health import worker_starting_clear

    worker_starting_clear()  # an earlier test's worker, killed with SIGKILL, may have left its mark
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["down"] == ["celery"]
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


@pytest.mark.django_db
def test_healthz_is_503_naming_redis_when_redis_is_unreachable(client):
    dead = "redis://127.0.0.1:1/0"
    with override_settings(REDIS_URL=dead, CELERY_BROKER_URL=celery_broker_url(dead), HEALTH_CELERY_TIMEOUT=0.3):
        response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["down"] == ["redis", "celery"]
    assert body["checks"]["database"]["ok"] is True
    assert "Connection" in body["checks"]["redis"]["error"]


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def django_log():
    """Records of the `django` loggers (they do not propagate to the root, so caplog misses them)."""
    handler = _Records()
    logger = logging.getLogger("django")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.mark.django_db
@override_settings(HEALTH_CELERY_TIMEOUT=0.3)
def test_healthz_says_starting_and_logs_no_error_while_the_worker_starts(client, django_log):
    from commerce_platform.health import worker_starting_clear, worker_starting_mark

    worker_starting_clear()
    worker_starting_mark()  # what run_all (and a booting worker) does
    try:
        response = client.get("/healthz")
    finally:
        worker_starting_clear()
    body = response.json()
    assert (response.status_code, body["status"], body["down"]) == (200, "starting", [])
    assert body["checks"]["celery"]["starting"] is True
    assert [r.getMessage() for r in django_log if r.levelno >= logging.ERROR] == []
    # Once nothing is starting, a missing worker is "down" again, and that is an error.
    response = client.get("/healthz")
    assert (response.status_code, response.json()["status"]) == (503, "down")
    assert [r.getMessage() for r in django_log if r.levelno >= logging.ERROR] == ["Service Unavailable: /healthz"]


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # ICO header
