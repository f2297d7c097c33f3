"""Durability under a crash: "killing the server mid-load loses no item that was
acknowledged with 201/200".

Starts the HTTP server and the job worker on the benchmark database, lets concurrent clients
file items through POST /api/v1/feedback/items, kills both with SIGKILL in the middle of
the load, processes what the worker left pending (as a restarted worker would), then
checks that every tracking code the clients received with a 201 is in the database with
its case, and that no case was half-written (a case without its item or history). Run by `make bench-feedback` after the measurements; prints and
appends the result to docs/benchmarks.md.
"""

import os
import signal
import sys
import threading
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuocdo.config.settings.bench")
django.setup()

import json
from http.client import HTTPException

from django.db.models import Count, Max

from benchmarks import server as bench_server
from benchmarks.httpload import Client
from benchmarks.server import HOST, PORT
from thuocdo.feedback.models import Case, Item
from thuocdo.feedback.samples import sample_items
from thuocdo.feedback.services.processing import pending_cases_process

CLIENTS = 8
KILL_AFTER_SECONDS = float(os.environ.get("BENCH_KILL_AFTER", "10"))


def main() -> None:
    pool = sample_items(400, seed=7)
    run = time.time_ns()
    before_max = Case.objects.aggregate(m=Max("pk"))["m"] or 0
    server = bench_server.start()
    acknowledged: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(worker: int) -> None:
        connection = Client(HOST, PORT)
        n = 0
        while not stop.is_set():
            s = pool[(worker * 31 + n) % len(pool)]
            body = {
                "kind": s.kind,
                "topic": s.topic_code,
                "title": s.title,
                "body": s.body,
                "province": s.province_code,
                "commune": s.commune_code,
                "contact_name": s.contact_name,
                "contact_email": f"crash.{run}.{worker}.{n}@example.vn",
                "consent": True,
            }
            n += 1
            try:
                status, data, _seconds = connection.request(
                    "POST",
                    "/api/v1/feedback/items",
                    body,
                    headers={"Idempotency-Key": f"crash-{run}-{worker}-{n}"},
                )
            except (OSError, HTTPException) as error:  # the server died under us: expected after the kill
                with lock:
                    errors.append(type(error).__name__)
                connection = Client(HOST, PORT)
                time.sleep(0.05)
                continue
            if status in (200, 201):
                with lock:
                    acknowledged.append(json.loads(data)["tracking_code"])

    threads = [threading.Thread(target=client, args=(w,)) for w in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER_SECONDS)
    for process in (server.http, server.worker):  # every process, mid-request
        os.killpg(process.pid, signal.SIGKILL)
    for process in (server.http, server.worker):
        process.wait()
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()

    # What the killed job worker had not processed yet is processed now, as the restarted
    # worker (or the sweep's safety net) would: nothing acknowledged stays behind.
    recovered = pending_cases_process()
    stored = set(Item.objects.filter(tracking_code__in=acknowledged).values_list("tracking_code", flat=True))
    lost = [code for code in acknowledged if code not in stored]
    new = Case.objects.filter(pk__gt=before_max)
    broken = (
        new.annotate(n=Count("items")).filter(n=0).count()
        + new.annotate(n=Count("events")).filter(n=0).count()
    )
    line = (
        f"Durability: {len(acknowledged)} items acknowledged before SIGKILL of the whole server "
        f"after {KILL_AFTER_SECONDS:.0f} s of load ({CLIENTS} clients); lost: {len(lost)}; "
        f"half-written cases: {broken}; connection errors after the kill: {len(errors)}; "
        f"processed after the restart: {recovered.processed} ({recovered.failed} failed)."
    )
    print(line)
    with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as handle:
        handle.write(f"\n- {time.strftime('%Y-%m-%d')} {line}\n")
    if lost or broken or recovered.failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
