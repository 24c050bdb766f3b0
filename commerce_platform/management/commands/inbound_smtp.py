"""Run the inbound SMTP listener for the support address in the foreground."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from service_console.inbound_smtp import inbound_smtp_controller


class Command(BaseCommand):
    help = "Receive email for the support address over SMTP and turn it into case messages."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=settings.HELPDESK_INBOUND_SMTP_ADDR, help="host:port to listen on")

    def handle(self, *args, addr: str, **options):
        host, _, port = addr.rpartition(":")
        try:
            controller = inbound_smtp_controller(host=host or "127.0.0.1", port=int(port))
            controller.start()
        except (OSError, ValueError, RuntimeError) as exc:
            raise CommandError(f"cannot listen on {addr}: {exc}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(
            f"Inbound SMTP listening on {addr} for {settings.HELPDESK_SUPPORT_EMAIL} (and its +tags)", ending="\n"
        )
        self.stdout.flush()
        stop.wait()
        controller.stop()
