"""Public figures of the feedback desk, per responsible unit ("ba công khai").

Cases are counted at the top of their unit's branch: a commune's cases count for its
province, a department's for its ministry; cases handled by the Standing Office itself
(the root unit) form their own row, and cases nobody is responsible for yet form the
"waiting for triage" row. Merged duplicates are not counted (their items live in the
case they joined).

The rules, stated once because the public page repeats them:

- received: every case (not merged away) of the branch;
- answered: cases with an answer now (`answered_at` set; a disputed case reopens and
  stops counting until it is answered again);
- answered on time: answered cases with `answered_late` False;
- overdue now: open cases whose answer deadline has passed;
- median time to answer: calendar days from receipt to the answer, over the answered
  cases. On PostgreSQL the database computes it (`percentile_cont`); on SQLite
  (development and tests) one extra query reads the answered cases' two dates and the
  median is computed here, exactly;
- satisfaction: the mean of the submitters' ratings (1–5) and how many there are.

Two grouped queries (cases; ratings), one for the units' names, and on SQLite one for
the median: never a query per unit.
"""

import statistics as stats
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import StrIndex, Substr
from django.utils import timezone

from thuocdo.units.models import Unit

from .models import OPEN_STATES, Case, Item

# Sort key in the query string -> attribute of UnitStatistics.
SORT_KEYS = {
    "name": "name",
    "received": "received",
    "answered": "answered",
    "on_time": "on_time_rate",
    "overdue": "overdue_now",
    "median": "median_days",
    "satisfaction": "rating_mean",
}


class _Median(Aggregate):
    """PostgreSQL's exact median (an ordered-set aggregate)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class UnitStatistics:
    """One row of the public table. `unit` is None for cases waiting for triage."""

    unit: Unit | None
    received: int
    answered: int
    answered_on_time: int
    overdue_now: int
    median_days: float | None
    rating_mean: float | None
    rating_count: int
    demo: int

    @property
    def on_time_rate(self) -> float | None:
        return self.answered_on_time / self.answered if self.answered else None

    @property
    def name(self) -> str:
        return self.unit.name if self.unit is not None else ""


def _branch(root_path: str, lookup: str) -> Any:
    """The path of the depth-1 ancestor (or the root itself) of `lookup`'s unit path."""
    start = len(root_path)
    rest = Substr(lookup, start + 1)
    return Substr(lookup, 1, StrIndex(rest, Value("/")) + Value(start))


def _root_path() -> str:
    root = Unit.objects.filter(depth=0).order_by("pk").values_list("path", flat=True).first()
    return root or ""


def _days(value: timedelta | None) -> float | None:
    return round(value.total_seconds() / 86400, 1) if value is not None else None


def _sqlite_medians(cases: QuerySet[Case], branch: Any) -> dict[str | None, float | None]:
    durations: dict[str | None, list[float]] = defaultdict(list)
    rows = cases.filter(answered_at__isnull=False).annotate(branch=branch)
    for key, answered_at, received_at in rows.values_list("branch", "answered_at", "received_at"):
        if answered_at is not None:
            durations[key].append((answered_at - received_at).total_seconds() / 86400)
    return {key: round(stats.median(values), 1) for key, values in durations.items()}


def unit_statistics(*, now: datetime | None = None, sort: str = "-received") -> list[UnitStatistics]:
    """The public figures per unit branch (provinces, central bodies, the Standing Office)."""
    now = now or timezone.now()
    root_path = _root_path()
    branch = _branch(root_path, "unit__path")
    cases = Case.objects.filter(merged_into__isnull=True)
    aggregates: dict[str, Any] = {
        "received": Count("pk"),
        "answered": Count("pk", filter=Q(answered_at__isnull=False)),
        "on_time": Count("pk", filter=Q(answered_at__isnull=False, answered_late=False)),
        "overdue": Count("pk", filter=Q(state__in=OPEN_STATES, answer_due_at__lt=now)),
        "demo": Count("pk", filter=Q(is_demo=True)),
    }
    postgres = connection.vendor == "postgresql"
    if postgres:
        aggregates["median"] = _Median(
            F("answered_at") - F("received_at"), filter=Q(answered_at__isnull=False)
        )
    grouped = list(cases.annotate(branch=branch).values("branch").annotate(**aggregates).order_by())
    ratings = {
        row["branch"]: row
        for row in Item.objects.filter(case__merged_into__isnull=True, rating__isnull=False)
        .annotate(branch=_branch(root_path, "case__unit__path"))
        .values("branch")
        .annotate(mean=Avg("rating"), count=Count("pk"))
        .order_by()
    }
    medians: dict[str | None, float | None]
    if postgres:
        medians = {row["branch"]: _days(row["median"]) for row in grouped}
    else:
        medians = _sqlite_medians(cases, branch)
    units = {
        unit.path: unit
        for unit in Unit.objects.filter(path__in=[r["branch"] for r in grouped if r["branch"]])
    }
    rows = []
    for row in grouped:
        key = row["branch"]
        rating = ratings.get(key, {})
        mean = rating.get("mean")
        rows.append(
            UnitStatistics(
                unit=units.get(key) if key else None,
                received=row["received"],
                answered=row["answered"],
                answered_on_time=row["on_time"],
                overdue_now=row["overdue"],
                median_days=medians.get(key),
                rating_mean=round(float(mean), 2) if mean is not None else None,
                rating_count=rating.get("count", 0),
                demo=row["demo"],
            )
        )
    return statistics_sort(rows, sort)


def statistics_sort(rows: list[UnitStatistics], sort: str) -> list[UnitStatistics]:
    """Sort by a column; "-name" style keys sort descending. Missing values go last."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in SORT_KEYS:
        name, descending = "received", True
    key = SORT_KEYS[name]
    if key == "name":
        return sorted(rows, key=lambda row: (row.unit is None, row.name), reverse=descending)
    present = [row for row in rows if getattr(row, key) is not None]
    missing = [row for row in rows if getattr(row, key) is None]
    present.sort(key=lambda row: (getattr(row, key), row.name), reverse=descending)
    return present + sorted(missing, key=lambda row: row.name)
