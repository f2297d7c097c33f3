"""The CPU cost of one feedback intake, in-process, and of processing it afterwards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/thuocdo_prof \\
        python benchmarks/feedback_intake_profile.py [N] [--profile]

Needs a PostgreSQL database with the units, the topics, the working-day calendar and
(ideally) a trained routing model, e.g. one prepared by `make bench-feedback`. It writes
N items (default 300) to it, each with its own contact and Idempotency-Key.

1. Posts N submissions to `POST /api/v1/feedback/items` with Django's test client
   (settings `thuocdo.config.settings.bench`, no HTTP server) after a warm-up of 20, and
   prints CPU milliseconds per request (`time.process_time`, this process only: the
   database's own work is not in it), wall milliseconds and queries per request. Routing
   time in the request is printed when routing still runs there (before decision 0037).
2. Runs the intake processor (`services.processing.pending_cases_process`, decision
   0037) over the items just accepted and prints CPU milliseconds per processed item,
   queries per item, and the per-item routing time (p50/p95, `feedback_route` only)
   and the time of each group of up to `processing.GROUP` cases (p50/p95: routing + writes
   + notices + audit, one transaction per group).

The jobs the requests queued for the processor (at most one per 0.5 s slot) are counted
and removed afterwards: this script runs the processor itself.

With `--profile`, each part also runs under cProfile (CPU time, this process) and the
functions with the most cumulative time are printed (the profiler adds its own overhead,
so read the shares, not the totals).
"""

import contextlib
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuocdo.config.settings.bench")
django.setup()

from django.db import connection
from django.test import Client

from thuocdo.feedback.samples import SampleItem, sample_items

WARMUP = 20


class QueryCounter:
    """Counts statements through a connection wrapper (cheaper than CaptureQueriesContext,
    which turns on the debug cursor)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def timed(module: ModuleType, name: str, into: list[float]) -> Callable[[], None]:
    """Wrap `module.name` to record each call's wall time (ms); returns the undo."""
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into.append((time.perf_counter() - start) * 1000)

    setattr(module, name, wrapper)
    return lambda: setattr(module, name, original)


PROFILE = "--profile" in sys.argv


@contextlib.contextmanager
def profiled(title: str) -> Any:
    if not PROFILE:
        yield
        return
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        print(f"--- profile: {title}")
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(f"{os.environ['PROFILE_DUMP']}.{title.split(maxsplit=1)[0]}")
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(
            int(os.environ.get("PROFILE_LINES", "40"))
        )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


class Poster:
    """Posts sample items to the API, each with its own contact and Idempotency-Key."""

    def __init__(self) -> None:
        self.pool: list[SampleItem] = sample_items(2000, seed=3)
        self.client = Client(SERVER_NAME="127.0.0.1")
        self.run = time.time_ns()

    def post(self, number: int) -> None:
        sample = self.pool[number % len(self.pool)]
        body = {
            "kind": sample.kind,
            "topic": sample.topic_code,
            "title": sample.title,
            "body": sample.body,
            "province": sample.province_code,
            "commune": sample.commune_code,
            "place_text": sample.place_text,
            "contact_name": sample.contact_name,
            "contact_email": f"bench.{self.run}.{number}@example.vn",
            "consent": True,
        }
        response = self.client.post(
            "/api/v1/feedback/items",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"profile-{self.run}-{number}",
        )
        assert response.status_code == 201, response.content[:300]


def processing_module() -> ModuleType | None:
    try:
        return import_module("thuocdo.feedback.services.processing")
    except ImportError:  # before decision 0037: routing runs in the request
        return None


def measure_intake(poster: Poster, n: int) -> None:
    intake = import_module("thuocdo.feedback.services.intake")
    request_routing: list[float] = []
    undo = timed(intake, "feedback_route", request_routing) if hasattr(intake, "feedback_route") else None
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        wall, cpu = time.perf_counter(), time.process_time()
        with profiled("intake requests"):
            for number in range(WARMUP, WARMUP + n):
                poster.post(number)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if undo:
        undo()
    print(f"intake, {n} requests: {cpu / n * 1000:.2f} ms CPU, {wall / n * 1000:.2f} ms wall,")
    print(f"  {counter.count / n:.1f} queries per request")
    if request_routing:
        print(
            f"  routing in the request: p50 {percentile(request_routing, 0.5):.2f} ms,"
            f" p95 {percentile(request_routing, 0.95):.2f} ms"
        )


def measure_processing(processing: ModuleType) -> None:
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 - the database queue's table

    queued = DBTaskResult.objects.filter(task_path__endswith="feedback_intake_process", status="READY")
    print(f"  processor jobs queued by the requests: {queued.count()}")
    queued.delete()
    routing: list[float] = []
    per_group: list[float] = []
    undo_routing = timed(processing, "feedback_route", routing)
    undo_case = timed(processing, "_group_process", per_group)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        wall, cpu = time.perf_counter(), time.process_time()
        with profiled("processor"):
            result = processing.pending_cases_process()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    undo_routing()
    undo_case()
    done = max(1, result.processed)
    print(f"processor, {result.processed} items ({result.failed} failed): {cpu / done * 1000:.2f} ms CPU,")
    print(f"  {wall / done * 1000:.2f} ms wall, {counter.count / done:.1f} queries per item")
    print(
        f"  routing per item: p50 {percentile(routing, 0.5):.2f} ms, p95 {percentile(routing, 0.95):.2f} ms"
    )
    print(
        f"  processing per group of up to {processing.GROUP}: p50 {percentile(per_group, 0.5):.2f} ms,"
        f" p95 {percentile(per_group, 0.95):.2f} ms (mean {statistics.fmean(per_group or [0]):.2f})"
    )


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    numbers = [argument for argument in sys.argv[1:] if not argument.startswith("--")]
    n = int(numbers[0]) if numbers else 300
    poster = Poster()
    processing = processing_module()
    for number in range(WARMUP):
        poster.post(number)
    if processing is not None:  # the warm-up's items are not measured below
        processing.pending_cases_process()
    measure_intake(poster, n)
    if processing is not None:
        measure_processing(processing)


if __name__ == "__main__":
    main()
