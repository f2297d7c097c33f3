"""Maintenance of ProgressTally: +1/-1 report, +/- progress, on every counted change."""

from datetime import date

from django.db import connection, transaction
from django.db.models import Count, F, Sum

from thuocdo.units.models import Unit

from .models import TALLY_SHARDS, Plan, ProgressTally, Report, ReportStatus

COUNTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def group_unit_id(unit: Unit) -> int | None:
    """The province or central body a unit's reports are tallied under."""
    if unit.depth == 1:
        return unit.pk
    if unit.depth == 2:
        return unit.parent_id
    if unit.depth > 2:
        head_code = unit.path.split("/")[1]
        return Unit.objects.filter(code=head_code).values_list("pk", flat=True).first()
    return None


def tally_add(
    *, plan_id: int, unit: Unit, assignment_id: int, period: date, reports: int, progress: int
) -> None:
    """Add (or, with negative numbers, remove) an assignment's reports and progress to the
    tally (in the assignment's shard, so a removal meets the row its addition made)."""
    group_id = group_unit_id(unit)
    shard = assignment_id % TALLY_SHARDS
    if group_id is None or (reports == 0 and progress == 0):
        return
    # One statement, written out: every report of a province adds to its row (core.rawsql).
    # A new report may be the period's first (insert or add); a correction or a removal
    # changes a row that exists (the row's CHECKs would refuse a negative insert).
    period_value = connection.ops.adapt_datefield_value(period)
    with connection.cursor() as cursor:
        if reports > 0:
            cursor.execute(_TALLY_ADD_SQL, [plan_id, group_id, period_value, shard, reports, progress])
        else:
            cursor.execute(_TALLY_CHANGE_SQL, [reports, progress, plan_id, group_id, period_value, shard])
    if reports < 0:  # an emptied period is no row, as after a rebuild
        ProgressTally.objects.filter(
            plan_id=plan_id, group_unit_id=group_id, period=period, shard=shard, reports=0
        ).delete()


_TALLY_ADD_SQL = """
INSERT INTO delivery_progresstally (plan_id, group_unit_id, period, shard, reports, progress_sum)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (plan_id, group_unit_id, period, shard) DO UPDATE
SET reports = delivery_progresstally.reports + excluded.reports,
    progress_sum = delivery_progresstally.progress_sum + excluded.progress_sum
"""
_TALLY_CHANGE_SQL = """
UPDATE delivery_progresstally SET reports = reports + %s, progress_sum = progress_sum + %s
WHERE plan_id = %s AND group_unit_id = %s AND period = %s AND shard = %s
"""


def tallies_rebuild(*, plan: Plan) -> int:
    """Recompute a plan's tallies from its reports, after a bulk load (demo, benchmark).
    Units are mapped to their top-level unit exactly as `tally_add` does."""
    top_code_to_id = dict(Unit.objects.filter(depth=1).values_list("code", "pk"))
    group_of: dict[int, int] = {}
    for unit_id, path, depth in Unit.objects.filter(depth__gte=1).values_list("pk", "path", "depth"):
        group_id = unit_id if depth == 1 else top_code_to_id.get(path.split("/")[1])
        if group_id is not None:
            group_of[unit_id] = group_id
    rows = (
        Report.objects.filter(assignment__task__plan=plan, is_current=True, status__in=COUNTED)
        .annotate(shard=F("assignment_id") % TALLY_SHARDS)
        .values("assignment__unit_id", "period", "shard")
        .annotate(n=Count("pk"), total=Sum("progress"))
        .order_by()
    )
    totals: dict[tuple[int, date, int], list[int]] = {}
    for row in rows.iterator(chunk_size=5000):
        group_id = group_of.get(row["assignment__unit_id"])
        if group_id is None:
            continue
        entry = totals.setdefault((group_id, row["period"], row["shard"]), [0, 0])
        entry[0] += row["n"]
        entry[1] += row["total"] or 0
    with transaction.atomic():
        ProgressTally.objects.filter(plan=plan).delete()
        created = ProgressTally.objects.bulk_create(
            [
                ProgressTally(
                    plan=plan,
                    group_unit_id=group_id,
                    period=period,
                    shard=shard,
                    reports=n,
                    progress_sum=total,
                )
                for (group_id, period, shard), (n, total) in totals.items()
            ],
            batch_size=2000,
        )
    return len(created)
