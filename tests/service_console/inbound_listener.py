"""The real inbound SMTP listener (`manage.py inbound_smtp`) as a subprocess on a free port,
against the test database: what `make run` starts, exercised over a socket with smtplib."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.messaging.sink import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


class InboundListener:
    def __init__(self, *, db_name: str, media_root: Path):
        self.port = free_port()
        self.log_path = ROOT / "tests" / "artifacts" / "inbound-smtp.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "commerce_platform.settings.test",
            "DATABASE_NAME": db_name,
            "MEDIA_ROOT": str(media_root),
            "PYTHONUNBUFFERED": "1",
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "InboundListener":
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "inbound_smtp", "--addr", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"inbound_smtp exited early; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"inbound_smtp did not listen within {timeout}s; see {self.log_path}")

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


@pytest.fixture(scope="module")
def inbound_listener(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import connection

    listener = InboundListener(
        db_name=connection.settings_dict["NAME"], media_root=tmp_path_factory.mktemp("inbound-media")
    ).start()
    yield listener
    listener.stop()
