"""Production settings pass `check --deploy`; the embedded Postgres/Redis path works."""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent


def _run(args, env, timeout=180):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def _base_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(extra)
    return env


def test_production_settings_pass_check_deploy_without_warnings():
    # `check --deploy` opens no connection, so service URLs need not point at live servers.
    env = _base_env(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="shop.example.com",
        DATABASE_URL="postgres://app@db.internal:5432/commerce",
        REDIS_URL="redis://cache.internal:6379/0",
    )
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _base_env(
        DJANGO_ENV="production",
        ALLOWED_HOSTS="shop.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    env.pop("SECRET_KEY", None)
    result = _run(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.slow
def test_embedded_postgres_and_redis_start_persist_and_stop():
    """With DATABASE_URL/REDIS_URL unset the first process starts both services under
    VAR_DIR; a second process reuses them and sees the first one's data; stop_all stops them."""
    # Not pytest's tmp_path: its directories are private to root (0700), and as root the
    # embedded Postgres runs as the `pgserver` user, which must reach its data directory.
    base = Path(tempfile.mkdtemp(prefix="uc-embedded-"))
    base.chmod(0o755)
    var_dir = base / "var"
    env = _base_env(VAR_DIR=str(var_dir), DJANGO_ENV="development")
    for key in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DATABASE_NAME"):
        env.pop(key, None)
    try:
        migrate = _run(["migrate", "--noinput"], env, timeout=300)
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        assert (var_dir / "postgres" / "PG_VERSION").exists()
        write = _run(
            [
                "shell",
                "-c",
                (
                    "from customers.models import Customer; from django.conf import settings; "
                    "import redis; Customer.objects.create_user(email='persist@example.com'); "
                    "redis.Redis.from_url(settings.REDIS_URL).set('uc-probe', 'kept'); "
                    "print(settings.DATABASES['default']['HOST'], settings.REDIS_URL)"
                ),
            ],
            env,
        )
        assert write.returncode == 0, write.stderr
        db_host, redis_url = write.stdout.split()[-2:]
        assert db_host.startswith(str(var_dir)) or db_host.startswith("/tmp")
        assert redis_url.startswith("unix://")

        read = _run(
            [
                "shell",
                "-c",
                (
                    "from customers.models import Customer; from django.conf import settings; import redis; "
                    "print(Customer.objects.filter(email='persist@example.com').count(), "
                    "redis.Redis.from_url(settings.REDIS_URL).get('uc-probe').decode())"
                ),
            ],
            env,
        )
        assert read.returncode == 0, read.stderr
        assert read.stdout.split()[-2:] == ["1", "kept"]
    finally:
        stop = subprocess.run(
            [sys.executable, "-c", f"from commerce_platform.devservices import stop_all; stop_all({str(var_dir)!r})"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert "redis: stopped" in stop.stdout and "postgres: stopped" in stop.stdout, stop.stdout + stop.stderr
    assert not (var_dir / "postgres" / "postmaster.pid").exists()
    sock = redis_url.removeprefix("unix://").split("?")[0]
    with pytest.raises((redis.exceptions.ConnectionError, FileNotFoundError)):
        redis.Redis(unix_socket_path=sock, socket_timeout=1).ping()
    shutil.rmtree(base, ignore_errors=True)


def test_redis_urls_for_tcp_and_unix_socket_forms():
    from commerce_platform.devservices import celery_broker_url, redis_url_with_db

    assert redis_url_with_db("redis://127.0.0.1:6379/0", 9) == "redis://127.0.0.1:6379/9"
    assert redis_url_with_db("unix:///srv/var/redis/redis.sock?db=0", 8) == "unix:///srv/var/redis/redis.sock?db=8"
    assert celery_broker_url("unix:///srv/r.sock?db=3") == "redis+socket:///srv/r.sock?virtual_host=3"
    assert celery_broker_url("redis://h:6379/2") == "redis://h:6379/2"
