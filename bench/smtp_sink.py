"""An aiosmtpd sink in its own process for the benchmarks: it counts accepted messages in
shared memory and does nothing else, so the sink's CPU is not taken from the process being
measured. (In the same process as the smtplib reference loop it slowed that loop to
~0.6x, which flattered the ratio.)

    sink = SinkProcess().start(); ...; sink.count; sink.stop()

Run as `python bench/smtp_sink.py PORT SHM_NAME` by SinkProcess (a plain subprocess, so
nothing of the parent's Django state is inherited).
"""

import socket
import struct
import subprocess
import sys
import time
from multiprocessing import shared_memory


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SinkProcess:
    def __init__(self):
        self.port = _free_port()
        self._shm = shared_memory.SharedMemory(create=True, size=8)
        self._shm.buf[:8] = struct.pack("q", 0)
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def count(self) -> int:
        return struct.unpack("q", bytes(self._shm.buf[:8]))[0]

    def start(self) -> "SinkProcess":
        self._proc = subprocess.Popen([sys.executable, __file__, str(self.port), self._shm.name])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    if probe.recv(3) == b"220":
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("SMTP sink did not start")

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.count} of {count} messages arrived")
            time.sleep(0.005)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._shm.close()
        self._shm.unlink()


def _serve(port: int, shm_name: str) -> None:
    import logging
    import signal
    import threading

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    shm = shared_memory.SharedMemory(name=shm_name)
    # The parent owns (and unlinks) the segment; keep this process's tracker out of it.
    from multiprocessing import resource_tracker

    resource_tracker.unregister(shm._name, "shared_memory")  # noqa: SLF001
    accepted = [0]

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            # aiosmtpd reads commands in order, so it can honestly offer PIPELINING (RFC
            # 2920), as production servers (Postfix, Exim, the big providers) do.
            session.host_name = hostname
            return [*responses[:-1], "250-PIPELINING", responses[-1]]

        async def handle_DATA(self, server, session, envelope):
            accepted[0] += 1
            shm.buf[:8] = struct.pack("q", accepted[0])
            return "250 2.0.0 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    shm.close()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), sys.argv[2])
