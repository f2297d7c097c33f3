"""`make bench-feedback`: the feedback desk at national scale on PostgreSQL.

Against the generated dataset (benchmarks/feedback_data.py, one million items) it measures:
  - routing accuracy on a labelled held-out set: 2,000 realistic items from
    `thuocdo.feedback.samples` (seed 2026, labelled with the unit a competent operator
    would choose, see docs/decisions/0030), 80 % to train the classifier when
    `thuocdo.feedback.classifier` exists, 20 % held out; rules only, then with the
    classifier; with the share each sends to the triage queue;
  - routing latency in-process: `feedback_route(...)` over 1,000 items, p50/p95 (routing
    runs in the intake processor, right after the submission is stored: docs/decisions/0037);
  - intake through the HTTP API (benchmarks/server.py) with concurrent clients, each
    item with its own contact and Idempotency-Key: items/s, p50/p95; then how long the one
    job worker takes to route the burst, and to run the e-mail jobs it queued (they wait
    behind the routing jobs; the bench settings "send" them with Django's dummy backend);
  - a unit's backlog page (/feedback/desk/backlog/01/) as Hà Nội's leader, and the public
    list of answers (/feedback/answers/, all and filtered; while that page does not
    exist yet, the API list /api/v1/feedback/cases?unit=01): 50 requests each, p50/p95.
Prints the figures and appends them, with date and machine, to docs/benchmarks.md.
"""

import os
import platform
import random
import subprocess
import sys
import time
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuocdo.config.settings.bench")
django.setup()

from django.db import connection
from django.test import Client as DjangoClient
from django.utils import timezone

from benchmarks import server as bench_server
from benchmarks import wrkload
from benchmarks.httpload import Client, Sample, sequential
from benchmarks.server import CONCURRENCY, HOST, PORT
from thuocdo.accounts.models import Role, RoleAssignment, User
from thuocdo.accounts.services import api_token_create
from thuocdo.feedback.models import Case, Item, RoutingMethod, RoutingModel, Topic
from thuocdo.feedback.routing import feedback_route, routing_threshold
from thuocdo.feedback.samples import SampleItem, sample_items
from thuocdo.units.models import Unit

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "12"))
DRAIN_LIMIT_SECONDS = 900
SUBMIT_SECONDS = float(os.environ.get("BENCH_SUBMIT_SECONDS", "20"))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "8"))
ACCURACY_ITEMS, ACCURACY_SEED, ROUTING_ITEMS = 2000, 2026, 1000
TARGETS = {"intake_per_s": 300, "routing_p95_ms": 50, "list_p95_ms": 300}


class Router:
    """Calls `feedback_route` the way intake does, with topics and units looked up once."""

    def __init__(self) -> None:
        self.topics = {t.code: t for t in Topic.objects.select_related("default_unit")}
        self.units = {u.code: u for u in Unit.objects.filter(level__in=["province", "commune"])}

    def route(self, s: SampleItem) -> Any:
        commune = self.units.get(s.commune_code)
        return feedback_route(
            topic=self.topics[s.topic_code],
            title=s.title,
            body=s.body,
            province=self.units.get(s.province_code),
            commune=commune,
            place_text=s.place_text,
        )


def routing_latency(router: Router) -> dict[str, Any]:
    items = sample_items(ROUTING_ITEMS, seed=7)
    for s in items[:50]:
        router.route(s)
    timings = Sample()
    for s in items:
        started = time.perf_counter()
        router.route(s)
        timings.add(time.perf_counter() - started, 200)
    summary = timings.summary()
    return {
        "items": len(items),
        "p50_ms": round(timings.percentile(50), 2),
        "p95_ms": round(timings.percentile(95), 2),
        "mean_ms": summary["mean_ms"],
    }


def routing_accuracy(router: Router, held_out: list[SampleItem]) -> dict[str, Any]:
    threshold = routing_threshold()
    correct = triage = suggested = 0
    for s in held_out:
        decision = router.route(s)
        unit_code = decision.unit.code if decision.unit is not None else None
        suggested += unit_code == s.expected_unit_code
        if unit_code is None or decision.confidence < threshold:
            triage += 1
        elif unit_code == s.expected_unit_code:
            correct += 1
    n = len(held_out)
    auto = n - triage
    return {
        "held_out": n,
        "accuracy": round(correct / n, 3),
        "accuracy_of_auto_routed": round(correct / auto, 3) if auto else None,
        "triage_share": round(triage / n, 3),
        "suggestion_accuracy": round(suggested / n, 3),
    }


def _classifier() -> Any:
    try:
        return import_module("thuocdo.feedback.classifier")
    except ImportError:
        return None


def classifier_train(train: list[SampleItem]) -> str | None:
    """Train and activate a model when the classifier module exists; its description or None."""
    classifier = _classifier()
    if classifier is None:
        return None
    result = classifier.routing_model_train(samples=[(s.text, s.expected_unit_code) for s in train])
    active = RoutingModel.objects.filter(is_active=True).first()
    return f"{result!r}; active model: {active!r}"


def accuracy_and_routing() -> dict[str, Any]:
    RoutingModel.objects.filter(is_active=True).update(is_active=False)  # rules only first
    if (classifier := _classifier()) is not None:
        classifier.active_version.forget()  # re-checked once a second otherwise (decision 0037)
    labelled = sample_items(ACCURACY_ITEMS, seed=ACCURACY_SEED)
    random.Random(0).shuffle(labelled)  # noqa: S311 - a reproducible split
    cut = int(len(labelled) * 0.8)
    train, held_out = labelled[:cut], labelled[cut:]
    router = Router()
    results: dict[str, Any] = {
        "rules_accuracy": routing_accuracy(router, held_out),
        "rules_latency": routing_latency(router),
    }
    print("routing, rules only:", results["rules_accuracy"], results["rules_latency"])
    model = classifier_train(train)
    results["classifier"] = model
    if model is not None:
        router = Router()
        results["classifier_accuracy"] = routing_accuracy(router, held_out)
        results["classifier_latency"] = routing_latency(router)
        print(
            "routing, with classifier:", model, results["classifier_accuracy"], results["classifier_latency"]
        )
    return results


def leader() -> User:
    user, _ = User.objects.get_or_create(
        username="bench-leader-hanoi", defaults={"full_name": "Lãnh đạo Hà Nội (đo hiệu năng)"}
    )
    RoleAssignment.objects.get_or_create(user=user, unit=Unit.objects.get(code="01"), role=Role.LEADER)
    return user


def intake_requests(pool: list[SampleItem], run: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            "/api/v1/feedback/items",
            {
                "kind": s.kind,
                "topic": s.topic_code,
                "title": s.title,
                "body": s.body,
                "province": s.province_code,
                "commune": s.commune_code,
                "place_text": s.place_text,
                "contact_name": s.contact_name,
                "contact_email": f"bench.{run}.{n}@example.vn",
                "consent": True,
            },
        )
        for n, s in enumerate(pool)
    ]


def intake(server: bench_server.Server, pool: list[SampleItem], seconds: float) -> dict[str, Any]:
    """POST submissions with `wrk` for `seconds`; the job worker runs meanwhile, as in
    production. Returns the acknowledged rate, latencies and CPU per request by process."""
    run = str(time.time_ns())
    before = bench_server.cpu_snapshot()
    result = wrkload.run(
        url=f"http://{HOST}:{PORT}",
        requests=intake_requests(pool, run),
        seconds=seconds,
        connections=CLIENTS,
        run_id=f"bench{run}",
        keep_alive=server.keep_alive,
    )
    done = sum(n for status, n in result["statuses"].items() if status < 300)
    result["cpu_ms_per_request"] = bench_server.cpu_ms_per_request(before, done)
    return result


def pending_count() -> int:
    connection.close()  # a fresh snapshot each time
    return Case.objects.filter(routing_method=RoutingMethod.PENDING).count()


def drain(started: float, acknowledged: int) -> dict[str, Any]:
    """Wait, with the server and its job worker still running, until the processor has
    routed every item the load left pending; the whole burst's end-to-end rate follows."""
    waited_from = time.perf_counter()
    left = pending_count()
    while left and time.perf_counter() - waited_from < DRAIN_LIMIT_SECONDS:
        time.sleep(1)
        left = pending_count()
    finished = time.perf_counter()
    return {
        "pending_after_load": None,
        "left": left,
        "drain_seconds": round(finished - waited_from, 1),
        "end_to_end_per_second": round(acknowledged / (finished - started), 1),
    }


def pages(cookie: dict[str, str], token: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    backlog = sequential(
        HOST, PORT, "/feedback/desk/backlog/01/", count=50, warmup=2 * CONCURRENCY, headers=cookie
    )
    assert set(backlog.statuses) == {200}, backlog.statuses
    results["backlog_page"] = {"path": "/feedback/desk/backlog/01/", **backlog.summary()}
    probe = Client(HOST, PORT).request("GET", "/feedback/answers/")[0]
    if probe == 200:
        lists = [
            ("public_list", "/feedback/answers/", {}),
            ("public_list_filtered", "/feedback/answers/?topic=ha-tang-vien-thong", {}),
        ]
    else:  # the public pages are not built yet: the handlers' API list instead
        auth = {"Authorization": f"Bearer {token}"}
        lists = [
            ("public_list", "/api/v1/feedback/cases?unit=01", auth),
            (
                "public_list_filtered",
                "/api/v1/feedback/cases?unit=01&topic=ha-tang-vien-thong&state=closed",
                auth,
            ),
        ]
    for name, path, headers in lists:
        sample = sequential(HOST, PORT, path, count=50, warmup=2 * CONCURRENCY, headers=headers)
        assert set(sample.statuses) == {200}, (path, sample.statuses)
        results[name] = {"path": path, **sample.summary()}
    for name, value in results.items():
        print(name, value)
    return results


def main() -> None:
    counts = {"cases": Case.objects.count(), "items": Item.objects.count()}
    print(f"dataset: {counts}")
    results = accuracy_and_routing()
    user = leader()
    browser = DjangoClient()
    browser.force_login(user)
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    _token, secret = api_token_create(actor=user, name=f"bench {timezone.now():%H%M%S}")
    pool = sample_items(5000, seed=4242)
    jobs_left = queued_jobs_run()  # a previous run's e-mails, as a live worker sends them
    with connection.cursor() as cursor:  # steady state, as autovacuum keeps a live database
        for table in STEADY_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    connection.close()
    server = bench_server.start()
    results["server"] = server.description
    try:
        results.update(pages(cookie, secret))
        # Steady state: each worker builds its routing index and per-process copies on its
        # first submissions (~2 s of CPU each), which a long-running server does once.
        intake(server, pool[2500:], seconds=WARMUP_SECONDS)
        pending_before = pending_count()
        started = time.perf_counter()
        results["intake"] = intake(server, pool[:2500], seconds=SUBMIT_SECONDS)
        print("intake", results["intake"])
        acknowledged = sum(n for status, n in results["intake"]["statuses"].items() if status < 300)
        pending_after = pending_count()
        results["drain"] = drain(started, acknowledged + pending_before)
        results["drain"]["pending_after_load"] = pending_after
        print("drain", results["drain"])
    finally:
        server.stop()
    results["processing"] = backlog_process()
    print("processing", results["processing"])
    results["emails"] = queued_jobs_run()
    results["emails"]["left_from_before"] = jobs_left["jobs"]
    print("emails", results["emails"])
    record(results, counts)


# Tables each submission writes to: vacuumed before measuring.
STEADY_TABLES = (
    "feedback_case",
    "feedback_item",
    "feedback_caseevent",
    "audit_auditevent",
    "notifications_emaildelivery",
    "notifications_notification",
    "django_tasks_database_dbtaskresult",
)


def queued_jobs_run() -> dict[str, Any]:
    """Run every queued job (the burst's e-mails: one job each, waiting behind the routing
    jobs) with one worker until the queue is empty: how long the notices of the burst take."""
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 - the database queue's table

    queued = DBTaskResult.objects.filter(status="READY").count()
    connection.close()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--queue-name", "*", "--no-reload"],
        cwd=bench_server.ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    return {"jobs": queued, "seconds": round(seconds, 1), "per_second": round(queued / seconds, 1)}


def backlog_process() -> dict[str, Any] | None:
    """Route whatever is still pending after the drain (nothing, normally), in this
    process: one processor's rate (decision 0037)."""
    try:
        processing = import_module("thuocdo.feedback.services.processing")
    except ImportError:  # before decision 0037: routing ran inside each request
        return None
    start = time.perf_counter()
    result = processing.pending_cases_process()
    seconds = time.perf_counter() - start
    return {
        "items": result.processed,
        "failed": result.failed,
        "seconds": round(seconds, 1),
        "per_second": round(result.processed / seconds, 1) if seconds else 0.0,
    }


def _accuracy_line(name: str, acc: dict[str, Any]) -> str:
    return (
        f"| routing accuracy, {name} ({acc['held_out']} held-out items) | {acc['accuracy']:.1%} correct "
        f"({acc['accuracy_of_auto_routed']:.1%} of those routed automatically), {acc['triage_share']:.1%} to triage; "
        f"suggested unit right {acc['suggestion_accuracy']:.1%} | report |"
    )


def record(results: dict[str, Any], counts: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    routing = results.get("classifier_latency") or results["rules_latency"]
    lists = [results[k]["p95_ms"] for k in ("backlog_page", "public_list", "public_list_filtered")]
    verdict = {
        f"≥ {TARGETS['intake_per_s']} intake requests/s": results["intake"]["per_second"]
        >= TARGETS["intake_per_s"],
        f"routing p95 < {TARGETS['routing_p95_ms']} ms": routing["p95_ms"] < TARGETS["routing_p95_ms"],
        f"list pages p95 < {TARGETS['list_p95_ms']} ms": all(p < TARGETS["list_p95_ms"] for p in lists),
    }
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL {pg_version}"
    lines = [
        f"\n## Feedback desk — {date.today():%d/%m/%Y}\n",
        f"Machine: {machine}; load average at the end {os.getloadavg()[0]:.1f}. Server: {results['server']}. "
        f"Dataset: {counts['cases']:,} cases, {counts['items']:,} items. Command: `make bench-feedback`.\n",
        "| measure | result | target |",
        "| --- | --- | --- |",
    ]
    sub = results["intake"]
    lines.append(
        f"| intake acknowledged (POST /api/v1/feedback/items, wrk), {sub['clients']} connections, {sub['seconds']} s "
        f"after a {WARMUP_SECONDS:.0f} s warm-up, job worker running | {sub['per_second']}/s, "
        f"p50 {sub['p50_ms']} ms, p95 {sub['p95_ms']} ms, statuses {sub['statuses']}; "
        f"CPU per request {sub['cpu_ms_per_request']} ms | ≥ {TARGETS['intake_per_s']}/s |"
    )
    drained = results["drain"]
    lines.append(
        f"| the same burst processed (routed, history, notices, audit) by the one job worker | "
        f"{drained['pending_after_load']} pending when the load stopped, all routed {drained['drain_seconds']} s later "
        f"({drained['left']} left); end to end {drained['end_to_end_per_second']} items/s | report |"
    )
    emails = results["emails"]
    lines.append(
        f"| the burst's notices: queued jobs (mostly one e-mail each) run by one worker after it | "
        f"{emails['jobs']} jobs in {emails['seconds']} s ({emails['per_second']}/s) | report |"
    )
    where = "in the intake processor (the job)"
    if (processed := results.get("processing")) is not None and processed["items"]:
        lines.append(
            f"| intake processor after the load (routing, history, notices, audit; one process) | "
            f"{processed['items']} items in {processed['seconds']} s, {processed['per_second']}/s, "
            f"{processed['failed']} failed | report |"
        )
    for label, key in (("rules only", "rules_latency"), ("with classifier", "classifier_latency")):
        if key in results:
            r = results[key]
            lines.append(
                f"| routing, {where}, {label} (`feedback_route`, {r['items']} items, in-process) | "
                f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms | p95 < {TARGETS['routing_p95_ms']} ms |"
            )
    for key in ("backlog_page", "public_list", "public_list_filtered"):
        r = results[key]
        lines.append(
            f"| `{r['path']}` (50 requests) | p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms | p95 < {TARGETS['list_p95_ms']} ms |"
        )
    lines.append(_accuracy_line("rules only", results["rules_accuracy"]))
    if "classifier_accuracy" in results:
        lines.append(_accuracy_line("rules + classifier", results["classifier_accuracy"]))
    lines.append("")
    if results["classifier"] is None:
        lines.append("- classifier: `thuocdo.feedback.classifier` not present in this build; rules only.")
    if results["public_list"]["path"].startswith("/api/"):
        lines.append(
            "- public answers page not built yet in this build: the handlers' API list was measured instead."
        )
    lines.extend(f"- {name}: {'met' if ok else 'NOT met'}" for name, ok in verdict.items())
    path = ROOT / "docs" / "benchmarks.md"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
