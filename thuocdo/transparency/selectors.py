"""Reads for the public pages and open data ("ba công khai": progress, responsibility,
results).

The numbers are the internal dashboards' own: the same status rules
(`delivery.status`) over the same assignments, computed live by the delivery selectors.
What differs is the shape of what leaves here. Every function selects an explicit list of
public columns and returns the frozen dataclasses of `shapes`, so report texts,
verification notes, return reasons, judgements, evidence and people cannot reach a
template or a download by a careless attribute lookup. Nothing here takes a user: all of
it is public.
"""

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Avg, Case, Count, Exists, F, OuterRef, QuerySet, When
from django.utils.translation import gettext_lazy as _

from thuocdo.accounts.models import Role, RoleAssignment
from thuocdo.core.errors import NotFound
from thuocdo.delivery.demo import simulation_present
from thuocdo.delivery.models import Assignment, Colour, Indicator, Plan, Report, Task
from thuocdo.delivery.selectors import (
    _status_counts,  # the internal dashboards' own counting, so both agree
    national_overview,
    plan_get,
    scoped_assignments,
    unit_scorecard,
    with_status,
)
from thuocdo.delivery.status import Status
from thuocdo.units.models import Unit, UnitLevel
from thuocdo.units.selectors import unit_ancestors, unit_get, unit_root

from .shapes import (
    LEVEL_LABELS,
    REASON_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    AssignmentPage,
    Overview,
    PublicAssignment,
    PublicCard,
    PublicIndicator,
    PublicPlan,
    PublicTask,
    TaskSummary,
    UnitPage,
    UnitRef,
    UnitStanding,
    label_of,
)

PAGE_SIZE = 100


# --- counting -------------------------------------------------------------------------------


def _cards_by(assignments: QuerySet[Assignment], key: str, today: date | None) -> dict[Any, PublicCard]:
    """A scorecard per value of `key`, counted by the delivery selectors' own grouping (so
    the colours are exactly the internal dashboards'), plus the average reported progress:
    two grouped queries, whatever the number of groups."""
    counts = _status_counts(assignments, key, today=today)
    averages = {
        row[key]: row["average"]
        for row in assignments.values(key).annotate(average=Avg("progress")).order_by()
    }
    return {
        group: PublicCard(unit=None, average_progress=averages.get(group), **values)
        for group, values in counts.items()
    }


def _empty_card() -> PublicCard:
    return PublicCard(unit=None)


# --- plans and the national picture ---------------------------------------------------------

PLAN_FIELDS = (
    "id",
    "number",
    "title",
    "kind",
    "issued_on",
    "issuer__name",
    "program__number",
    "program__name",
    "is_simulated",
)


def _plan(row: dict[str, Any], card: PublicCard | None = None) -> PublicPlan:
    return PublicPlan(
        id=row["id"],
        number=row["number"],
        title=row["title"],
        kind=row["kind"],
        issued_on=row["issued_on"],
        issuer=row["issuer__name"] or "",
        program_number=row["program__number"],
        program_name=row["program__name"],
        is_simulated=row["is_simulated"],
        task_count=row.get("task_count", 0),
        card=card,
    )


def public_plan_list(*, today: date | None = None) -> list[PublicPlan]:
    """Every plan with its overall scorecard: three queries, whatever the number of plans."""
    rows = list(
        Plan.objects.values(*PLAN_FIELDS)
        .annotate(task_count=Count("tasks"))
        .order_by(F("issued_on").desc(nulls_last=True), "number")
    )
    cards = _cards_by(Assignment.objects.all(), "task__plan_id", today)
    return [_plan(row, cards.get(row["id"]) or _empty_card()) for row in rows]


def public_plan_get(*, plan_id: int, scored: bool = True, today: date | None = None) -> PublicPlan:
    """A plan, with the same scorecard as the internal dashboard filtered to it."""
    plan = plan_get(plan_id=plan_id)
    card = None
    if scored:
        average = scoped_assignments(plan=plan).aggregate(value=Avg("progress"))["value"]
        card = PublicCard.of(unit_scorecard(unit=unit_root(), plan=plan, today=today), average)
    return PublicPlan(
        id=plan.pk,
        number=plan.number,
        title=plan.title,
        kind=plan.kind,
        issued_on=plan.issued_on,
        issuer=plan.issuer.name if plan.issuer else "",
        program_number=plan.program.number,
        program_name=plan.program.name,
        is_simulated=plan.is_simulated,
        card=card,
    )


def public_overview(*, today: date | None = None) -> Overview:
    """The national scorecard, the plans, and the league tables of provinces and ministries."""
    nation = national_overview(today=today)  # one pass over all assignments
    return Overview(
        national=nation.card,
        plans=public_plan_list(today=today),
        provinces=nation.provinces,
        ministries=nation.ministries,
        attention=public_attention_list(today=today),
    )


def simulated_data_present() -> bool:
    """Whether report history was generated for the demo (every public page says so)."""
    return simulation_present()


# --- tasks ----------------------------------------------------------------------------------

TASK_FIELDS = (
    "id",
    "code",
    "title",
    "plan_id",
    "plan__number",
    "group__name",
    "lead_unit__code",
    "lead_unit__name",
    "lead_unit__short_name",
    "deadline_kind",
    "deadline_text",
    "deadline_on",
    "start_on",
    "recurrence",
    "cascade_group",
    "is_simulated",
)


def _task(row: dict[str, Any], cooperating: tuple[UnitRef, ...]) -> PublicTask:
    return PublicTask(
        id=row["id"],
        code=row["code"],
        title=row["title"],
        plan_id=row["plan_id"],
        plan_number=row["plan__number"],
        group=row["group__name"] or "",
        lead_unit=UnitRef(row["lead_unit__code"], row["lead_unit__name"], row["lead_unit__short_name"]),
        deadline_kind=row["deadline_kind"],
        deadline_text=row["deadline_text"],
        deadline_on=row["deadline_on"],
        start_on=row["start_on"],
        recurrence=row["recurrence"],
        cascade_group=row["cascade_group"],
        is_simulated=row["is_simulated"],
        cooperating_units=cooperating,
        deliverable=row.get("deliverable", ""),
        description=row.get("description", ""),
    )


def _cooperating(**task_filter: int) -> dict[int, tuple[UnitRef, ...]]:
    """Cooperating units per task (one query), for the tasks `task_filter` selects."""
    result: dict[int, list[UnitRef]] = {}
    rows = (
        Unit.objects.filter(**{f"cooperating_tasks__{name}": value for name, value in task_filter.items()})
        .values_list("cooperating_tasks__id", "code", "name", "short_name")
        .order_by("path")
    )
    for task_id, code, name, short_name in rows:
        result.setdefault(task_id, []).append(UnitRef(code, name, short_name))
    return {task_id: tuple(units) for task_id, units in result.items()}


def public_task_summaries(*, plan_id: int, today: date | None = None) -> list[TaskSummary]:
    """The tasks of a plan with their colour counts: four queries, whatever the number of
    tasks and assignments."""
    rows = list(Task.objects.filter(plan_id=plan_id).values(*TASK_FIELDS).order_by("code"))
    cooperating = _cooperating(plan_id=plan_id)
    cards = _cards_by(scoped_assignments().filter(task__plan_id=plan_id), "task_id", today)
    return [
        TaskSummary(
            task=_task(row, cooperating.get(row["id"], ())), card=cards.get(row["id"]) or _empty_card()
        )
        for row in rows
    ]


def public_task_get(*, task_id: int, today: date | None = None) -> TaskSummary:
    row = Task.objects.filter(pk=task_id).values(*TASK_FIELDS, "deliverable", "description").first()
    if row is None:
        raise NotFound()
    cooperating = _cooperating(id=task_id)
    cards = _cards_by(scoped_assignments().filter(task_id=task_id), "task_id", today)
    return TaskSummary(
        task=_task(row, cooperating.get(task_id, ())), card=cards.get(task_id) or _empty_card()
    )


def public_task_indicators(*, task_id: int) -> list[PublicIndicator]:
    """The current definition of each indicator of a task (the target and how it rolls up)."""
    rows = (
        Indicator.objects.filter(task_id=task_id, is_current=True)
        .values("name", "unit_of_measure", "direction", "baseline", "target", "target_on", "rollup")
        .order_by("key")
    )
    return [PublicIndicator(**row) for row in rows]


# --- assignments ----------------------------------------------------------------------------

ASSIGNMENT_FIELDS = (
    "task_id",
    "task__code",
    "task__title",
    "task__plan__number",
    "task__deadline_on",
    "task__deadline_text",
    "task__is_simulated",
    "unit__code",
    "unit__name",
    "unit__short_name",
    "unit__level",
    "unit__parent__name",
    "unit__parent__short_name",
    "role",
    "progress",
    "last_period",
    "completed_on",
    "status_code",
    "colour_code",
    "reason_code",
)


def _assignment(row: dict[str, Any]) -> PublicAssignment:
    return PublicAssignment(
        task_id=row["task_id"],
        task_code=row["task__code"],
        task_title=row["task__title"],
        plan_number=row["task__plan__number"],
        deadline_on=row["task__deadline_on"],
        deadline_text=row["task__deadline_text"],
        is_simulated=row["task__is_simulated"],
        unit=UnitRef(row["unit__code"], row["unit__name"], row["unit__short_name"]),
        unit_level=row["unit__level"],
        parent_name=row["unit__parent__short_name"] or row["unit__parent__name"] or "",
        role=row["role"],
        progress=row["progress"],
        last_period=row["last_period"],
        completed_on=row["completed_on"],
        status=row["status_code"],
        colour=row["colour_code"],
        reason=row["reason_code"],
    )


def _page(queryset: QuerySet[Any], number: Any) -> AssignmentPage:
    page = Paginator(queryset.values(*ASSIGNMENT_FIELDS), PAGE_SIZE).get_page(number)
    return AssignmentPage(
        items=[_assignment(row) for row in page.object_list],
        number=page.number,
        num_pages=page.paginator.num_pages,
        count=page.paginator.count,
    )


def province_list() -> list[UnitRef]:
    """The provinces, for filtering a task given to thousands of communes."""
    rows = Unit.objects.filter(level=UnitLevel.PROVINCE, is_active=True).order_by("name")
    return [
        UnitRef(code, name, short) for code, name, short in rows.values_list("code", "name", "short_name")
    ]


def task_assignment_page(
    *,
    task_id: int,
    province_code: str = "",
    colour: str = "",
    page: Any = 1,
    today: date | None = None,
) -> AssignmentPage:
    """One page of a task's assignments, in tree order, optionally within one province
    (the province's own assignment included) and of one colour."""
    queryset = scoped_assignments().filter(task_id=task_id)
    if province_code:
        province = Unit.objects.filter(code=province_code, level=UnitLevel.PROVINCE).first()
        queryset = (
            queryset.filter(Unit.subtree_q(province.path, prefix="unit__")) if province else queryset.none()
        )
    annotated = with_status(queryset, today)
    if colour:
        annotated = annotated.filter(colour_code=colour)
    return _page(annotated.order_by("unit__path"), page)


def public_attention_list(*, limit: int = 25, today: date | None = None) -> list[PublicAssignment]:
    """Overdue and at-risk assignments, red first, then by deadline: who is late with what."""
    queryset = (
        with_status(Assignment.objects.all(), today)
        .filter(status_code__in=(Status.OVERDUE, Status.AT_RISK))
        .order_by(
            Case(When(colour_code=Colour.RED, then=0), default=1),
            F("task__deadline_on").asc(nulls_last=True),
            "unit__path",
        )
    )
    return [_assignment(row) for row in queryset.values(*ASSIGNMENT_FIELDS)[:limit]]


def unit_assignment_page(*, unit: Unit, page: Any = 1, today: date | None = None) -> AssignmentPage:
    """The unit's own assignments, nearest deadline first."""
    queryset = with_status(Assignment.objects.filter(unit=unit), today)
    return _page(
        queryset.order_by(F("task__deadline_on").asc(nulls_last=True), "task__plan__number", "task__code"),
        page,
    )


# --- units ----------------------------------------------------------------------------------


def unit_leader_titles(*, unit: Unit) -> list[str]:
    """The titles (never the names) of the people who lead the unit: public responsibility."""
    return list(
        RoleAssignment.objects.filter(unit=unit, role=Role.LEADER, user__is_active=True)
        .exclude(user__position="")
        .values_list("user__position", flat=True)
        .distinct()
        .order_by("user__position")
    )


def unit_child_standings(*, unit: Unit, today: date | None = None) -> list[UnitStanding]:
    """The direct subordinate units' own assignments, best green share first."""
    children = {
        code: UnitRef(code, name, short_name)
        for code, name, short_name in Unit.objects.filter(parent=unit, is_active=True).values_list(
            "code", "name", "short_name"
        )
    }
    cards = _cards_by(Assignment.objects.filter(unit__parent=unit, unit__is_active=True), "unit__code", today)
    standings = [
        UnitStanding(unit=children[code], card=card) for code, card in cards.items() if code in children
    ]
    return sorted(standings, key=lambda s: (-(s.card.green_share or 0), s.unit.name))


def public_unit_page(*, code: str, today: date | None = None) -> UnitPage:
    unit = unit_get(code=code)
    return UnitPage(
        unit=unit,
        ancestors=unit_ancestors(unit=unit),
        card=unit_scorecard(unit=unit, today=today),
        leader_titles=unit_leader_titles(unit=unit),
        children=unit_child_standings(unit=unit, today=today) if unit.depth > 0 else [],
    )


# --- open data ------------------------------------------------------------------------------

# (key in JSON, column header in CSV). The data page documents each column.
OPEN_DATA_COLUMNS: list[tuple[str, Any]] = [
    ("van_ban", _("Văn bản")),
    ("ma_nhiem_vu", _("Mã nhiệm vụ")),
    ("nhiem_vu", _("Nhiệm vụ")),
    ("nhom", _("Nhóm nhiệm vụ")),
    ("don_vi_chu_tri", _("Đơn vị chủ trì")),
    ("thoi_han_van_ban", _("Thời hạn (như văn bản ghi)")),
    ("thoi_han", _("Thời hạn (ngày)")),
    ("ma_don_vi", _("Mã đơn vị")),
    ("don_vi", _("Đơn vị thực hiện")),
    ("cap", _("Cấp")),
    ("don_vi_cap_tren", _("Đơn vị cấp trên")),
    ("vai_tro", _("Vai trò")),
    ("tien_do", _("Tiến độ (%)")),
    ("tinh_trang", _("Mã tình trạng")),
    ("tinh_trang_ten", _("Tình trạng")),
    ("mau", _("Màu")),
    ("ly_do", _("Lý do (tính tự động)")),
    ("ky_bao_cao_gan_nhat", _("Kỳ báo cáo gần nhất")),
    ("ngay_hoan_thanh", _("Ngày hoàn thành")),
    ("mo_phong", _("Dữ liệu mô phỏng")),
]

OPEN_DATA_FIELDS = (
    "task__plan__number",
    "task__code",
    "task__title",
    "task__group__name",
    "task__lead_unit__name",
    "task__deadline_text",
    "task__deadline_on",
    "task__is_simulated",
    "unit__code",
    "unit__name",
    "unit__level",
    "unit__parent__name",
    "role",
    "progress",
    "status_code",
    "colour_code",
    "reason_code",
    "last_period",
    "completed_on",
)


def open_data_rows(*, plan_id: int, today: date | None = None) -> Iterator[dict[str, Any]]:
    """Every assignment of a plan as a flat record of public fields, read in chunks so
    that a plan given to every commune streams without being held in memory."""
    queryset = (
        with_status(scoped_assignments().filter(task__plan_id=plan_id), today)
        # Simulated means: the task is demo data, or any of this assignment's reports is.
        .annotate(
            simulated_reports=Exists(Report.objects.filter(assignment=OuterRef("pk"), is_simulated=True))
        )
        .values(*OPEN_DATA_FIELDS, "simulated_reports")
        .order_by("task__code", "unit__path")
    )
    for row in queryset.iterator(chunk_size=2000):
        yield {
            "van_ban": row["task__plan__number"],
            "ma_nhiem_vu": row["task__code"],
            "nhiem_vu": row["task__title"],
            "nhom": row["task__group__name"] or "",
            "don_vi_chu_tri": row["task__lead_unit__name"],
            "thoi_han_van_ban": row["task__deadline_text"],
            "thoi_han": row["task__deadline_on"].isoformat() if row["task__deadline_on"] else "",
            "ma_don_vi": row["unit__code"],
            "don_vi": row["unit__name"],
            "cap": label_of(LEVEL_LABELS, row["unit__level"]),
            "don_vi_cap_tren": row["unit__parent__name"] or "",
            "vai_tro": label_of(ROLE_LABELS, row["role"]),
            "tien_do": row["progress"],
            "tinh_trang": row["status_code"],
            "tinh_trang_ten": label_of(STATUS_LABELS, row["status_code"]),
            "mau": row["colour_code"],
            "ly_do": label_of(REASON_LABELS, row["reason_code"]),
            "ky_bao_cao_gan_nhat": row["last_period"].strftime("%Y-%m") if row["last_period"] else "",
            "ngay_hoan_thanh": row["completed_on"].isoformat() if row["completed_on"] else "",
            "mo_phong": row["task__is_simulated"] or row["simulated_reports"],
        }
