"""Maintenance of ProgressTally: +1/-1 report, +/- progress, on every counted change."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, IntegerField, Sum, When

from thuocdo.units.models import Unit

from .models import Plan, ProgressTally, Report, ReportStatus

COUNTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def group_unit_id(unit: Unit) -> int | None:
    """The province or central body a unit's reports are tallied under."""
    if unit.depth == 1:
        return unit.pk
    if unit.depth >= 2:
        head_code = unit.path.split("/")[1]
        return Unit.objects.filter(code=head_code).values_list("pk", flat=True).first()
    return None


def tally_add(*, plan_id: int, unit: Unit, period: date, reports: int, progress: int) -> None:
    """Add (or, with negative numbers, remove) reports and progress to the tally."""
    group_id = group_unit_id(unit)
    if group_id is None or (reports == 0 and progress == 0):
        return
    rows = ProgressTally.objects.filter(plan_id=plan_id, group_unit_id=group_id, period=period)
    if rows.update(reports=F("reports") + reports, progress_sum=F("progress_sum") + progress):
        return
    try:
        with transaction.atomic():
            ProgressTally.objects.create(
                plan_id=plan_id, group_unit_id=group_id, period=period, reports=reports, progress_sum=progress
            )
    except IntegrityError:  # created concurrently: add to it
        rows.update(reports=F("reports") + reports, progress_sum=F("progress_sum") + progress)


def tallies_rebuild(*, plan: Plan) -> int:
    """Recompute a plan's tallies from its reports, after a bulk load (demo, benchmark)."""
    group = Case(
        When(assignment__unit__depth=1, then=F("assignment__unit_id")),
        When(assignment__unit__depth=2, then=F("assignment__unit__parent_id")),
        output_field=IntegerField(),
    )
    rows = (
        Report.objects.filter(assignment__task__plan=plan, is_current=True, status__in=COUNTED)
        .annotate(group_id=group)
        .exclude(group_id=None)
        .values("group_id", "period")
        .annotate(n=Count("pk"), total=Sum("progress"))
        .order_by()
    )
    with transaction.atomic():
        ProgressTally.objects.filter(plan=plan).delete()
        created = ProgressTally.objects.bulk_create(
            [
                ProgressTally(
                    plan=plan,
                    group_unit_id=r["group_id"],
                    period=r["period"],
                    reports=r["n"],
                    progress_sum=r["total"] or 0,
                )
                for r in rows
            ],
            batch_size=2000,
        )
    return len(created)
