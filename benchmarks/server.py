"""The app as production runs it, for the benchmarks: the HTTP server and a job worker.

- granian (the default, decision 0040): `BENCH_WORKERS` processes (2, one per core), each
  running the WSGI app in `BENCH_THREADS` threads (4), with HTTP/1.1 keep-alive;
- or gunicorn (`BENCH_SERVER=gunicorn`): `BENCH_WORKERS` processes (6), `BENCH_WORKER_CLASS`
  sync by default (a connection per request), `gthread` with `BENCH_THREADS` threads;
- one `db_worker` for the background jobs the writes queue (sealing the audit chain,
  notifications, the feedback desk's processing), as `make run` and production run it,
  at a lower CPU priority than the server (`BENCH_WORKER_NICE`, 10; decision 0041).

Both run from the current interpreter's environment against the database in
DATABASE_URL and are stopped together.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.httpload import Client

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8765"))
SERVER = os.environ.get("BENCH_SERVER", "granian")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2" if SERVER == "granian" else "6"))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
# The job worker runs at a lower CPU priority than the server, as deploy/systemd runs it
# (decision 0041); 0 runs both alike.
WORKER_NICE = int(os.environ.get("BENCH_WORKER_NICE", "10"))
# Requests the server works on at once: each has its own database connection to warm up.
CONCURRENCY = WORKERS * (THREADS if SERVER == "granian" or WORKER_CLASS == "gthread" else 1)


@dataclass
class Server:
    http: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    worker_nice: int = 0

    @property
    def keep_alive(self) -> bool:
        """gunicorn's sync workers close the connection after each response."""
        return SERVER == "granian" or WORKER_CLASS != "sync"

    @property
    def description(self) -> str:
        worker = "one db_worker" + (
            f" at nice {self.worker_nice}" if self.worker_nice else " at the same priority"
        )
        if SERVER == "granian":
            return f"granian (WSGI), {WORKERS} workers × {THREADS} threads, and {worker}"
        threads = f" × {THREADS} threads" if WORKER_CLASS == "gthread" else ""
        return f"gunicorn, {WORKERS} {WORKER_CLASS} workers{threads}, and {worker}"

    def stop(self) -> None:
        for process in (self.http, self.worker):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in (self.http, self.worker):
            process.wait(timeout=30)


def start() -> Server:
    bin_dir = Path(sys.executable).parent
    command = _granian_command(bin_dir) if SERVER == "granian" else _gunicorn_command(bin_dir)
    env = {**os.environ}
    http = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(http, worker, _worker_nice(worker.pid, WORKER_NICE))
    for _ in range(120):
        try:
            if Client(HOST, PORT).request("GET", "/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.stop()
    raise SystemExit(f"{SERVER} did not start")


def _worker_nice(pid: int, nice: int) -> int:
    """Lower the worker's CPU priority, as systemd's `CPUWeight=`/`Nice=` do in production;
    returns the nice value applied (0: none). Popen returns after the exec, so the worker
    already leads its own session here."""
    if nice <= 0:
        return 0
    os.setpriority(os.PRIO_PROCESS, pid, nice)
    # With Linux's per-session scheduling groups (sched_autogroup, on by default) a
    # process's own nice value counts only within its session; between sessions, the
    # group's does. The server and the worker each lead a session here.
    autogroup = Path(f"/proc/{pid}/autogroup")
    if autogroup.exists():
        try:
            autogroup.write_text(str(nice))
        except OSError:
            return 0
    return nice


def _gunicorn_command(bin_dir: Path) -> list[str]:
    command = [
        str(bin_dir / "gunicorn"),
        "thuocdo.config.wsgi:application",
        "--bind",
        f"{HOST}:{PORT}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        WORKER_CLASS,
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    if WORKER_CLASS == "gthread":
        command += ["--threads", str(THREADS)]
    return command


def _granian_command(bin_dir: Path) -> list[str]:
    return [
        str(bin_dir / "granian"),
        "--interface",
        "wsgi",
        "--host",
        HOST,
        "--port",
        str(PORT),
        "--workers",
        str(WORKERS),
        "--blocking-threads",
        str(THREADS),
        "--log-level",
        "warning",
        "--no-ws",
        "thuocdo.config.wsgi:application",
    ]


PROCESSES = {
    "server": r"(gunicorn|granian) .*thuocdo",
    "database": r"^postgres: ",
    "worker": r"manage\.py db_worker",
}


def cpu_snapshot() -> dict[str, dict[int, int]]:
    from benchmarks.wrkload import cpu_ticks  # noqa: PLC0415

    return {name: cpu_ticks(pattern) for name, pattern in PROCESSES.items()}


def cpu_ms_per_request(before: dict[str, dict[int, int]], requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request used since `before` by the server, the database
    (every PostgreSQL process: sessions, WAL writer, checkpointer) and the job worker."""
    from benchmarks.wrkload import cpu_used  # noqa: PLC0415

    after = cpu_snapshot()
    return {
        name: round(cpu_used(before[name], after[name]) * 1000 / max(1, requests), 1) for name in PROCESSES
    }
