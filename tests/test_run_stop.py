"""`make run` / `make stop` as a person uses them, on the embedded Postgres and Redis of a
VAR_DIR of this test's own: while the worker starts /healthz says "starting" and nothing
is logged at ERROR; Ctrl-C stops web, worker and beat and says what keeps running; `make
stop` leaves no process of the run behind (web, worker and its pool, beat, Postgres, Redis).

Every process looked at is this run's: found from run_all's pidfile, the pidfiles of the
embedded services, or a command line / environment naming this test's VAR_DIR. Nothing is
looked up or signalled by name (other projects' servers and workers share the machine).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.celery]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "TEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="commerce_platform.settings",
        DJANGO_ENV="development",
        VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
        HEALTH_WORKER_START_GRACE="120",
    )
    return env


def _health(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local server
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())
    except OSError:
        return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _processes_of(var_dir: Path) -> dict[int, str]:
    """Live processes whose command line or environment names this VAR_DIR."""
    found = {}
    needle = str(var_dir).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if (needle in cmdline or b"VAR_DIR=" + needle + b"\0" in environ) and _alive(int(entry.name)):
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")[:120]
    return found


class Run:
    """`manage.py run_all` in the background, its output collected in a file."""

    def __init__(self, var_dir: Path, port: int):
        self.var_dir, self.port = var_dir, port
        self.log = var_dir / f"run-{time.monotonic_ns()}.log"
        self._out = open(self.log, "w")  # noqa: SIM115 - closed in wait()
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "run_all", "--addr", f"127.0.0.1:{port}",
             "--smtp-addr", f"127.0.0.1:{_free_port()}"],
            cwd=ROOT, env=_env(var_dir), stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_healthy(self, timeout: float = 90) -> list[str]:
        """Poll /healthz until "ok"; returns the statuses seen (e.g. starting, ok)."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()[-3000:]
            body = _health(f"http://127.0.0.1:{self.port}/healthz")
            if body is not None and (not seen or seen[-1] != body["status"]):
                seen.append(body["status"])
            if body is not None and body["status"] == "ok":
                return seen
            time.sleep(0.3)
        raise AssertionError(f"not healthy in {timeout}s: {seen}\n{self.output()[-3000:]}")

    def pids(self) -> dict[str, int]:
        data = json.loads((self.var_dir / "run_all.json").read_text())
        return {name: info["pid"] for name, info in data["processes"].items()}

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._out.close()


def _service_pids(var_dir: Path) -> dict[str, int]:
    postgres = int((var_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    redis = int((var_dir / "redis" / "redis.pid").read_text().split()[0])
    return {"postgres": postgres, "redis": redis}


@pytest.fixture
def var_dir():
    # Not pytest's tmp_path: that is private to root (0700), and as root the embedded
    # Postgres runs as the `pgserver` user, which must reach its data directory.
    base = Path(tempfile.mkdtemp(prefix="uc-runstop-"))
    base.chmod(0o755)
    yield base / "var"
    shutil.rmtree(base, ignore_errors=True)


def test_ctrl_c_says_what_keeps_running_and_make_stop_leaves_nothing(var_dir):
    started = []
    try:
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT, env=_env(var_dir), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]

        # 1. make run, then Ctrl-C: web, worker and beat stop; the banner names what keeps running.
        first = Run(var_dir, _free_port())
        started.append(first)
        statuses = first.wait_healthy()
        assert statuses[-1] == "ok" and "down" not in statuses, statuses
        assert '"level": "ERROR"' not in first.output()
        children = first.pids()
        assert set(children) == {"run_all", "web", "worker", "beat", "inbound-smtp"}
        os.killpg(first.proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
        assert first.wait() == 0
        banner = first.output()
        assert "Stopped the web server, the Celery worker, beat and the inbound SMTP listener." in banner
        assert f"Still running: the embedded Postgres (data in {var_dir / 'postgres'}) and Redis" in banner
        assert "Stop them with `make stop`" in banner
        assert [name for name, pid in children.items() if _alive(pid)] == []
        services = _service_pids(var_dir)
        assert all(_alive(pid) for pid in services.values()), "the embedded services keep running after Ctrl-C"
        assert not (var_dir / "run_all.json").exists()

        # 2. make run again (the services are reused), then `make stop` from "another terminal".
        second = Run(var_dir, _free_port())
        started.append(second)
        second.wait_healthy()
        children = second.pids()
        assert _service_pids(var_dir) == services
        before = _processes_of(var_dir)
        assert set(children.values()) | set(services.values()) <= set(before), before
        assert len(before) > len(children) + len(services)  # the worker's pool processes and Postgres' helpers
        stop = subprocess.run(
            ["make", "-s", "stop", f"VAR_DIR={var_dir}"], cwd=ROOT, env=_env(var_dir),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert stop.returncode == 0, stop.stderr
        assert stop.stdout.splitlines() == [  # (the Makefile's `|| true` hides a failure's exit status)
            "web, worker, beat: stopped (beat, inbound-smtp, run_all, web, worker)",
            "redis: stopped",
            "postgres: stopped",
        ], stop.stderr
        second.wait()
        assert _processes_of(var_dir) == {}
        assert [pid for pid in before if _alive(pid)] == []
    finally:
        for run in started:  # never leave this test's processes behind, whatever failed
            if run.proc.poll() is None:
                os.killpg(run.proc.pid, signal.SIGTERM)
                run.wait()
        subprocess.run(["make", "-s", "stop", f"VAR_DIR={var_dir}"], cwd=ROOT, env=_env(var_dir), timeout=120)
