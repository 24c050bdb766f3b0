"""Shared fixtures: real Postgres (pytest-django), real Redis, a real Celery worker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    """Compiled translations (.mo) are not in git: `make install` builds them; a bare
    `pytest` run rebuilds any that are missing or older than their .po (GNU msgfmt)."""
    for po in (ROOT / "locale").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)  # noqa: S603


@pytest.fixture(scope="session", autouse=True)
def _clean_test_redis():
    """Each run starts with an empty test Redis database (queues, cache, throttles)."""
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """LocaleMiddleware leaves the last request's language active in the thread: a Japanese
    page request must not make the next test (whichever xdist hands this worker) run in it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


def _worker_env(db_name: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "commerce_platform.settings.test", "DATABASE_NAME": db_name}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class CeleryWorker:
    """A real `celery worker` subprocess against the test database and test Redis."""

    def __init__(
        self,
        *,
        queues: str = ",".join(settings.CELERY_TASK_QUEUES_ALL),
        concurrency: int = 2,
        name: str = "test",
        extra_env: dict | None = None,
    ):
        from django.db import connection

        self.queues = queues
        self.hostname = f"{name}-{os.getpid()}-{time.monotonic_ns()}@localhost"
        self.log_path = ROOT / "tests" / "artifacts" / f"worker-{name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.env = {**_worker_env(connection.settings_dict["NAME"]), **(extra_env or {})}
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "CeleryWorker":
        from commerce_platform.celery import app

        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "commerce_platform",
                "worker",
                "-Q",
                self.queues,
                "-c",
                str(self.concurrency),
                "-n",
                self.hostname,
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited early; see {self.log_path}")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return self
        self.stop()
        raise RuntimeError(f"celery worker did not answer within {timeout}s; see {self.log_path}")

    def stop(self, sig: int = 15) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()


@pytest.fixture
def celery_worker(transactional_db):
    """Start a real Celery worker for one test. Data the test writes must be committed,
    so tests using it are transactional (the worker is another process)."""
    worker = CeleryWorker().start()
    yield worker
    worker.stop()


@pytest.fixture
def start_celery_worker(transactional_db):
    """Factory for tests that need several workers or control over them."""
    workers: list[CeleryWorker] = []

    def _start(**kwargs) -> CeleryWorker:
        worker = CeleryWorker(**kwargs).start()
        workers.append(worker)
        return worker

    yield _start
    for worker in workers:
        worker.stop(9)


@pytest.fixture
def welcome_journey_steps(db):
    """The default welcome journey (marketing migration 0002's rows), created by the test
    itself: a transactional test's flush removes migration data, so tests that need the
    steps must not rely on it (they pass with --reuse-db in any order)."""
    import importlib

    from marketing.models import JourneyStep

    steps = importlib.import_module("marketing.migrations.0002_defaults").STEPS
    for position, delay, subject, heading, text, label, url in steps:
        JourneyStep.objects.get_or_create(
            position=position,
            defaults={
                "delay_hours": delay,
                "subject": subject,
                "heading": heading,
                "text": text,
                "button_label": label,
                "link_url": url,
            },
        )
    return list(JourneyStep.objects.order_by("position"))


class AsgiServer:
    """uvicorn serving the project's ASGI app (pages + WebSockets) in a subprocess, against the
    test database and test Redis: the live server for chat (pytest-django's is WSGI only)."""

    def __init__(self, *, extra_env: dict | None = None):
        from django.db import connection

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**_worker_env(connection.settings_dict["NAME"]), **(extra_env or {})}
        self.log_path = ROOT / "tests" / "artifacts" / f"asgi-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "AsgiServer":
        import socket

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "tests.asgi_live:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--lifespan",
                "off",
                "--ws-max-size",
                "65536",
                "--ws-per-message-deflate",
                "false",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited early; see {self.log_path}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"uvicorn did not listen within {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def asgi_live_server(transactional_db):
    """An ASGI (uvicorn) live server for tests that need WebSockets; data must be committed."""
    server = AsgiServer().start()
    yield server
    server.stop()
