"""The monitoring API over HTTP: public reads hold only public data, writes go through the
services (permissions, validation, idempotency) and every error is structured JSON."""

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from thuocdo.accounts.models import Role, User
from thuocdo.accounts.services import api_token_create
from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.delivery.models import (
    Assignment,
    AssignmentRole,
    Evidence,
    Indicator,
    IndicatorValue,
    Judgement,
    Recurrence,
    Report,
    ReportStatus,
    Task,
    TaskGroup,
    Verification,
    VerificationStatus,
)
from thuocdo.delivery.periods import period_start
from thuocdo.delivery.services import report_submit, verification_decide
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

ROOT = "BCDTW"
HANOI = "01"
BA_DINH = "00004"
HOAN_KIEM = "00070"
HO_CHI_MINH_CODE = "79"
HANOI_COMMUNES = 126
PROVINCES = 34
MINISTRIES = 17

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
REPORT_ROWS = (Report, IndicatorValue, Evidence, Verification)


def months_ago(months: int) -> date:
    """The first day of the month `months` months before today (0: this month)."""
    return period_start(timezone.localdate() - relativedelta(months=months), Recurrence.MONTHLY)


def url(path: str) -> str:
    return f"/api/v1/monitoring{path}"


def get(client: Client, path: str, **extra: Any) -> Any:
    return client.get(url(path), **extra)


def post(client: Client, path: str, body: Any = None, **extra: Any) -> Any:
    return client.post(url(path), data=json.dumps(body or {}), content_type="application/json", **extra)


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def report_body(**changes: Any) -> dict[str, Any]:
    """A report of last month at 30 % unless told."""
    return {"period": months_ago(1).isoformat(), "progress": 30, **changes}


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in REPORT_ROWS}


def error_of(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()["error"]
    return body


@pytest.fixture
def other_officer(user_with_role: Callable[..., User]) -> User:
    """An officer of Phường Hoàn Kiếm: may not report for Ba Đình."""
    return user_with_role(Role.OFFICER, HOAN_KIEM)


@pytest.fixture
def indicator(indicator_factory: Any, ba_dinh_assignment: Assignment) -> Indicator:
    return indicator_factory(task=ba_dinh_assignment.task, key="ty-le-ho-so", unit_of_measure="%")


@pytest.fixture
def completion_claim(officer: User, ba_dinh_assignment: Assignment) -> Report:
    """A report of 100 %: always drawn for verification."""
    return report_submit(
        actor=officer,
        assignment=ba_dinh_assignment,
        period=months_ago(1),
        progress=100,
        narrative="Đã hoàn thành",
    )


# --- plans and tasks ---------------------------------------------------------------------------


def test_plan_list_is_public_and_paginated(client: Client, plan_factory: Any, task_factory: Any) -> None:
    plans = [plan_factory(issued_on=date(2025, 6, day)) for day in (1, 2, 3)]
    task_factory(plan=plans[0])
    task_factory(plan=plans[0])

    first = get(client, "/plans?limit=2").json()
    second = get(client, "/plans?limit=2&offset=2").json()

    assert first["count"] == 3
    ids = [p["id"] for p in first["items"] + second["items"]]
    assert ids == [plans[2].pk, plans[1].pk, plans[0].pk]
    oldest = second["items"][0]
    assert oldest["task_count"] == 2
    assert oldest["issuer"]["code"] == ROOT
    assert oldest["program"]["number"] == plans[0].program.number


def test_plan_detail_counts_its_tasks(client: Client, plan_factory: Any, task_factory: Any) -> None:
    plan = plan_factory(source_text="Nội dung kế hoạch")
    task_factory(plan=plan)

    body = get(client, f"/plans/{plan.pk}").json()

    assert (body["number"], body["task_count"], body["source_text"]) == (plan.number, 1, "Nội dung kế hoạch")


def test_plan_tasks_are_public_with_their_units_and_deadlines(
    client: Client, plan_factory: Any, task_factory: Any, unit_by_code: Callable[[str], Unit]
) -> None:
    plan = plan_factory()
    group = TaskGroup.objects.create(plan=plan, code="I", name="Thể chế")
    task = task_factory(
        plan=plan,
        group=group,
        lead_unit=unit_by_code("BO-KHCN"),
        cooperating_units=[unit_by_code("BO-TC"), unit_by_code(HANOI)],
        deadline_text="Quý IV/2026",
    )

    body = get(client, f"/plans/{plan.pk}/tasks").json()

    assert body["count"] == 1
    [item] = body["items"]
    assert item["id"] == task.pk
    assert item["code"] == task.code
    assert item["group"] == {"code": "I", "name": "Thể chế"}
    assert item["lead_unit"]["code"] == "BO-KHCN"
    assert item["lead_unit"]["name"] == unit_by_code("BO-KHCN").name
    assert sorted(item["cooperating_unit_codes"]) == ["01", "BO-TC"]
    assert (item["deadline_kind"], item["deadline_on"]) == ("date", task.deadline_on.isoformat())
    assert item["deadline_text"] == "Quý IV/2026"
    assert (item["recurrence"], item["priority"], item["cascade_group"]) == ("monthly", "normal", "")


def test_task_create_by_an_administrator(client: Client, admin_user: User, plan_factory: Any) -> None:
    plan = plan_factory()
    body = {
        "code": "1",
        "title": "Xây dựng cơ sở dữ liệu quốc gia về khoa học, công nghệ",
        "lead_unit": "BO-KHCN",
        "cooperating_units": ["BO-TC", HANOI],
        "deadline_kind": "date",
        "deadline_on": "2026-12-31",
        "start_on": "2025-07-01",
    }

    response = post(login(client, admin_user), f"/plans/{plan.pk}/tasks", body)

    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["code"], created["lead_unit"]["code"]) == ("1", "BO-KHCN")
    assert sorted(created["cooperating_unit_codes"]) == ["01", "BO-TC"]
    task = Task.objects.get(pk=created["id"])
    assert dict(task.assignments.values_list("unit__code", "role")) == {
        "BO-KHCN": AssignmentRole.LEAD,
        "BO-TC": AssignmentRole.COOPERATE,
        HANOI: AssignmentRole.COOPERATE,
    }


def test_task_create_errors(
    client: Client, admin_user: User, officer: User, plan_factory: Any, task_factory: Any
) -> None:
    plan = plan_factory()
    task_factory(plan=plan, code="1")
    body = {"code": "2", "title": "Nhiệm vụ", "lead_unit": HANOI}

    assert post(client, f"/plans/{plan.pk}/tasks", body).status_code == 401
    assert post(login(client, officer), f"/plans/{plan.pk}/tasks", body).status_code == 403
    login(client, admin_user)
    assert post(client, "/plans/999999/tasks", body).status_code == 404
    unknown_unit = post(client, f"/plans/{plan.pk}/tasks", {**body, "cooperating_units": ["KHONG-CO"]})
    assert unknown_unit.status_code == 422
    assert "cooperating_units" in error_of(unknown_unit)["fields"]
    no_deadline = post(client, f"/plans/{plan.pk}/tasks", {**body, "deadline_kind": "date"})
    assert no_deadline.status_code == 422
    assert "deadline_on" in error_of(no_deadline)["fields"]
    taken = post(client, f"/plans/{plan.pk}/tasks", {**body, "code": "1"})
    assert taken.status_code == 422
    assert "code" in error_of(taken)["fields"]
    assert Task.objects.filter(plan=plan).count() == 1


def test_task_create_refuses_a_group_of_another_plan(
    client: Client, admin_user: User, plan_factory: Any
) -> None:
    plan, other_plan = plan_factory(), plan_factory()
    foreign_group = TaskGroup.objects.create(plan=other_plan, code="I", name="Nhóm của kế hoạch khác")
    body = {"code": "1", "title": "Nhiệm vụ", "lead_unit": HANOI, "group_id": foreign_group.pk}

    response = post(login(client, admin_user), f"/plans/{plan.pk}/tasks", body)

    assert response.status_code == 422
    assert "group_id" in error_of(response)["fields"]


def test_task_create_refuses_a_deactivated_unit(client: Client, admin_user: User, plan_factory: Any) -> None:
    plan = plan_factory()
    Unit.objects.filter(code=HOAN_KIEM).update(is_active=False)
    body = {"code": "1", "title": "Nhiệm vụ", "lead_unit": HOAN_KIEM}

    response = post(login(client, admin_user), f"/plans/{plan.pk}/tasks", body)

    assert response.status_code == 422
    assert not Task.objects.filter(plan=plan).exists()


def test_task_cascade_to_the_communes_of_a_province(
    client: Client, admin_user: User, task_factory: Any, unit_by_code: Callable[[str], Unit]
) -> None:
    task = task_factory(lead_unit=unit_by_code(ROOT))
    login(client, admin_user)

    first = post(client, f"/tasks/{task.pk}/cascade", {"group": "communes", "within": HANOI})
    again = post(client, f"/tasks/{task.pk}/cascade", {"group": "communes", "within": HANOI})

    assert (first.status_code, first.json()) == (200, {"created": HANOI_COMMUNES})
    assert again.json() == {"created": 0}
    task.refresh_from_db()
    assert task.cascade_group == "communes"


def test_task_cascade_errors(
    client: Client, admin_user: User, officer: User, task_factory: Any, unit_by_code: Callable[[str], Unit]
) -> None:
    task = task_factory(lead_unit=unit_by_code(ROOT))

    assert post(client, f"/tasks/{task.pk}/cascade", {"group": "provinces"}).status_code == 401
    assert (
        post(login(client, officer), f"/tasks/{task.pk}/cascade", {"group": "provinces"}).status_code == 403
    )
    login(client, admin_user)
    assert post(client, "/tasks/999999/cascade", {"group": "provinces"}).status_code == 404
    bad_group = post(client, f"/tasks/{task.pk}/cascade", {"group": "planets"})
    assert bad_group.status_code == 422
    assert "group" in error_of(bad_group)["fields"]
    bad_within = post(client, f"/tasks/{task.pk}/cascade", {"group": "communes", "within": "KHONG-CO"})
    assert bad_within.status_code == 422
    assert "within" in error_of(bad_within)["fields"]
    assert task.assignments.count() == 1


# --- indicators ------------------------------------------------------------------------------------


def test_indicators_are_defined_then_versioned_with_a_reason(
    client: Client, admin_user: User, task_factory: Any
) -> None:
    task = task_factory()
    body = {"key": "ty-le-ho-so", "name": "Tỷ lệ hồ sơ trực tuyến", "unit_of_measure": "%", "target": 80}
    login(client, admin_user)

    created = post(client, f"/tasks/{task.pk}/indicators", {**body, "rollup": "mean"})
    unexplained = post(client, f"/tasks/{task.pk}/indicators", {**body, "rollup": "mean", "target": 90})
    explained = post(
        client,
        f"/tasks/{task.pk}/indicators",
        {**body, "rollup": "mean", "target": "90,5", "reason": "Điều chỉnh theo Kết luận 05"},
    )

    assert created.status_code == 201, created.content
    assert (created.json()["version"], created.json()["is_current"]) == (1, True)
    assert unexplained.status_code == 422
    assert "reason" in error_of(unexplained)["fields"]
    assert explained.status_code == 201
    assert explained.json()["version"] == 2
    client.logout()
    current = get(client, f"/tasks/{task.pk}/indicators").json()
    assert [(i["key"], i["version"], float(i["target"])) for i in current] == [("ty-le-ho-so", 2, 90.5)]
    history = get(client, f"/tasks/{task.pk}/indicators?history=true").json()
    assert [i["version"] for i in history] == [2, 1]


def test_indicator_errors(client: Client, admin_user: User, officer: User, task_factory: Any) -> None:
    task = task_factory()
    body = {"key": "chi-tieu", "name": "Chỉ tiêu", "unit_of_measure": "%", "target": 80, "rollup": "mean"}

    assert post(client, f"/tasks/{task.pk}/indicators", body).status_code == 401
    assert post(login(client, officer), f"/tasks/{task.pk}/indicators", body).status_code == 403
    login(client, admin_user)
    assert post(client, "/tasks/999999/indicators", body).status_code == 404
    assert get(client, "/tasks/999999/indicators").status_code == 404
    bad = post(client, f"/tasks/{task.pk}/indicators", {**body, "target": "nhiều", "rollup": "median"})
    assert bad.status_code == 422
    assert {"target", "rollup"} <= set(error_of(bad)["fields"])
    assert not Indicator.objects.filter(task=task).exists()


# --- assignments (public) -----------------------------------------------------------------------


def test_assignment_list_filters_by_unit_task_plan_status_and_colour(
    client: Client,
    officer: User,
    verifier: User,
    user_with_role: Callable[..., User],
    ba_dinh_assignment: Assignment,
    task_factory: Any,
    unit_by_code: Callable[[str], Unit],
) -> None:
    other = task_factory(lead_unit=unit_by_code(HO_CHI_MINH_CODE)).assignments.get()
    # Ba Đình claims completion and it holds (done on time, green); Hồ Chí Minh's claim
    # is disputed (at risk, red).
    for actor, assignment, finding in (
        (officer, ba_dinh_assignment, VerificationStatus.CONFIRMED),
        (user_with_role(Role.OFFICER, HO_CHI_MINH_CODE), other, VerificationStatus.DISPUTED),
    ):
        claim = report_submit(actor=actor, assignment=assignment, period=months_ago(1), progress=100)
        verification_decide(
            actor=verifier, verification=claim.verifications.get(), status=finding, note="Kiểm tra thực địa"
        )
    task = ba_dinh_assignment.task

    def ids(query: str) -> list[int]:
        return [item["id"] for item in get(client, f"/assignments?{query}").json()["items"]]

    assert ids(f"unit={HANOI}") == [ba_dinh_assignment.pk]
    assert ids(f"unit={BA_DINH}") == [ba_dinh_assignment.pk]
    assert ids(f"task={task.pk}") == [ba_dinh_assignment.pk]
    assert ids(f"plan={other.task.plan_id}") == [other.pk]
    assert ids("status=at_risk") == [other.pk]
    assert ids("status=done_on_time") == [ba_dinh_assignment.pk]
    assert ids(f"colour=red&unit={HO_CHI_MINH_CODE}") == [other.pk]
    assert ids(f"colour=red&unit={HANOI}") == []
    assert ids(f"colour=green&task={task.pk}") == [ba_dinh_assignment.pk]
    item = get(client, f"/assignments?task={task.pk}").json()["items"][0]
    assert set(item) == {
        "id",
        "unit",
        "task",
        "role",
        "progress",
        "status_code",
        "colour_code",
        "reason_code",
        "last_period",
    }
    assert item["unit"]["code"] == BA_DINH
    assert (item["progress"], item["last_period"], item["role"]) == (100, months_ago(1).isoformat(), "lead")
    assert (item["status_code"], item["colour_code"], item["reason_code"]) == ("done_on_time", "green", "")
    assert get(client, "/assignments?status=lost").status_code == 422
    assert get(client, "/assignments?unit=KHONG-CO").status_code == 404


def test_assignment_list_query_count_does_not_grow_with_page_size(
    client: Client,
    admin_user: User,
    task_factory: Any,
    unit_by_code: Callable[[str], Unit],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    task = task_factory(lead_unit=unit_by_code(ROOT))
    login(client, admin_user)
    post(client, f"/tasks/{task.pk}/cascade", {"group": "communes", "within": HANOI})
    client.logout()

    with django_assert_max_num_queries(3):
        small = get(client, f"/assignments?task={task.pk}&limit=5")
    with django_assert_max_num_queries(3):
        large = get(client, f"/assignments?task={task.pk}&limit=200")

    assert small.json()["count"] == large.json()["count"] == HANOI_COMMUNES + 1
    assert len(large.json()["items"]) == HANOI_COMMUNES + 1


def test_assignment_detail_is_public(client: Client, ba_dinh_assignment: Assignment) -> None:
    body = get(client, f"/assignments/{ba_dinh_assignment.pk}").json()

    assert (body["id"], body["unit"]["code"], body["task"]["id"]) == (
        ba_dinh_assignment.pk,
        BA_DINH,
        ba_dinh_assignment.task_id,
    )
    assert get(client, "/assignments/999999").status_code == 404


# --- reports ---------------------------------------------------------------------------------------


def test_an_officer_submits_a_report_with_values_and_links(
    client: Client, officer: User, ba_dinh_assignment: Assignment, indicator: Indicator
) -> None:
    body = report_body(
        narrative="Đã số hoá 1.200 hồ sơ",
        obstacles="Thiếu máy quét",
        values=[{"key": "ty-le-ho-so", "value": "62,5", "unit": "%"}],
        evidence_links=["https://baodinh.hanoi.gov.vn/tin-tuc/so-hoa"],
    )

    response = post(login(client, officer), f"/assignments/{ba_dinh_assignment.pk}/reports", body)

    assert response.status_code == 201, response.content
    report = response.json()
    assert (report["progress"], report["status"], report["version"]) == (30, "submitted", 1)
    assert report["narrative"] == "Đã số hoá 1.200 hồ sơ"
    [value] = report["values"]
    assert (value["key"], float(value["value"]), value["unit_of_measure"]) == ("ty-le-ho-so", 62.5, "%")
    [link] = report["evidence"]
    assert (link["kind"], link["url"]) == ("link", "https://baodinh.hanoi.gov.vn/tin-tuc/so-hoa")
    ba_dinh_assignment.refresh_from_db()
    assert (ba_dinh_assignment.progress, ba_dinh_assignment.last_period) == (30, months_ago(1))


def test_a_report_is_accepted_with_an_api_token(
    client: Client, officer: User, ba_dinh_assignment: Assignment
) -> None:
    _token, plaintext = api_token_create(actor=officer, name="Phần mềm một cửa")

    response = post(
        client,
        f"/assignments/{ba_dinh_assignment.pk}/reports",
        report_body(),
        headers={"Authorization": f"Bearer {plaintext}"},
    )

    assert response.status_code == 201, response.content
    assert Report.objects.get().created_by == officer


def test_report_submit_needs_authentication(client: Client, ba_dinh_assignment: Assignment) -> None:
    before = row_counts()

    response = post(client, f"/assignments/{ba_dinh_assignment.pk}/reports", report_body())

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert row_counts() == before


def test_an_officer_of_another_commune_may_not_report_and_nothing_is_stored(
    client: Client, other_officer: User, ba_dinh_assignment: Assignment
) -> None:
    before = row_counts()
    login(client, other_officer)

    response = post(client, f"/assignments/{ba_dinh_assignment.pk}/reports", report_body())
    upload = client.post(
        url(f"/assignments/{ba_dinh_assignment.pk}/reports/upload"),
        {
            "period": months_ago(1).isoformat(),
            "progress": "30",
            "files": [SimpleUploadedFile("bien-ban.pdf", PDF_BYTES)],
        },
    )

    assert response.status_code == upload.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert row_counts() == before
    ba_dinh_assignment.refresh_from_db()
    assert ba_dinh_assignment.reports_submitted == 0
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=other_officer).count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"progress": 150}, "progress"),
        ({"progress": -1}, "progress"),
        ({"values": [{"key": "khong-co", "value": 5}]}, "values.khong-co"),
        ({"values": [{"key": "ty-le-ho-so", "value": "nhiều"}]}, "values.ty-le-ho-so"),
        ({"values": [{"key": "ty-le-ho-so", "value": 5, "unit": "hồ sơ"}]}, "values.ty-le-ho-so"),
        ({"period": months_ago(-1).isoformat()}, "period"),
        ({"period": months_ago(1).replace(day=15).isoformat()}, "period"),
        ({"evidence_links": ["javascript:alert(1)"]}, "evidence"),
        ({"period": "tháng trước"}, "period"),
    ],
    ids=[
        "progress 150",
        "negative progress",
        "unknown indicator",
        "not a number",
        "wrong unit",
        "future period",
        "not the first of the month",
        "bad link",
        "not a date",
    ],
)
def test_an_invalid_report_is_refused_on_its_field_and_nothing_is_stored(
    client: Client,
    officer: User,
    ba_dinh_assignment: Assignment,
    indicator: Indicator,
    changes: dict[str, Any],
    field: str,
) -> None:
    before = row_counts()

    response = post(
        login(client, officer), f"/assignments/{ba_dinh_assignment.pk}/reports", report_body(**changes)
    )

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert row_counts() == before


def test_report_submit_to_an_unknown_assignment_is_not_found(client: Client, officer: User) -> None:
    response = post(login(client, officer), "/assignments/999999/reports", report_body())

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_replayed_request_returns_the_same_report_once(
    client: Client, officer: User, ba_dinh_assignment: Assignment
) -> None:
    login(client, officer)
    path = f"/assignments/{ba_dinh_assignment.pk}/reports"
    headers = {"Idempotency-Key": "mot-cua-2025-000123"}

    first = post(client, path, report_body(narrative="Lần gửi"), headers=headers)
    again = post(client, path, report_body(narrative="Lần gửi"), headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Report.objects.count() == 1
    ba_dinh_assignment.refresh_from_db()
    assert ba_dinh_assignment.reports_submitted == 1


SUBMISSION_QUERIES = [
    "token and its user",
    "BEGIN",
    "lock the assignment; read its task and unit, its current report of the period, the"
    " idempotency key's report and its unit's dispute history",
    "the user's role scopes (the permission check, on the locked assignment)",
    "insert the report",
    "update the assignment's facts",
    "insert the verification (a completion claim is always drawn)",
    "update the province's tally",
    "insert the audit entry (sealed into the chain after the commit, without a lock)",
    "COMMIT",
]


def test_a_report_submitted_with_a_token_takes_a_fixed_number_of_queries(
    client: Client,
    officer: User,
    ba_dinh_assignment: Assignment,
    task_factory: Any,
    django_assert_num_queries: Any,
) -> None:
    """The submission path is the hot path of monitoring (every commune, every month): it
    reads nothing it does not need and answers from the rows it has written. A new query
    here must be a deliberate change of this list. (In a test, BEGIN and COMMIT are a
    savepoint and its release.)"""
    _token, plaintext = api_token_create(actor=officer, name="Phần mềm một cửa")
    headers = {"Authorization": f"Bearer {plaintext}"}
    path = f"/assignments/{ba_dinh_assignment.pk}/reports"
    # Another task of the plan has reported this period: the token is marked as used and
    # the province's tally row for the period exists, as on any day but the first.
    sibling = task_factory(plan=ba_dinh_assignment.task.plan, lead_unit=ba_dinh_assignment.unit)
    post(client, f"/assignments/{sibling.assignments.get().pk}/reports", report_body(), headers=headers)

    with django_assert_num_queries(len(SUBMISSION_QUERIES)):
        response = post(
            client,
            path,
            report_body(progress=100, narrative="Đã hoàn thành"),
            headers={**headers, "Idempotency-Key": "mot-cua-2025-000124"},
        )

    assert response.status_code == 201, response.content
    report = response.json()
    assert (report["progress"], report["version"], report["values"], report["evidence"]) == (100, 1, [], [])
    assert report["verification"]["reason"] == "completion"
    ba_dinh_assignment.refresh_from_db()
    assert (ba_dinh_assignment.progress, ba_dinh_assignment.reports_submitted) == (100, 1)
    assert AuditEvent.objects.filter(object_type="delivery.report", object_id=str(report["id"])).count() == 1


def test_an_idempotency_key_reused_for_another_report_is_a_conflict(
    client: Client, officer: User, ba_dinh_assignment: Assignment
) -> None:
    login(client, officer)
    path = f"/assignments/{ba_dinh_assignment.pk}/reports"
    headers = {"Idempotency-Key": "mot-cua-2025-000123"}
    post(client, path, report_body(progress=30), headers=headers)
    before = row_counts()

    response = post(client, path, report_body(progress=45), headers=headers)

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_conflict"
    assert row_counts() == before


def test_an_idempotency_key_reused_with_another_narrative_is_a_conflict(
    client: Client, officer: User, ba_dinh_assignment: Assignment
) -> None:
    login(client, officer)
    path = f"/assignments/{ba_dinh_assignment.pk}/reports"
    headers = {"Idempotency-Key": "mot-cua-2025-000123"}
    post(client, path, report_body(narrative="Bản thứ nhất"), headers=headers)

    response = post(client, path, report_body(narrative="Một nội dung khác hẳn"), headers=headers)

    assert response.status_code == 409


def test_an_overlong_idempotency_key_is_refused(
    client: Client, officer: User, ba_dinh_assignment: Assignment
) -> None:
    response = post(
        login(client, officer),
        f"/assignments/{ba_dinh_assignment.pk}/reports",
        report_body(),
        headers={"Idempotency-Key": "k" * 81},
    )

    assert response.status_code == 422
    assert [name for name in error_of(response)["fields"] if name.endswith("Idempotency-Key")]
    assert not Report.objects.exists()


def test_a_report_is_uploaded_with_evidence_files(
    client: Client, officer: User, ba_dinh_assignment: Assignment, indicator: Indicator
) -> None:
    response = login(client, officer).post(
        url(f"/assignments/{ba_dinh_assignment.pk}/reports/upload"),
        {
            "period": months_ago(1).isoformat(),
            "progress": "40",
            "narrative": "Kèm biên bản",
            "values": json.dumps([{"key": "ty-le-ho-so", "value": 55}]),
            "evidence_links": ["https://a.gov.vn/1", "https://a.gov.vn/2"],
            "files": [SimpleUploadedFile("bien-ban.pdf", PDF_BYTES, content_type="application/pdf")],
        },
        headers={"Idempotency-Key": "upload-1"},
    )

    assert response.status_code == 201, response.content
    report = response.json()
    assert report["progress"] == 40
    assert [float(v["value"]) for v in report["values"]] == [55.0]
    files = [e for e in report["evidence"] if e["kind"] == "file"]
    links = sorted(e["url"] for e in report["evidence"] if e["kind"] == "link")
    assert links == ["https://a.gov.vn/1", "https://a.gov.vn/2"]
    [pdf] = files
    assert (pdf["name"], pdf["size"], pdf["content_type"]) == (
        "bien-ban.pdf",
        len(PDF_BYTES),
        "application/pdf",
    )
    assert len(pdf["sha256"]) == 64
    assert pdf["url"] == f"/monitoring/evidence/{pdf['id']}/"
    assert Report.objects.get().idempotency_key == "upload-1"


def test_an_upload_with_a_disguised_file_or_bad_values_is_refused(
    client: Client, officer: User, ba_dinh_assignment: Assignment, indicator: Indicator
) -> None:
    login(client, officer)
    path = url(f"/assignments/{ba_dinh_assignment.pk}/reports/upload")
    base = {"period": months_ago(1).isoformat(), "progress": "40"}

    disguised = client.post(path, {**base, "files": [SimpleUploadedFile("virus.pdf", b"MZ\x90\x00")]})
    bad_json = client.post(
        path, {**base, "values": "{khong phai json", "files": [SimpleUploadedFile("a.pdf", PDF_BYTES)]}
    )

    assert disguised.status_code == bad_json.status_code == 422
    assert "evidence" in error_of(disguised)["fields"]
    assert [name for name in error_of(bad_json)["fields"] if name.endswith("values")]
    assert not Report.objects.exists()


def test_validation_errors_of_a_form_and_a_header_are_keyed_like_the_services(
    client: Client, officer: User, ba_dinh_assignment: Assignment
) -> None:
    response = login(client, officer).post(
        url(f"/assignments/{ba_dinh_assignment.pk}/reports/upload"),
        {
            "period": months_ago(1).isoformat(),
            "progress": "nhiều",
            "files": [SimpleUploadedFile("a.pdf", PDF_BYTES)],
        },
        headers={"Idempotency-Key": "k" * 81},
    )

    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"progress", "Idempotency-Key"}


def test_report_history_is_scoped_and_hides_verification_notes(
    client: Client,
    officer: User,
    other_officer: User,
    verifier: User,
    completion_claim: Report,
    ba_dinh_assignment: Assignment,
) -> None:
    verification_decide(
        actor=verifier,
        verification=completion_claim.verifications.get(),
        status=VerificationStatus.DISPUTED,
        note="Kiểm tra thực địa: chưa có hệ thống",
    )
    path = f"/assignments/{ba_dinh_assignment.pk}/reports"

    assert get(client, path).status_code == 401
    own = get(login(client, officer), path).json()
    [report] = own
    assert (report["id"], report["narrative"]) == (completion_claim.pk, "Đã hoàn thành")
    assert report["verification"]["status"] == "disputed"
    assert report["verification"]["note"] is None
    assert "chưa có hệ thống" not in json.dumps(own, ensure_ascii=False)
    assert get(login(client, other_officer), path).json() == []
    as_verifier = get(login(client, verifier), path).json()
    assert as_verifier[0]["verification"]["note"] == "Kiểm tra thực địa: chưa có hệ thống"
    assert get(client, "/assignments/999999/reports").status_code == 404


def test_the_province_leader_accepts_or_returns_a_report(
    client: Client, officer: User, province_leader: User, ba_dinh_assignment: Assignment
) -> None:
    first = report_submit(actor=officer, assignment=ba_dinh_assignment, period=months_ago(2), progress=20)
    second = report_submit(actor=officer, assignment=ba_dinh_assignment, period=months_ago(1), progress=30)
    login(client, province_leader)

    accepted = post(client, f"/reports/{first.pk}/review", {"decision": "accept"})
    unexplained = post(client, f"/reports/{second.pk}/review", {"decision": "return"})
    returned = post(client, f"/reports/{second.pk}/review", {"decision": "return", "reason": "Thiếu số liệu"})
    again = post(client, f"/reports/{second.pk}/review", {"decision": "accept"})

    assert (accepted.status_code, accepted.json()["status"]) == (200, ReportStatus.ACCEPTED)
    assert unexplained.status_code == 422
    assert "reason" in error_of(unexplained)["fields"]
    assert (returned.json()["status"], returned.json()["return_reason"]) == ("returned", "Thiếu số liệu")
    assert again.status_code == 409
    assert post(client, "/reports/999999/review", {"decision": "accept"}).status_code == 404
    assert post(client, f"/reports/{first.pk}/review", {"decision": "maybe"}).status_code == 422


def test_a_unit_may_not_review_its_own_report(
    client: Client, officer: User, user_with_role: Callable[..., User], ba_dinh_assignment: Assignment
) -> None:
    report = report_submit(actor=officer, assignment=ba_dinh_assignment, period=months_ago(1), progress=30)
    own_leader = user_with_role(Role.LEADER, BA_DINH)

    assert post(client, f"/reports/{report.pk}/review", {"decision": "accept"}).status_code == 401
    response = post(login(client, own_leader), f"/reports/{report.pk}/review", {"decision": "accept"})

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


# --- verification and judgement ---------------------------------------------------------------


def test_verifiers_see_the_queue_and_record_their_finding(
    client: Client, verifier: User, officer: User, completion_claim: Report
) -> None:
    assert get(client, "/verifications").status_code == 401
    assert get(login(client, officer), "/verifications").status_code == 403
    login(client, verifier)

    queue = get(client, "/verifications").json()
    [item] = queue["items"]
    assert (item["report_id"], item["reason"], item["status"]) == (
        completion_claim.pk,
        "completion",
        "pending",
    )
    assert (item["unit"]["code"], item["progress"]) == (BA_DINH, 100)

    decided = post(client, f"/verifications/{item['id']}", {"status": "disputed", "note": "Chưa triển khai"})
    unexplained = post(client, f"/verifications/{item['id']}", {"status": "disputed"})

    assert (decided.status_code, decided.json()["status"], decided.json()["note"]) == (
        200,
        "disputed",
        "Chưa triển khai",
    )
    assert unexplained.status_code == 422
    assert "note" in error_of(unexplained)["fields"]
    assert get(client, "/verifications").json()["count"] == 0
    assert get(client, "/verifications?status=disputed").json()["count"] == 1
    assert post(client, "/verifications/999999", {"status": "confirmed"}).status_code == 404


def test_an_officer_may_not_decide_a_verification(
    client: Client, officer: User, completion_claim: Report
) -> None:
    verification = completion_claim.verifications.get()

    response = post(login(client, officer), f"/verifications/{verification.pk}", {"status": "confirmed"})

    assert response.status_code == 403
    verification.refresh_from_db()
    assert verification.status == VerificationStatus.PENDING


def test_a_verifier_requests_the_verification_of_a_report(
    client: Client, verifier: User, officer: User, ba_dinh_assignment: Assignment
) -> None:
    report = report_submit(actor=officer, assignment=ba_dinh_assignment, period=months_ago(1), progress=5)
    Verification.objects.filter(report=report).delete()  # whatever the random draw decided

    assert post(client, f"/reports/{report.pk}/verification").status_code == 401
    assert post(login(client, officer), f"/reports/{report.pk}/verification").status_code == 403
    response = post(login(client, verifier), f"/reports/{report.pk}/verification")

    assert response.status_code == 200, response.content
    assert (response.json()["reason"], response.json()["report_id"]) == ("manual", report.pk)
    assert post(client, "/reports/999999/verification").status_code == 404


def test_a_leader_records_a_judgement(
    client: Client, province_leader: User, officer: User, ba_dinh_assignment: Assignment
) -> None:
    path = f"/assignments/{ba_dinh_assignment.pk}/judgements"
    body = {"colour": "amber", "reason": "Tiến độ chậm so với cam kết"}

    assert post(client, path, body).status_code == 401
    assert post(login(client, officer), path, body).status_code == 403
    login(client, province_leader)
    response = post(client, path, body)
    no_reason = post(client, path, {"colour": "red", "reason": " "})

    assert response.status_code == 201, response.content
    assert (response.json()["colour"], response.json()["assignment_id"]) == ("amber", ba_dinh_assignment.pk)
    assert no_reason.status_code == 422
    assert post(client, path, {"colour": "purple", "reason": "x"}).status_code == 422
    assert post(client, "/assignments/999999/judgements", body).status_code == 404
    assert Judgement.objects.count() == 1


# --- scorecards --------------------------------------------------------------------------------------


SCORECARD_FIELDS = {
    "unit",
    "total",
    "green",
    "amber",
    "red",
    "overdue",
    "at_risk",
    "done_on_time",
    "done_late",
    "not_started",
    "on_track",
    "timely",
    "confirmed",
    "disputed",
    "communes_with_tasks",
    "communes_fully_green",
    "green_share",
    "on_time_completion_rate",
    "reporting_timeliness",
    "verification_factor",
    "communes_green_share",
}


def test_the_scorecard_of_a_unit_is_public(
    client: Client, officer: User, verifier: User, completion_claim: Report, ba_dinh_assignment: Assignment
) -> None:
    verification_decide(
        actor=verifier, verification=completion_claim.verifications.get(), status="confirmed", note=""
    )

    commune = get(client, f"/scorecards/{BA_DINH}").json()
    province = get(client, f"/scorecards/{HANOI}?plan={ba_dinh_assignment.task.plan_id}").json()

    assert set(commune) == SCORECARD_FIELDS
    assert commune["unit"]["code"] == BA_DINH
    assert (commune["total"], commune["green"], commune["done_on_time"]) == (1, 1, 1)
    assert (commune["green_share"], commune["on_time_completion_rate"], commune["verification_factor"]) == (
        100.0,
        100.0,
        100.0,
    )
    assert (province["total"], province["communes_with_tasks"], province["communes_fully_green"]) == (1, 1, 1)
    assert province["communes_green_share"] == 100.0
    assert get(client, "/scorecards/KHONG-CO").status_code == 404
    assert get(client, f"/scorecards/{HANOI}?plan=999999").status_code == 404


def test_league_tables_of_provinces_and_ministries_are_public(
    client: Client, ba_dinh_assignment: Assignment
) -> None:
    provinces = get(client, "/league").json()
    ministries = get(client, "/league?level=ministry").json()

    assert len(provinces) == PROVINCES
    assert len(ministries) == MINISTRIES
    assert provinces[0]["unit"]["code"] == HANOI  # the only province with a task
    assert provinces[0]["total"] == 1
    assert set(provinces[0]) == SCORECARD_FIELDS
    assert all(row["unit"]["name"] for row in provinces + ministries)
    assert get(client, "/league?level=planet").status_code == 422


# --- public data is public data only -------------------------------------------------------------


def test_public_endpoints_hold_no_internals_and_no_personal_data(
    client: Client, officer: User, verifier: User, ba_dinh_assignment: Assignment, indicator: Indicator
) -> None:
    report = report_submit(
        actor=officer,
        assignment=ba_dinh_assignment,
        period=months_ago(1),
        progress=100,
        narrative="NOI-BO-KET-QUA",
        obstacles="NOI-BO-VUONG-MAC",
        proposals="NOI-BO-DE-XUAT",
    )
    verification_decide(
        actor=verifier, verification=report.verifications.get(), status="disputed", note="GHI-CHU-KIEM-TRA"
    )
    task, plan_id = ba_dinh_assignment.task, ba_dinh_assignment.task.plan_id
    public = [
        "/plans",
        f"/plans/{plan_id}",
        f"/plans/{plan_id}/tasks",
        f"/tasks/{task.pk}/indicators?history=true",
        "/assignments",
        f"/assignments?task={task.pk}",
        f"/assignments/{ba_dinh_assignment.pk}",
        f"/scorecards/{BA_DINH}",
        f"/scorecards/{HANOI}",
        "/league",
        "/league?level=ministry",
    ]
    secrets = [
        "NOI-BO-KET-QUA",
        "NOI-BO-VUONG-MAC",
        "NOI-BO-DE-XUAT",
        "GHI-CHU-KIEM-TRA",
        officer.username,
        officer.email,
        officer.full_name,
        verifier.username,
        verifier.email,
    ]
    for path in public:
        response = get(client, path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert not [s for s in secrets if s in text], path
        assert '"narrative"' not in text
        assert '"note"' not in text
