"""Throughput runs with `wrk` (Debian package `wrk`), the load client of the write benchmarks.

A load client written in Python spends a fair share of a 2-core machine on its own
requests (JSON encoding, http.client, the GIL), which the server then lacks. `wrk` is an
established C client (epoll, one connection per concurrent client); a small Lua script
gives every request its own body and idempotency key and counts the statuses.

`run(...)` writes the requests' variable parts to a file, runs `wrk` for the given time
and returns requests/s, latency percentiles and the status counts.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

# Each line of the data file is one request: "<path>\t<JSON body>". Every thread walks the
# lines from its own offset; the idempotency key is unique per thread and request.
_SCRIPT = r"""
-- thread_index and statuses are globals: setup() sets one and done() reads the other
-- through thread:set/get, which see only globals of each thread's Lua state.
local lines = {}
local counter = 0
local threads = {}
thread_index = 0
statuses = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    table.insert(lines, {line:sub(1, tab - 1), line:sub(tab + 1)})
  end
  counter = thread_index * 7919
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
  if args[2] ~= "" then wrk.headers["Authorization"] = "Bearer " .. args[2] end
  run_id = args[3]
  -- gunicorn's sync workers close every connection after one response
  if args[4] == "close" then wrk.headers["Connection"] = "close" end
end

function request()
  counter = counter + 1
  local entry = lines[(counter % #lines) + 1]
  wrk.headers["Idempotency-Key"] = run_id .. "-" .. thread_index .. "-" .. counter
  return wrk.format("POST", entry[1], nil, entry[2])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%d": %d', status, n)) end
  io.write(string.format(
    'WRK-RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
"""


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (Debian package)")
    return found


def run(
    *,
    url: str,
    requests: list[tuple[str, Any]],
    seconds: float,
    connections: int,
    threads: int = 2,
    token: str = "",
    run_id: str = "bench",
    keep_alive: bool = True,
) -> dict[str, Any]:
    """POST the `(path, body)` pairs round-robin for `seconds` over `connections`
    connections; returns requests/s (2xx only), latency percentiles in ms and statuses."""
    with tempfile.TemporaryDirectory() as tmp:
        script, data = Path(tmp) / "post.lua", Path(tmp) / "requests.tsv"
        script.write_text(_SCRIPT)
        data.write_text(
            "".join(f"{path}\t{json.dumps(body, ensure_ascii=False)}\n" for path, body in requests),
            encoding="utf-8",
        )
        command = [
            wrk_path(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:.0f}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
            "--",
            str(data),
            token,
            run_id,
            "keep" if keep_alive else "close",
        ]
        finished = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if finished.returncode != 0:
            raise SystemExit(
                f"wrk failed ({finished.returncode}): {finished.stdout[-2000:]}{finished.stderr[-2000:]}"
            )
        output = finished.stdout
    line = next(row for row in output.splitlines() if row.startswith("WRK-RESULT "))
    raw = json.loads(line.removeprefix("WRK-RESULT "))
    statuses = {int(status): n for status, n in raw["statuses"].items()}
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    wall = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "clients": connections,
        "seconds": round(wall, 1),
        "per_second": round(ok / wall, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "socket_errors": raw["socket_errors"],
        "statuses": statuses,
    }


def cpu_ticks(pattern: str) -> dict[int, int]:
    """CPU time (user + system, in clock ticks) used so far by each live process whose
    command line matches `pattern` (Linux /proc)."""
    ticks: dict[int, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
            if not re.search(pattern, command):
                continue
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ticks[int(pid)] = int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return ticks


def cpu_used(before: dict[int, int], after: dict[int, int]) -> float:
    """Seconds of CPU the processes alive at the end used since `before` (a process that
    started meanwhile counts whole; one that ended is not seen, so keep connections
    open across a measurement)."""
    return sum(t - before.get(pid, 0) for pid, t in after.items()) / os.sysconf("SC_CLK_TCK")
