"""The public pages and open data: reachable without logging in, built from the live
monitoring data, and never showing what is internal (report texts, verification notes,
return reasons, judgements, evidence) or anything about people beyond role titles.

The scene is built with the delivery services, so it holds exactly what real use writes."""

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from thuocdo.accounts.models import Role, User
from thuocdo.delivery.models import (
    Assignment,
    CascadeGroup,
    Colour,
    DeadlineKind,
    Plan,
    Recurrence,
    Task,
    TaskGroup,
    Verification,
    VerificationStatus,
)
from thuocdo.delivery.periods import period_start
from thuocdo.delivery.selectors import Scorecard
from thuocdo.delivery.services import (
    TaskSpec,
    indicator_define,
    judgement_record,
    report_review,
    report_submit,
    task_cascade,
    task_create,
    verification_decide,
    verification_request,
)
from thuocdo.delivery.status import Status
from thuocdo.transparency.selectors import PAGE_SIZE
from thuocdo.transparency.shapes import task_status
from thuocdo.units.models import Unit, UnitLevel

TASK_TITLE = "Xây dựng cơ sở dữ liệu công khai về chuyển đổi số"
LEAD_TITLE = "Chủ tịch Ủy ban nhân dân thành phố"
GROUP_NAME = "Hoàn thiện thể chế"

# What must never be shown publicly.
SECRET_NOTE = "GHI-CHU-NOI-BO-XYZ"
SECRET_REASON = "LY-DO-NOI-BO"
SECRET_NARRATIVE = "TUONG-THUAT-NOI-BO"
SECRET_OBSTACLES = "VUONG-MAC-NOI-BO"
SECRET_PROPOSALS = "DE-XUAT-NOI-BO"
SECRET_EVIDENCE = "MINH-CHUNG-NOI-BO"
SECRET_RETURN = "TRA-LAI-NOI-BO"
OFFICER_NAME = "Nguyễn Văn Bí Mật"
OFFICER_EMAIL = "bi.mat@example.vn"
OFFICER_PHONE = "0912345678"
LEADER_NAME = "Trần Thị Giấu Tên"
LEADER_EMAIL = "giau.ten@example.vn"
SECRETS = [
    SECRET_NOTE,
    SECRET_REASON,
    SECRET_NARRATIVE,
    SECRET_OBSTACLES,
    SECRET_PROPOSALS,
    SECRET_EVIDENCE,
    SECRET_RETURN,
    OFFICER_NAME,
    OFFICER_EMAIL,
    OFFICER_PHONE,
    LEADER_NAME,
    LEADER_EMAIL,
    "can-bo-bi-mat",
    "lanh-dao-giau-ten",
    "kiem-tra-vien",
    "Kiểm Tra Viên Ẩn",
]


def month_start(months_ago: int) -> date:
    return period_start(timezone.localdate() - relativedelta(months=months_ago), Recurrence.MONTHLY)


def assert_nothing_internal(content: str) -> None:
    leaked = [secret for secret in SECRETS if secret in content]
    assert not leaked, f"internal data shown publicly: {leaked}"


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


@dataclass
class Scene:
    plan: Plan
    task: Task
    lead: Assignment  # Hà Nội, reported 40 %, then disputed by a verifier and judged red
    cooperating: Assignment  # Bộ KH&CN, claimed 100 %, returned by the centre
    hanoi: Unit
    bo_khcn: Unit


@pytest.fixture
def scene(
    plan_factory, admin_user: User, user_with_role: Callable[..., User], hanoi: Unit, bo_khcn: Unit
) -> Scene:
    plan = plan_factory(number="99-KH/BCĐTW", title="Kế hoạch công khai thử nghiệm")
    group = TaskGroup.objects.create(plan=plan, code="I", name=GROUP_NAME, order=1)
    task = task_create(
        actor=admin_user,
        plan=plan,
        spec=TaskSpec(
            code="CK.1",
            title=TASK_TITLE,
            lead_unit=hanoi,
            cooperating_units=[bo_khcn],
            deadline_kind=DeadlineKind.DATE,
            deadline_on=month_start(4) + relativedelta(years=1, days=-1),
            deadline_text="Quý IV năm sau",
            deliverable="Cơ sở dữ liệu mở",
            start_on=month_start(4),
            group_id=group.pk,
        ),
    )
    indicator_define(
        actor=admin_user,
        task=task,
        key="ty-le-so-hoa",
        name="Tỷ lệ hồ sơ được số hoá",
        unit_of_measure="%",
        target=80,
        rollup="mean",
    )
    officer = user_with_role(
        Role.OFFICER,
        hanoi.code,
        username="can-bo-bi-mat",
        full_name=OFFICER_NAME,
        email=OFFICER_EMAIL,
        phone=OFFICER_PHONE,
    )
    leader = user_with_role(
        Role.LEADER,
        hanoi.code,
        username="lanh-dao-giau-ten",
        full_name=LEADER_NAME,
        email=LEADER_EMAIL,
        position=LEAD_TITLE,
    )
    verifier = user_with_role(Role.VERIFIER, "BCDTW", username="kiem-tra-vien", full_name="Kiểm Tra Viên Ẩn")
    ministry_officer = user_with_role(Role.OFFICER, bo_khcn.code, username="can-bo-bo")

    lead = task.assignments.get(unit=hanoi)
    report = report_submit(
        actor=officer,
        assignment=lead,
        period=month_start(1),
        progress=40,
        narrative=SECRET_NARRATIVE,
        obstacles=SECRET_OBSTACLES,
        proposals=SECRET_PROPOSALS,
        evidence_links=[f"https://example.vn/{SECRET_EVIDENCE}.pdf"],
    )
    verification = verification_request(actor=verifier, report=report)
    verification_decide(
        actor=verifier,
        verification=Verification.objects.select_related("report").get(pk=verification.pk),
        status=VerificationStatus.DISPUTED,
        note=SECRET_NOTE,
    )
    judgement_record(actor=leader, assignment=lead, colour=Colour.RED, reason=SECRET_REASON)

    cooperating = task.assignments.get(unit=bo_khcn)
    claim = report_submit(
        actor=ministry_officer, assignment=cooperating, period=month_start(1), progress=100, narrative="x"
    )
    report_review(actor=admin_user, report=claim, accept=False, reason=SECRET_RETURN)

    lead.refresh_from_db()
    cooperating.refresh_from_db()
    return Scene(plan=plan, task=task, lead=lead, cooperating=cooperating, hanoi=hanoi, bo_khcn=bo_khcn)


def test_the_scene_holds_the_internal_data_the_pages_must_hide(scene: Scene) -> None:
    assert scene.lead.progress == 40
    assert scene.lead.disputed
    assert scene.lead.judgements.get().reason == SECRET_REASON
    assert scene.cooperating.reports.get().return_reason == SECRET_RETURN


# --- every page ------------------------------------------------------------------------------


def public_urls(scene: Scene) -> dict[str, str]:
    return {
        "index": reverse("transparency:index"),
        "rules": reverse("transparency:rules"),
        "plan": reverse("transparency:plan", args=[scene.plan.pk]),
        "task": reverse("transparency:task", args=[scene.task.pk]),
        "lead unit": reverse("transparency:unit", args=[scene.hanoi.code]),
        "cooperating unit": reverse("transparency:unit", args=[scene.bo_khcn.code]),
        "root unit": reverse("transparency:unit", args=["BCDTW"]),
        "data": reverse("transparency:data"),
        "csv": reverse("transparency:plan_csv", args=[scene.plan.pk]),
        "json": reverse("transparency:plan_json", args=[scene.plan.pk]),
    }


@pytest.mark.parametrize(
    "page",
    ["index", "rules", "plan", "task", "lead unit", "cooperating unit", "root unit", "data", "csv", "json"],
)
def test_public_pages_answer_anyone_and_hide_everything_internal(
    client: Client, scene: Scene, page: str
) -> None:
    response = client.get(public_urls(scene)[page])

    assert response.status_code == 200
    assert_nothing_internal(text(response))


@pytest.mark.parametrize("page", ["index", "plan", "task", "lead unit"])
def test_pages_show_the_task_its_responsible_unit_and_its_progress(
    client: Client, scene: Scene, page: str
) -> None:
    content = text(client.get(public_urls(scene)[page]))

    assert TASK_TITLE in content
    assert scene.hanoi.name in content or scene.hanoi.short_name in content
    progress = "20 %" if page == "plan" else "40 %"  # a plan shows the average over its two units
    assert progress in content


def test_the_plan_page_lists_each_task_with_its_responsibility_and_colours(
    client: Client, scene: Scene
) -> None:
    content = text(client.get(public_urls(scene)["plan"]))

    for expected in (
        "CK.1",
        "Quý IV năm sau",
        scene.task.deadline_on.strftime("%d/%m/%Y"),
        "Có nguy cơ chậm",
    ):
        assert expected in content
    assert escape(scene.bo_khcn.short_name or scene.bo_khcn.name) in content  # the cooperating unit
    assert "0 %" in content  # share done
    assert reverse("transparency:task", args=[scene.task.pk]) in content


def test_the_task_page_shows_indicators_and_each_units_computed_status(client: Client, scene: Scene) -> None:
    content = text(client.get(public_urls(scene)["task"]))

    assert "Tỷ lệ hồ sơ được số hoá" in content
    assert "80 %" in content  # the target
    assert "Trung bình" in content  # the roll-up
    assert "Cơ sở dữ liệu mở" in content  # the deliverable
    assert "Kết quả bị bác bỏ khi kiểm tra" in content  # the computed reason, not the verifier's note
    assert month_start(1).strftime("%m/%Y") in content  # the last reporting period
    assert scene.bo_khcn.name in content


def test_the_unit_page_names_leaders_by_title_only(client: Client, scene: Scene) -> None:
    content = text(client.get(public_urls(scene)["lead unit"]))

    assert LEAD_TITLE in content
    assert LEADER_NAME not in content
    assert TASK_TITLE in content


def test_the_index_links_the_status_rules_and_says_the_data_is_live(client: Client, scene: Scene) -> None:
    content = text(client.get(public_urls(scene)["index"]))

    assert reverse("transparency:rules") in content
    assert "trực tiếp" in content
    assert scene.plan.number in content
    assert reverse("transparency:unit", args=["79"]) in content  # the league table links public unit pages
    assert "mô phỏng để trình diễn" not in content


def test_simulated_report_history_is_announced_on_every_page(client: Client, scene: Scene) -> None:
    officer = User.objects.get(username="can-bo-bi-mat")
    report_submit(actor=officer, assignment=scene.lead, period=month_start(0), progress=45, is_simulated=True)

    for url in (reverse("transparency:index"), reverse("transparency:task", args=[scene.task.pk])):
        assert "mô phỏng để trình diễn" in text(client.get(url))


def test_everyone_sees_the_public_pages_in_the_navigation(client: Client, db: None) -> None:
    content = text(client.get(reverse("core:home")))

    assert f'href="{reverse("transparency:index")}"' in content


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("transparency:plan", [987654]),
        ("transparency:task", [987654]),
        ("transparency:unit", ["KHONG-CO"]),
        ("transparency:plan_csv", [987654]),
    ],
)
def test_unknown_objects_are_not_found(client: Client, db: None, name: str, args: list[object]) -> None:
    assert client.get(reverse(name, args=args)).status_code == 404


def test_public_pages_refuse_writes(client: Client, scene: Scene) -> None:
    assert client.post(public_urls(scene)["task"]).status_code == 405


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, ("", "none")),
        ({"total": 2, "done_on_time": 2, "green": 2}, (Status.DONE_ON_TIME, "green")),
        (
            {"total": 2, "done_on_time": 1, "done_late": 1, "green": 1, "amber": 1},
            (Status.DONE_LATE, "amber"),
        ),
        ({"total": 3, "done_on_time": 1, "overdue": 1, "on_track": 1, "red": 1}, (Status.OVERDUE, "red")),
        ({"total": 2, "at_risk": 1, "on_track": 1, "amber": 1, "green": 1}, (Status.AT_RISK, "amber")),
        ({"total": 2, "at_risk": 2, "amber": 1, "red": 1}, (Status.AT_RISK, "red")),
        ({"total": 2, "not_started": 2, "green": 2}, (Status.NOT_STARTED, "green")),
        ({"total": 2, "not_started": 1, "on_track": 1, "green": 2}, (Status.ON_TRACK, "green")),
    ],
)
def test_a_task_takes_the_status_of_its_worst_part(counts: dict[str, int], expected: tuple[str, str]) -> None:
    assert task_status(Scorecard(unit=None, **counts)) == expected


# --- open data ---------------------------------------------------------------------------------


def test_the_csv_streams_a_header_and_one_row_per_assignment(client: Client, scene: Scene) -> None:
    response = client.get(public_urls(scene)["csv"])

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "giao-nhiem-vu-99-kh-bcdtw.csv" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, records = rows[0], rows[1:]
    assert header[:3] == ["Văn bản", "Mã nhiệm vụ", "Nhiệm vụ"]
    assert len(records) == 2
    by_unit = {row[header.index("Mã đơn vị")]: dict(zip(header, row, strict=True)) for row in records}
    hanoi = by_unit[scene.hanoi.code]
    assert hanoi["Nhiệm vụ"] == TASK_TITLE
    assert hanoi["Đơn vị chủ trì"] == scene.hanoi.name
    assert hanoi["Tiến độ (%)"] == "40"
    assert hanoi["Màu"] == "red"
    assert hanoi["Kỳ báo cáo gần nhất"] == month_start(1).strftime("%Y-%m")
    assert by_unit[scene.bo_khcn.code]["Vai trò"] == "Phối hợp"
    assert_nothing_internal(body.decode("utf-8-sig"))


def test_the_csv_defuses_cells_a_spreadsheet_would_run(
    client: Client, admin_user: User, plan_factory, hanoi: Unit
) -> None:
    plan = plan_factory()
    task_create(
        actor=admin_user,
        plan=plan,
        spec=TaskSpec(code="=1+1", title='=HYPERLINK("http://example.com")', lead_unit=hanoi),
    )

    content = text(client.get(reverse("transparency:plan_csv", args=[plan.pk])))

    row = list(csv.reader(io.StringIO(content)))[1]
    assert row[1] == "'=1+1"
    assert row[2].startswith("'=HYPERLINK")


def test_the_json_holds_the_same_records(client: Client, scene: Scene) -> None:
    response = client.get(public_urls(scene)["json"])

    document = json.loads(text(response))
    assert document["van_ban"] == scene.plan.number
    records = {r["ma_don_vi"]: r for r in document["giao_nhiem_vu"]}
    assert set(records) == {scene.hanoi.code, scene.bo_khcn.code}
    assert records[scene.hanoi.code]["tien_do"] == 40
    assert records[scene.hanoi.code]["tinh_trang"] == "at_risk"
    assert records[scene.hanoi.code]["mo_phong"] is False


def test_the_data_page_links_each_download_and_the_api(client: Client, scene: Scene) -> None:
    content = text(client.get(public_urls(scene)["data"]))

    assert reverse("transparency:plan_csv", args=[scene.plan.pk]) in content
    assert reverse("transparency:plan_json", args=[scene.plan.pk]) in content
    assert f"/api/v1/monitoring/assignments?plan={scene.plan.pk}" in content


def test_the_api_the_data_page_links_answers_anyone(client: Client, scene: Scene) -> None:
    response = client.get(f"/api/v1/monitoring/assignments?plan={scene.plan.pk}")

    assert response.status_code == 200
    assert_nothing_internal(response.content.decode())


# --- a task given to every commune ------------------------------------------------------------


@pytest.fixture
def commune_task(admin_user: User, plan_factory, hanoi: Unit) -> Task:
    task = task_create(
        actor=admin_user,
        plan=plan_factory(),
        spec=TaskSpec(code="XA.1", title="Nhiệm vụ của mọi xã", lead_unit=hanoi, assign_lead=False),
    )
    task_cascade(actor=admin_user, task=task, group=CascadeGroup.COMMUNES)
    return task


def page_rows(content: str) -> int:
    return content.count('<tr><th scope="row"><a href="/public/units/')


def test_a_task_given_to_thousands_of_communes_is_shown_a_page_at_a_time(
    client: Client, commune_task: Task
) -> None:
    url = reverse("transparency:task", args=[commune_task.pk])
    communes = Unit.objects.filter(level=UnitLevel.COMMUNE, is_active=True).count()
    pages = -(-communes // PAGE_SIZE)

    first = text(client.get(url))
    last = text(client.get(url, {"page": pages}))

    assert page_rows(first) == PAGE_SIZE
    assert page_rows(last) == communes - PAGE_SIZE * (pages - 1)
    assert f"Trang 1/{pages}" in first
    assert "page=2" in first
    assert 'id="id_province"' in first  # the filter is offered


def test_the_communes_can_be_filtered_by_province(
    client: Client, commune_task: Task, ho_chi_minh: Unit
) -> None:
    url = reverse("transparency:task", args=[commune_task.pk])
    in_province = Unit.objects.filter(parent=ho_chi_minh, level=UnitLevel.COMMUNE, is_active=True)

    content = text(client.get(url, {"province": ho_chi_minh.code}))

    assert f"{in_province.count()} lượt giao" in content
    assert in_province.order_by("path").first().name in content
    assert "Phường Ba Đình" not in content
    assert f"province={ho_chi_minh.code}&amp;page=2" in content  # the pager keeps the filter


def test_an_unknown_province_is_refused_and_everything_shown(client: Client, commune_task: Task) -> None:
    content = text(client.get(reverse("transparency:task", args=[commune_task.pk]), {"province": "<script>"}))

    assert "field-error" in content
    assert "<script>" not in content
    assert page_rows(content) == PAGE_SIZE


def test_a_page_number_out_of_range_shows_the_last_page(client: Client, commune_task: Task) -> None:
    response = client.get(reverse("transparency:task", args=[commune_task.pk]), {"page": "99999"})

    assert response.status_code == 200
    assert page_rows(text(response)) > 0


# --- queries do not grow with the data --------------------------------------------------------

PLAN_PAGE_QUERIES = 11
TASK_PAGE_QUERIES = 9
UNIT_PAGE_QUERIES = 12
INDEX_QUERIES = 16
CSV_QUERIES = 2


def plan_with_tasks(admin_user: User, plan_factory, count: int, lead: Unit, cooperating: list[Unit]) -> Plan:
    plan = plan_factory()
    for index in range(count):
        task = task_create(
            actor=admin_user,
            plan=plan,
            spec=TaskSpec(
                code=f"T.{index:02d}",
                title=f"Nhiệm vụ đếm truy vấn {index}",
                lead_unit=lead,
                cooperating_units=cooperating[: 1 + index % len(cooperating)],
                deadline_kind=DeadlineKind.DATE,
                deadline_on=month_start(-6),
                deadline_text="Tháng 6",
                start_on=month_start(3),
            ),
        )
        if index % 3 == 0:
            indicator_define(
                actor=admin_user,
                task=task,
                key="chi-tieu",
                name="Chỉ tiêu",
                unit_of_measure="%",
                target=100,
                rollup="mean",
            )
    return plan


@pytest.mark.parametrize("tasks", [3, 30])
def test_the_plan_page_reads_a_fixed_number_of_queries(
    client: Client,
    admin_user: User,
    plan_factory,
    unit_by_code: Callable[[str], Unit],
    django_assert_max_num_queries,
    tasks: int,
) -> None:
    plan = plan_with_tasks(
        admin_user,
        plan_factory,
        tasks,
        unit_by_code("01"),
        [unit_by_code(c) for c in ("BO-KHCN", "BO-TC", "79")],
    )

    with django_assert_max_num_queries(PLAN_PAGE_QUERIES):
        response = client.get(reverse("transparency:plan", args=[plan.pk]))

    assert response.content.decode().count("Nhiệm vụ đếm truy vấn") == tasks


@pytest.mark.parametrize("group", [CascadeGroup.PROVINCES, CascadeGroup.COMMUNES])
def test_the_task_page_reads_a_fixed_number_of_queries(
    client: Client,
    admin_user: User,
    plan_factory,
    hanoi: Unit,
    django_assert_max_num_queries,
    group: str,
) -> None:
    task = task_create(
        actor=admin_user,
        plan=plan_factory(),
        spec=TaskSpec(code="Q.1", title="Nhiệm vụ đếm truy vấn", lead_unit=hanoi, assign_lead=False),
    )
    indicator_define(
        actor=admin_user, task=task, key="a", name="Chỉ tiêu", unit_of_measure="%", target=100, rollup="mean"
    )
    task_cascade(
        actor=admin_user, task=task, group=group, within=hanoi if group == CascadeGroup.COMMUNES else None
    )

    with django_assert_max_num_queries(TASK_PAGE_QUERIES):
        response = client.get(reverse("transparency:task", args=[task.pk]), {"page": 2, "colour": "green"})

    assert response.status_code == 200


@pytest.mark.parametrize("tasks", [3, 30])
def test_the_unit_page_reads_a_fixed_number_of_queries(
    client: Client,
    admin_user: User,
    plan_factory,
    hanoi: Unit,
    unit_by_code: Callable[[str], Unit],
    django_assert_max_num_queries,
    tasks: int,
) -> None:
    plan = plan_with_tasks(admin_user, plan_factory, tasks, hanoi, [unit_by_code("BO-KHCN")])
    for task in plan.tasks.all():
        task_cascade(actor=admin_user, task=task, group=CascadeGroup.COMMUNES, within=hanoi)

    with django_assert_max_num_queries(UNIT_PAGE_QUERIES):
        response = client.get(reverse("transparency:unit", args=[hanoi.code]))

    assert response.content.decode().count("Nhiệm vụ đếm truy vấn") == tasks


@pytest.mark.parametrize("plans", [1, 4])
def test_the_index_reads_a_fixed_number_of_queries(
    client: Client,
    admin_user: User,
    plan_factory,
    hanoi: Unit,
    unit_by_code: Callable[[str], Unit],
    django_assert_max_num_queries,
    plans: int,
) -> None:
    for _ in range(plans):
        plan_with_tasks(admin_user, plan_factory, 3, hanoi, [unit_by_code("BO-KHCN")])

    with django_assert_max_num_queries(INDEX_QUERIES):
        response = client.get(reverse("transparency:index"))

    assert response.status_code == 200


@pytest.mark.parametrize("tasks", [3, 30])
def test_the_csv_reads_a_fixed_number_of_queries(
    client: Client,
    admin_user: User,
    plan_factory,
    unit_by_code: Callable[[str], Unit],
    django_assert_max_num_queries,
    tasks: int,
) -> None:
    plan = plan_with_tasks(admin_user, plan_factory, tasks, unit_by_code("01"), [unit_by_code("BO-KHCN")])

    with django_assert_max_num_queries(CSV_QUERIES):
        lines = text(client.get(reverse("transparency:plan_csv", args=[plan.pk]))).splitlines()

    assert len(lines) == 1 + 2 * tasks


# --- the internal pages, seen by the public ---------------------------------------------------
# The monitoring pages are open to anonymous visitors too. These tests record what they show
# that the public pages may not; they are for the delivery app to fix.


def test_the_internal_dashboard_does_not_name_people_to_anonymous_visitors(
    client: Client, scene: Scene
) -> None:
    response = client.get(reverse("delivery:dashboard"))

    assert response.status_code in (200, 302)
    assert LEADER_NAME not in response.content.decode()


def test_the_internal_assignment_page_hides_judgements_from_anonymous_visitors(
    client: Client, scene: Scene
) -> None:
    response = client.get(reverse("delivery:assignment", args=[scene.lead.pk]))

    content = response.content.decode()
    assert SECRET_REASON not in content
    assert LEADER_NAME not in content


def svg_numbers_are_valid(content: str) -> bool:
    coordinates = [
        value for pair in re.findall(r'<circle cx="([^"]*)" cy="([^"]*)"', content) for value in pair
    ]
    return all(re.fullmatch(r"-?\d+(\.\d+)?", value) for value in coordinates)


def test_the_province_map_places_dots_with_valid_svg_numbers(client: Client, scene: Scene) -> None:
    content = text(client.get(reverse("transparency:index")))

    assert '<circle cx="' in content
    assert svg_numbers_are_valid(content)


def test_the_internal_dashboard_map_uses_valid_svg_numbers(
    client: Client, scene: Scene, user_with_role: Any
) -> None:
    client.force_login(user_with_role(Role.VIEWER, "BCDTW"))
    content = text(client.get(reverse("delivery:dashboard")))

    assert '<circle cx="' in content
    assert svg_numbers_are_valid(content)
