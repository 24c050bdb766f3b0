"""Run web + Celery worker + beat in the foreground with prefixed logs; Ctrl-C stops all.

The web process is uvicorn serving the ASGI application: pages through Django (static files
through WhiteNoise, which finds them without collectstatic in DEBUG) and live chat's
WebSockets through Channels."""

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand

COLOURS = {"web": "\033[36m", "worker": "\033[35m", "beat": "\033[33m"}
RESET = "\033[0m"


class Command(BaseCommand):
    help = "Start the web server, a Celery worker (all queues) and Celery beat together."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options):
        python = sys.executable
        queues = ",".join(settings.CELERY_TASK_QUEUES_ALL)
        host, _, port = addr.rpartition(":")
        commands = {
            "web": [
                python,
                "-m",
                "uvicorn",
                "commerce_platform.asgi:application",
                "--host",
                host or "127.0.0.1",
                "--port",
                port or "8000",
                "--ws-max-size",
                "65536",  # chat frames are at most ~8 KB; bigger ones are refused by the server
                "--lifespan",
                "off",
                "--no-server-header",
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "commerce_platform",
                "worker",
                "-Q",
                queues,
                "-c",
                "2",
                "--loglevel",
                "INFO",
            ],
            "beat": [python, "-m", "celery", "-A", "commerce_platform", "beat", "--loglevel", "INFO"],
        }
        procs = {}
        for name, command in commands.items():
            procs[name] = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                start_new_session=True,
            )
            threading.Thread(target=self._pump, args=(name, procs[name]), daemon=True).start()
        host = f"http://{addr}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nUnified Commerce is starting:\n  storefront  {host}/\n  console     {host}/console/\n"
                f"  admin       {host}/admin/\n  API docs    {host}/api/docs/\n  dev mail    {host}/dev/mail/\n"
                f"  health      {host}/healthz\nDemo logins are printed above. Ctrl-C stops all.\n"
            )
        )
        try:
            while all(p.poll() is None for p in procs.values()):
                time.sleep(0.5)
            dead = [n for n, p in procs.items() if p.poll() is not None]
            self.stderr.write(f"{', '.join(dead)} exited; stopping the rest")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)

    def _pump(self, name: str, proc: subprocess.Popen) -> None:
        prefix = f"{COLOURS.get(name, '')}{name:>6} |{RESET} "
        for line in proc.stdout:
            sys.stdout.write(prefix + line)
            sys.stdout.flush()
