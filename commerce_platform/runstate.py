"""What `manage.py run_all` started, so `make stop` stops exactly those processes.

run_all writes `<VAR_DIR>/run_all.json`: its own pid and the web, worker and beat pids,
each with the process's start time (from /proc), so a pid the system has since given to
another program is never signalled. Each child runs in its own session (process group =
its pid), so signalling the group also reaches the Celery worker's pool processes. Nothing
here looks processes up by name: other projects' servers and workers may share the machine.

No Django import: `make stop` runs this without settings or a database.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

PIDFILE = "run_all.json"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ")".
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] if len(fields) > 19 else None


def _alive(pid: int, started: str | None) -> bool:
    """Running (not a zombie) and still the process we recorded."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return False
    return started is None or _start_time(pid) == started


def pidfile_path(var_dir) -> Path:
    return Path(var_dir) / PIDFILE


def record(var_dir, *, addr: str, children: dict[str, int]) -> Path:
    """Write the pidfile (run_all's own pid first). Returns its path."""
    path = pidfile_path(var_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    me = os.getpid()
    processes = {"run_all": me, **children}
    data = {
        "addr": addr,
        "processes": {name: {"pid": pid, "started": _start_time(pid)} for name, pid in processes.items()},
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(path)
    return path


def forget(var_dir) -> None:
    """Remove the pidfile if it is ours (run_all calls this once its children are gone)."""
    path = pidfile_path(var_dir)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if data.get("processes", {}).get("run_all", {}).get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def read(var_dir) -> dict[str, dict]:
    try:
        return json.loads(pidfile_path(var_dir).read_text()).get("processes", {})
    except (OSError, ValueError):
        return {}


def _group_members(pgid: int, not_before: str | None) -> list[int]:
    """Live processes in process group `pgid` started no earlier than its recorded leader
    (a Celery pool process can outlive its parent for a moment)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" or int(fields[2]) != pgid:
            continue
        if not_before is not None and int(fields[19]) < int(not_before):
            continue
        members.append(int(entry.name))
    return members


def _signal(pid: int, sig: int, *, group: bool) -> None:
    try:
        if group and os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_recorded(var_dir, *, timeout: float = 20.0) -> list[str]:
    """Stop the processes in the pidfile: SIGTERM to run_all (it stops its children and
    prints why), SIGTERM to each child's process group, then SIGKILL whatever is still
    there after `timeout`. Returns the names stopped; removes the pidfile."""
    recorded = read(var_dir)
    alive = {name: info for name, info in recorded.items() if _alive(info["pid"], info.get("started"))}
    if "run_all" in alive:
        _signal(alive["run_all"]["pid"], signal.SIGTERM, group=False)
    for name, info in alive.items():
        if name != "run_all":
            _signal(info["pid"], signal.SIGTERM, group=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(i["pid"], i.get("started")) for i in alive.values()):
        time.sleep(0.2)
    for name, info in alive.items():
        if _alive(info["pid"], info.get("started")):
            _signal(info["pid"], signal.SIGKILL, group=name != "run_all")
        if name != "run_all":
            for member in _group_members(info["pid"], info.get("started")):
                _signal(member, signal.SIGKILL, group=False)
    pidfile_path(var_dir).unlink(missing_ok=True)
    return sorted(alive)
