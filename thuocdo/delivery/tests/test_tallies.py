"""Progress tallies kept on every write must equal a rebuild from the reports."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from thuocdo.accounts.models import Role
from thuocdo.delivery.models import ProgressTally
from thuocdo.delivery.selectors import progress_over_time
from thuocdo.delivery.services import report_review, report_submit
from thuocdo.delivery.tallies import tallies_rebuild
from thuocdo.units.models import Unit


def tally_rows(plan) -> set[tuple[int, date, int, int]]:
    return set(
        ProgressTally.objects.filter(plan=plan).values_list(
            "group_unit_id", "period", "reports", "progress_sum"
        )
    )


def test_live_tallies_equal_a_rebuild(task_factory, unit_by_code, user_with_role):
    hanoi, ba_dinh = unit_by_code("01"), unit_by_code("00004")
    deep = Unit.objects.create(
        code="TO-DAN-PHO-1",
        name="Tổ dân phố 1",
        kind="group",
        level="commune",
        parent=ba_dinh,
        path=f"{ba_dinh.path}TO-DAN-PHO-1/",
        depth=3,
        source="manual",
        search_name=" to dan pho 1 ",
    )
    task = task_factory(lead_unit=hanoi, cooperating_units=[ba_dinh, deep, unit_by_code("BO-TC")])
    admin = user_with_role(Role.ADMIN, "BCDTW")
    this_month = timezone.localdate().replace(day=1)
    last_month = this_month - relativedelta(months=1)
    reports = []
    for assignment in task.assignments.select_related("unit"):
        reports.append(report_submit(actor=admin, assignment=assignment, period=last_month, progress=30))
        report_submit(actor=admin, assignment=assignment, period=this_month, progress=50)
    # A correction replaces a report; a returned report stops counting.
    report_submit(actor=admin, assignment=reports[0].assignment, period=last_month, progress=40)
    report_review(actor=admin, report=reports[1], accept=False, reason="Thiếu minh chứng")

    live = tally_rows(task.plan)
    tallies_rebuild(plan=task.plan)
    assert tally_rows(task.plan) == live
    assert {row[0] for row in live} == {hanoi.pk, unit_by_code("BO-TC").pk}


def test_province_trend_reads_the_tallies(
    task_factory, unit_by_code, user_with_role, django_assert_max_num_queries
):
    hanoi = unit_by_code("01")
    task = task_factory(lead_unit=unit_by_code("00004"))
    report_submit(
        actor=user_with_role(Role.ADMIN, "BCDTW"),
        assignment=task.assignments.get(),
        period=timezone.localdate().replace(day=1),
        progress=60,
    )
    with django_assert_max_num_queries(1):
        trend = progress_over_time(within=hanoi)
    assert trend[-1]["reports"] == 1
    assert trend[-1]["average"] == 60
