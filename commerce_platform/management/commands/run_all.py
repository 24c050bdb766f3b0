"""Run web + Celery worker + beat in the foreground with prefixed logs; Ctrl-C stops all three.

The web process is uvicorn serving the ASGI application: pages through Django (static files
through WhiteNoise, which finds them without collectstatic in DEBUG) and live chat's
WebSockets through Channels.

The pids go to `<VAR_DIR>/run_all.json` (commerce_platform.runstate), so `make stop` from
another terminal stops exactly these processes too, then the embedded services.
"""

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from commerce_platform import runstate
from commerce_platform.health import worker_starting_clear, worker_starting_mark

COLOURS = {"web": "\033[36m", "worker": "\033[35m", "beat": "\033[33m", "inbound-smtp": "\033[32m"}
# Processes whose exit is reported but does not stop the others (e.g. the SMTP port is taken).
OPTIONAL = {"inbound-smtp"}
RESET = "\033[0m"


class StopRequested(Exception):
    """SIGTERM (e.g. `make stop`) or SIGINT (Ctrl-C) arrived."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum, frame):
    raise StopRequested(signum)


class Command(BaseCommand):
    help = "Start the web server, a Celery worker (all queues) and Celery beat together."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("ADDR") or "127.0.0.1:8000")
        parser.add_argument(
            "--smtp-addr",
            default=settings.HELPDESK_INBOUND_SMTP_ADDR,
            help="where the inbound SMTP listener for the support address listens",
        )

    def handle(self, *args, addr: str, smtp_addr: str, **options):
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
                "--ws-per-message-deflate",
                "false",  # chat frames are tiny: compressing each costs more CPU than it saves
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
            "inbound-smtp": [python, "manage.py", "inbound_smtp", "--addr", smtp_addr],
        }
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # Links in emails point at the address this run serves, unless SITE_URL says otherwise.
        env.setdefault("SITE_URL", f"http://{addr}")
        # Signals become an exception in this (main) thread, also when the shell started us in
        # the background with SIGINT ignored.
        signal.signal(signal.SIGTERM, _raise_stop)
        signal.signal(signal.SIGINT, _raise_stop)
        worker_starting_mark()  # /healthz says "starting" (not "down") until the worker answers
        procs = {}
        reason = ""
        try:
            for name, command in commands.items():
                procs[name] = subprocess.Popen(
                    command,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    bufsize=1,
                    env=env,
                    start_new_session=True,  # own process group: `make stop` signals the whole worker
                )
                threading.Thread(target=self._pump, args=(name, procs[name]), daemon=True).start()
            runstate.record(settings.VAR_DIR, addr=addr, children={n: p.pid for n, p in procs.items()})
            host = f"http://{addr}"
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nUnified Commerce is starting:\n  storefront  {host}/\n  console     {host}/console/\n"
                    f"  admin       {host}/admin/\n  API docs    {host}/api/docs/\n  dev mail    {host}/dev/mail/\n"
                    f"  health      {host}/healthz\n"
                    f"  support     smtp://{smtp_addr} ({settings.HELPDESK_SUPPORT_EMAIL})\n"
                    "Demo logins are printed above. Ctrl-C (or `make stop` elsewhere) stops all.\n"
                )
            )
            reported: set[str] = set()
            while all(p.poll() is None for n, p in procs.items() if n not in OPTIONAL):
                for name in OPTIONAL - reported:
                    if procs[name].poll() is not None:
                        reported.add(name)
                        self.stderr.write(f"{name} exited (see its log above); the rest keeps running")
                time.sleep(0.5)
            dead = [n for n, p in procs.items() if p.poll() is not None and n not in OPTIONAL]
            self.stderr.write(f"{', '.join(dead)} exited; stopping the rest")
        except StopRequested as stop:
            reason = "ctrl-c" if stop.signum == signal.SIGINT else "term"
            self.stdout.write("\nStopping the processes this run started…")
        finally:
            # A second Ctrl-C must not cut the clean-up short.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self._stop(procs)
            worker_starting_clear()
            runstate.forget(settings.VAR_DIR)
        if reason == "ctrl-c":
            self.stdout.write(self._still_running(list(procs)))

    def _stop(self, procs: dict[str, subprocess.Popen]) -> None:
        for proc in procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    LABELS = {"web": "the web server", "worker": "the Celery worker", "beat": "beat",
              "inbound-smtp": "the inbound SMTP listener"}  # fmt: skip

    def _still_running(self, stopped: list[str]) -> str:
        """What Ctrl-C stopped, what it leaves running (the embedded services), how to stop it."""
        var = settings.VAR_DIR
        embedded = []
        if not os.environ.get("DATABASE_URL"):
            embedded.append(f"Postgres (data in {var / 'postgres'})")
        if not os.environ.get("REDIS_URL"):
            embedded.append(f"Redis (data in {var / 'redis'})")
        names = [self.LABELS.get(name, name) for name in stopped]
        done = f"Stopped {', '.join(names[:-1])} and {names[-1]}." if len(names) > 1 else f"Stopped {names[0]}."
        if not embedded:
            return self.style.SUCCESS(done + " Nothing else was started by `make run`.\n")
        return self.style.SUCCESS(
            f"{done}\nStill running: the embedded {' and '.join(embedded)}, so the next `make run` starts "
            "quickly.\nStop them with `make stop` (your data in var/ is kept).\n"
        )

    def _pump(self, name: str, proc: subprocess.Popen) -> None:
        prefix = f"{COLOURS.get(name, '')}{name:>6} |{RESET} "
        for line in proc.stdout:
            sys.stdout.write(prefix + line)
            sys.stdout.flush()
