"""Generate the national-scale monitoring dataset for `make bench-monitoring`.

All real units; 100 tasks, 60 of them cascaded to every commune (~200,000 assignments);
12 monthly periods of reports (~2.4 million). Tasks and cascades go through the services;
the report history is written with one INSERT ... SELECT per period (a data generator,
not application code), then assignment facts and tallies are derived from it.
"""

import os
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuocdo.config.settings.bench")
django.setup()

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone

from thuocdo.accounts.models import Role, RoleAssignment, User
from thuocdo.delivery.models import Assignment, DeadlineKind, Plan, PlanKind, Program
from thuocdo.delivery.services import (
    TaskSpec,
    assignments_refresh_thresholds,
    plan_create,
    task_cascade,
    task_create,
)
from thuocdo.delivery.tallies import tallies_rebuild
from thuocdo.units.models import Unit

TASKS = 100
CASCADED = 60
PERIODS = 12


def main() -> None:
    started = time.perf_counter()
    operator, _ = User.objects.get_or_create(username="bench-operator", defaults={"full_name": "Benchmark"})
    root = Unit.objects.get(depth=0)
    RoleAssignment.objects.get_or_create(user=operator, unit=root, role=Role.ADMIN)
    if Plan.objects.filter(number="BENCH-01").exists():
        print("dataset already present")
        return
    today = timezone.localdate()
    first_period = today.replace(day=1) - relativedelta(months=PERIODS)
    program = Program.objects.create(code="bench", number="BENCH", name="Benchmark programme")
    plan = plan_create(
        actor=operator,
        program=program,
        kind=PlanKind.PLAN,
        number="BENCH-01",
        title="Benchmark plan",
        issuer=root,
        issued_on=first_period,
    )
    ministries = list(Unit.objects.filter(level="central", depth=1).order_by("code"))
    provinces = list(Unit.objects.filter(level="province").order_by("code"))
    for number in range(1, TASKS + 1):
        lead = ministries[number % len(ministries)]
        deadline = today + relativedelta(months=(number % 9) - 3)
        task = task_create(
            actor=operator,
            plan=plan,
            spec=TaskSpec(
                code=f"B{number:03d}",
                title=f"Nhiệm vụ đo hiệu năng số {number}",
                lead_unit=lead,
                cooperating_units=[provinces[number % len(provinces)]],
                start_on=first_period,
                deadline_kind=DeadlineKind.DATE,
                deadline_on=deadline,
                assign_lead=number > CASCADED,
            ),
        )
        if number <= CASCADED:
            task_cascade(actor=operator, task=task, group="communes")
    Assignment.objects.filter(task__plan=plan).update(
        created_at=timezone.make_aware(timezone.datetime.combine(first_period, timezone.datetime.min.time()))
    )
    assignments = Assignment.objects.filter(task__plan=plan).count()
    print(f"{assignments} assignments in {time.perf_counter() - started:.1f} s")
    with transaction.atomic(), connection.cursor() as cursor:
        # Progress grows by period; about 1 assignment in 12 stops reporting, the rest report every month.
        for index in range(PERIODS):
            period = first_period + relativedelta(months=index)
            cursor.execute(
                """
                INSERT INTO delivery_report (assignment_id, period, version, is_current, status, progress,
                    narrative, obstacles, proposals, created_by_id, created_at, submitted_at, return_reason,
                    request_fingerprint, is_simulated)
                SELECT a.id, %s, 1, true, 'submitted', LEAST(100, (a.id %% 9 + 1) * (%s + 1) + a.id %% 7),
                    '', '', '', %s, now(), %s::date + interval '33 days', '', '', true
                FROM delivery_assignment a JOIN delivery_task t ON t.id = a.task_id
                WHERE t.plan_id = %s AND (a.id %% 12 <> 0 OR %s < %s)
                """,
                [period, index, operator.pk, period, plan.pk, index, PERIODS - 3],
            )
            print(
                f"  period {period:%m/%Y}: {cursor.rowcount} reports ({time.perf_counter() - started:.0f} s)"
            )
        cursor.execute(
            """
            UPDATE delivery_assignment a SET progress = r.progress, last_period = r.period,
                last_report_at = r.submitted_at, reports_submitted = r.n
            FROM (SELECT DISTINCT ON (assignment_id) assignment_id, progress, period, submitted_at,
                         count(*) OVER (PARTITION BY assignment_id) AS n
                  FROM delivery_report ORDER BY assignment_id, period DESC) r
            WHERE r.assignment_id = a.id
            """
        )
        cursor.execute(
            "UPDATE delivery_assignment a SET completed_on = r.submitted_at::date FROM delivery_report r "
            "WHERE r.assignment_id = a.id AND r.progress = 100 AND a.completed_on IS NULL"
        )
    refreshed = assignments_refresh_thresholds(
        assignments=Assignment.objects.filter(task__plan=plan)
        .select_related("task")
        .iterator(chunk_size=5000)
    )
    print(f"  status thresholds for {refreshed} assignments ({time.perf_counter() - started:.0f} s)")
    tallies_rebuild(plan=plan)
    with connection.cursor() as cursor:
        # The load above wrote every assignment row four times (cascade, facts, completion,
        # thresholds): compact the table as after any bulk load, so the dashboards scan what
        # a live database holds (26 MB) and not the load's dead rows (100 MB).
        cursor.execute("VACUUM (FULL, ANALYZE) delivery_assignment")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM delivery_report")
        reports = cursor.fetchone()[0]
    print(
        f"dataset ready: {assignments} assignments, {reports} reports in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
