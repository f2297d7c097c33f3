"""A small, bounded HTTP load client for benchmarks on loopback (standard library only)."""

import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, seconds: float, status: int) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[index] * 1000

    def summary(self) -> dict[str, Any]:
        return {
            "requests": len(self.latencies),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1) if self.latencies else None,
            "statuses": self.statuses,
        }


class Client:
    def __init__(self, host: str, port: int, token: str | None = None) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=60)
        self.token = token

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        all_headers = {"Accept": "application/json", **(headers or {})}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.connection.request(method, path, body=payload, headers=all_headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - started


def sequential(
    host: str, port: int, path: str, count: int, *, warmup: int = 3, headers: dict[str, str] | None = None
) -> Sample:
    """`count` requests one after another (after `warmup` unmeasured ones, on new connections
    so that every server process has served the page once)."""
    sample = Sample()
    for _ in range(warmup):
        Client(host, port).request("GET", path, headers=headers)
    client = Client(host, port)
    for _ in range(count):
        status, _body, seconds = client.request("GET", path, headers=headers)
        sample.add(seconds, status)
    return sample


def concurrent(
    workers: int, seconds: float, job: Callable[[int, int], tuple[int, float]]
) -> tuple[Sample, float]:
    """Run `job(worker, n)` in `workers` threads for `seconds`; returns samples and wall time."""
    sample, lock = Sample(), threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(worker: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            status, latency = job(worker, n)
            n += 1
            with lock:
                sample.add(latency, status)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(workers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sample, time.perf_counter() - started
