"""Excel in and out: the import template, importing a plan's tasks all or nothing with
every row's errors, and the exports (plan tasks, scorecards, an assignment's reports)."""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from thuocdo.accounts.models import Role, User
from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.core.errors import PermissionDenied, ValidationFailed
from thuocdo.delivery import excel
from thuocdo.delivery.excel import (
    INDICATOR_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    TASK_COLUMNS,
    XLSX_CONTENT_TYPE,
    import_template_xlsx,
    plan_import_xlsx,
)
from thuocdo.delivery.models import (
    Assignment,
    AssignmentRole,
    CascadeGroup,
    DeadlineKind,
    Indicator,
    Priority,
    Recurrence,
    Rollup,
    Task,
    TaskGroup,
)
from thuocdo.delivery.periods import period_start
from thuocdo.delivery.services import (
    IndicatorValueInput,
    indicator_define,
    report_submit,
    verification_decide,
    verification_request,
)
from thuocdo.units.models import Unit, UnitLevel

pytestmark = pytest.mark.django_db

ROOT = "BCDTW"
HANOI = "01"
BA_DINH = "00004"
PROVINCES = 34
MINISTRIES = 17
HANOI_COMMUNES = 126

TEMPLATE_URL = "/monitoring/plans/import-template.xlsx"
STORED = (Task, Assignment, Indicator, TaskGroup, AuditEvent)


def import_url(plan: Any) -> str:
    return f"/monitoring/plans/{plan.pk}/import/"


def stored() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in STORED}


@contextmanager
def nothing_stored(*, denial_recorded: bool = False) -> Iterator[None]:
    before = stored()
    yield
    expected = {**before, "AuditEvent": before["AuditEvent"] + (1 if denial_recorded else 0)}
    assert stored() == expected
    if denial_recorded:
        assert AuditEvent.objects.order_by("-id").first().action == AuditAction.ACCESS_DENIED


def filled(template: bytes, tasks: list[dict[str, Any]], indicators: list[dict[str, Any]] = ()) -> bytes:
    """The template with rows written under its headers, as a person would fill it."""
    workbook = load_workbook(io.BytesIO(template))
    for sheet_name, rows in (("Nhiệm vụ", tasks), ("Chỉ tiêu", indicators)):
        sheet = workbook[sheet_name]
        columns = {cell.value: cell.column for cell in sheet[1]}
        for offset, row in enumerate(rows, start=2):
            for header, value in row.items():
                sheet.cell(row=offset, column=columns[header], value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "ke-hoach.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def open_xlsx(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))


def rows_of(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def task_row(code: str, **cells: Any) -> dict[str, Any]:
    row = {
        "Mã nhiệm vụ": code,
        "Tên nhiệm vụ": f"Nhiệm vụ {code}",
        "Đơn vị chủ trì": "BO-KHCN",
        "Thời hạn": "31/12/2026",
    }
    row.update(cells)
    return {k: v for k, v in row.items() if v is not None}


def indicator_row(task_code: str, key: str, **cells: Any) -> dict[str, Any]:
    row = {
        "Mã nhiệm vụ": task_code,
        "Mã chỉ tiêu": key,
        "Tên": f"Chỉ tiêu {key}",
        "Đơn vị tính": "%",
        "Mục tiêu": 100,
        "Cách tổng hợp": "Trung bình",
    }
    row.update(cells)
    return {k: v for k, v in row.items() if v is not None}


@pytest.fixture
def template() -> bytes:
    return import_template_xlsx()


@pytest.fixture
def plan(plan_factory: Any) -> Any:
    return plan_factory()


@pytest.fixture
def manager_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


# --- the template --------------------------------------------------------------------------------


def test_template_downloads_with_a_guide_and_vietnamese_headers(client):
    response = client.get(TEMPLATE_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert 'filename="mau-nhap-nhiem-vu.xlsx"' in response["Content-Disposition"]
    workbook = open_xlsx(response.content)
    assert workbook.sheetnames[:3] == ["Hướng dẫn", "Nhiệm vụ", "Chỉ tiêu"]
    assert [c.value for c in workbook["Nhiệm vụ"][1]] == [c.header for c in TASK_COLUMNS]
    assert [c.value for c in workbook["Chỉ tiêu"][1]] == [c.header for c in INDICATOR_COLUMNS]
    assert workbook["Nhiệm vụ"].freeze_panes == "A2"
    assert workbook["Nhiệm vụ"].max_row == 1  # no example row that could be imported by mistake
    guide = "\n".join(str(v) for row in rows_of(workbook["Hướng dẫn"]) for v in row if v)
    for column in (*TASK_COLUMNS, *INDICATOR_COLUMNS):
        assert column.header in guide
    for label in ("Tất cả tỉnh, thành phố", "Trong tháng", "Hằng quý", "Đặc biệt quan trọng", "Tổng"):
        assert label in guide


def test_template_offers_the_allowed_values_as_drop_downs(template):
    sheet = open_xlsx(template)["Nhiệm vụ"]
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert len(formulas) == 4  # Giao cho nhóm, Loại thời hạn, Báo cáo định kỳ, Ưu tiên


# --- import: the round trip -----------------------------------------------------------------------


def test_the_template_filled_in_imports_tasks_cascades_and_indicators(
    manager_client, plan, task_factory, unit_by_code
):
    existing = task_factory(plan=plan, code="0")
    template = manager_client.get(TEMPLATE_URL).content
    content = filled(
        template,
        tasks=[
            task_row(
                "1",
                **{
                    "Nhóm": "I",
                    "Nội dung": "Rà soát, hoàn thiện thể chế.",
                    "Sản phẩm đầu ra": "Báo cáo rà soát",
                    "Đơn vị chủ trì": "Bộ KH&CN",  # an abbreviation
                    "Đơn vị phối hợp": "bo tai chinh; 01",  # a name without diacritics, and a code
                    "Ngày bắt đầu": "01/09/2025",
                    "Loại thời hạn": "Trước ngày",
                    "Thời hạn": "31/12/2025",
                    "Thời hạn như văn bản ghi": "Quý IV/2025",
                    "Báo cáo định kỳ": "Hằng quý",
                    "Ưu tiên": "Cao",
                },
            ),
            task_row(
                "2",
                **{
                    "Nhóm": "I",
                    "Đơn vị chủ trì": "Văn phòng Trung ương Đảng",
                    "Giao cho nhóm": "Tất cả tỉnh, thành phố",
                    "Loại thời hạn": "month",
                    "Thời hạn": "12/2025",
                },
            ),
            task_row(
                "3",
                **{
                    "Nhóm": "II",
                    "Đơn vị chủ trì": "Thành phố Hà Nội",
                    "Giao cho nhóm": "communes",
                    "Trong phạm vi": "01",
                    "Thời hạn": date(2026, 6, 30),  # an Excel date cell
                    "Ưu tiên": "critical",
                },
            ),
            task_row("4", **{"Thời hạn": None, "Báo cáo định kỳ": "none"}),
        ],
        indicators=[
            indicator_row("1", "ty-le-hoan-thanh", **{"Giá trị cơ sở": "12,5", "Hạn mục tiêu": "31/12/2025"}),
            indicator_row(
                "2", "so-van-ban", **{"Đơn vị tính": "văn bản", "Mục tiêu": 3, "Cách tổng hợp": "sum"}
            ),
            indicator_row("0", "ty-le-cu", **{"Chiều": "Càng thấp càng tốt", "Mục tiêu": 0.5}),
        ],
    )

    response = manager_client.post(import_url(plan), {"file": upload(content)})

    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/monitoring/plans/{plan.pk}/"
    tasks = {t.code: t for t in Task.objects.filter(plan=plan)}
    assert set(tasks) == {"0", "1", "2", "3", "4"}
    first = tasks["1"]
    assert (first.lead_unit.code, first.group.code, first.priority) == ("BO-KHCN", "I", Priority.HIGH)
    assert (first.start_on, first.deadline_kind, first.deadline_on) == (
        date(2025, 9, 1),
        DeadlineKind.DATE,
        date(2025, 12, 31),
    )
    assert (first.deadline_text, first.recurrence, first.deliverable) == (
        "Quý IV/2025",
        Recurrence.QUARTERLY,
        "Báo cáo rà soát",
    )
    assert dict(first.assignments.values_list("unit__code", "role")) == {
        "BO-KHCN": AssignmentRole.LEAD,
        "BO-TC": AssignmentRole.COOPERATE,
        HANOI: AssignmentRole.COOPERATE,
    }
    second = tasks["2"]
    assert (second.deadline_kind, second.deadline_on) == (DeadlineKind.MONTH, date(2025, 12, 31))
    assert second.cascade_group == CascadeGroup.PROVINCES
    assert (
        second.assignments.filter(role=AssignmentRole.EXECUTE, unit__level=UnitLevel.PROVINCE).count()
        == PROVINCES
    )
    assert second.assignments.count() == PROVINCES  # the coordinating lead is not an executor
    third = tasks["3"]
    assert (third.cascade_group, third.cascade_within.code) == (CascadeGroup.COMMUNES, HANOI)
    assert third.assignments.count() == HANOI_COMMUNES
    assert (third.deadline_kind, third.deadline_on, third.priority) == (
        DeadlineKind.DATE,
        date(2026, 6, 30),
        Priority.CRITICAL,
    )
    assert (tasks["4"].deadline_kind, tasks["4"].deadline_on, tasks["4"].recurrence) == (
        DeadlineKind.NONE,
        None,
        Recurrence.NONE,
    )
    assert set(TaskGroup.objects.filter(plan=plan).values_list("code", flat=True)) == {"I", "II"}
    indicators = {i.key: i for i in Indicator.objects.filter(task__plan=plan)}
    assert indicators["ty-le-hoan-thanh"].baseline == Decimal("12.5")
    assert indicators["ty-le-hoan-thanh"].target_on == date(2025, 12, 31)
    assert (indicators["so-van-ban"].task, indicators["so-van-ban"].rollup) == (second, Rollup.SUM)
    assert (indicators["ty-le-cu"].task, indicators["ty-le-cu"].direction) == (existing, "lower")
    assert indicators["ty-le-cu"].target == Decimal("0.5")
    load = AuditEvent.objects.filter(action=AuditAction.DATA_LOAD).order_by("-id").first()
    assert load.after["tasks"] == 4
    assert load.after["indicators"] == 3
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="delivery.task").count() == 4
    page = manager_client.get(response["Location"]).content.decode()
    assert "Đã nhập 4 nhiệm vụ" in page


def test_a_task_without_deadline_or_kind_is_ongoing(admin_user, plan, template):
    content = filled(template, [task_row("1", **{"Thời hạn": None})])

    report = plan_import_xlsx(actor=admin_user, plan=plan, file=upload(content))

    assert report.ok, [str(e) for e in report.errors]
    task = Task.objects.get(plan=plan)
    assert (task.deadline_kind, task.deadline_on) == (DeadlineKind.NONE, None)


# --- import: all or nothing, with every row's errors ------------------------------------------------


def ambiguous_commune_name() -> str:
    row = (
        Unit.objects.filter(level=UnitLevel.COMMUNE, is_active=True)
        .values("name")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("name")
        .first()
    )
    assert row is not None
    return row["name"]


def test_a_file_with_bad_rows_reports_every_error_and_stores_nothing(
    admin_user, plan, task_factory, template
):
    task_factory(plan=plan, code="DA-CO")
    twin = ambiguous_commune_name()
    content = filled(
        template,
        tasks=[
            task_row("1"),  # a good row: still not stored
            task_row("2", **{"Tên nhiệm vụ": "  "}),  # row 3
            task_row("3", **{"Đơn vị chủ trì": "Bộ Không Tồn Tại"}),  # row 4
            task_row("4", **{"Thời hạn": "31/02/2026"}),  # row 5
            task_row("1", **{"Ưu tiên": "rất gấp"}),  # row 6: duplicate code and a bad priority
            task_row("DA-CO"),  # row 7: already in the plan
            task_row("7", **{"Đơn vị chủ trì": twin}),  # row 8: a name of several communes
            task_row("8", **{"Ngày bắt đầu": "01/01/2027"}),  # row 9: deadline before start
            task_row("9", **{"Loại thời hạn": "month", "Thời hạn": None}),  # row 10
            task_row("10", **{"Giao cho nhóm": "communes", "Trong phạm vi": BA_DINH}),  # row 11: empty group
            task_row("11", **{"Mã nhiệm vụ": "X" * 41}),  # row 12
        ],
        indicators=[
            indicator_row("1", "ty-le"),  # good
            indicator_row("KHONG-CO", "ty-le"),  # row 3: unknown task
            indicator_row("1", "Tỷ lệ"),  # row 4: not a slug
            indicator_row("1", "muc-tieu", **{"Mục tiêu": "nhiều"}),  # row 5
            indicator_row("1", "ty-le"),  # row 6: duplicate key
            indicator_row("1", "khac", **{"Cách tổng hợp": None}),  # row 7: required
        ],
    )

    with nothing_stored():
        report = plan_import_xlsx(actor=admin_user, plan=plan, file=upload(content))

    assert not report.ok
    messages = [(e.sheet, e.row, e.column) for e in report.errors]
    assert messages == [
        ("Nhiệm vụ", 3, "Tên nhiệm vụ"),
        ("Nhiệm vụ", 4, "Đơn vị chủ trì"),
        ("Nhiệm vụ", 5, "Thời hạn"),
        ("Nhiệm vụ", 6, "Mã nhiệm vụ"),
        ("Nhiệm vụ", 6, "Ưu tiên"),
        ("Nhiệm vụ", 7, "Mã nhiệm vụ"),
        ("Nhiệm vụ", 8, "Đơn vị chủ trì"),
        ("Nhiệm vụ", 9, "Thời hạn"),
        ("Nhiệm vụ", 10, "Thời hạn"),
        ("Nhiệm vụ", 11, "Trong phạm vi"),
        ("Nhiệm vụ", 12, "Mã nhiệm vụ"),
        ("Chỉ tiêu", 3, "Mã nhiệm vụ"),
        ("Chỉ tiêu", 4, "Mã chỉ tiêu"),
        ("Chỉ tiêu", 5, "Mục tiêu"),
        ("Chỉ tiêu", 6, "Mã chỉ tiêu"),
        ("Chỉ tiêu", 7, "Cách tổng hợp"),
    ]
    text = [str(e) for e in report.errors]
    assert text[0] == "Dòng 3, cột 'Tên nhiệm vụ': Bắt buộc, không được để trống."
    assert "Dòng 5, cột 'Thời hạn': '31/02/2026' không phải ngày/tháng/năm (dd/mm/yyyy) hợp lệ." in text
    assert "trùng với dòng 2" in text[3]
    assert "trùng tên với nhiều đơn vị" in text[6]
    assert "hãy ghi mã đơn vị" in text[6]


def test_the_view_lists_the_row_errors_with_status_400(manager_client, plan, template):
    content = filled(template, [task_row("1"), {}, task_row("2", **{"Thời hạn": "hôm qua"})])

    with nothing_stored():
        response = manager_client.post(import_url(plan), {"file": upload(content)})

    assert response.status_code == 400
    page = response.content.decode()
    # A blank row is skipped, and the row numbers stay those Excel shows.
    assert "Dòng 4, cột &#x27;Thời hạn&#x27;: &#x27;hôm qua&#x27; không phải" in page
    assert "chưa nhập dòng nào" in page


def test_a_refusal_while_writing_undoes_the_whole_import(admin_user, plan, template, monkeypatch):
    """The rows are checked first; should a service still refuse one (the data changed in
    between), the tasks already written roll back with it."""

    def refuse(**kwargs: Any) -> None:
        raise ValidationFailed(fields={"key": ["Chỉ tiêu vừa được người khác tạo."]})

    monkeypatch.setattr(excel, "indicator_define", refuse)
    content = filled(
        template,
        [task_row("1"), task_row("2", **{"Giao cho nhóm": "provinces"})],
        [indicator_row("2", "ty-le")],
    )

    with nothing_stored():
        report = plan_import_xlsx(actor=admin_user, plan=plan, file=upload(content))

    assert [str(e) for e in report.errors] == ["Dòng 2: Chỉ tiêu vừa được người khác tạo."]
    assert report.errors[0].sheet == "Chỉ tiêu"


def test_a_plan_without_issuer_is_imported_into_by_administrators_at_the_root(
    admin_user, user_with_role, plan_factory, template
):
    plan = plan_factory(issuer=None)
    content = filled(template, [task_row("1")])

    with nothing_stored(denial_recorded=True), pytest.raises(PermissionDenied):
        plan_import_xlsx(actor=user_with_role(Role.ADMIN, HANOI), plan=plan, file=upload(content))
    report = plan_import_xlsx(actor=admin_user, plan=plan, file=upload(content))

    assert (report.ok, report.tasks, report.assignments) == (True, 1, 1)


def test_a_file_that_is_not_xlsx_is_refused(manager_client, plan):
    with nothing_stored():
        response = manager_client.post(import_url(plan), {"file": upload(b"ma;ten\n1;a\n", "ke-hoach.csv")})
        renamed = manager_client.post(import_url(plan), {"file": upload(b"ma;ten\n1;a\n")})
        broken = manager_client.post(import_url(plan), {"file": upload(b"PK\x03\x04 not really a zip")})

    assert response.status_code == 400
    assert "Chỉ nhận tệp Excel .xlsx" in response.content.decode()
    for refused in (renamed, broken):
        assert refused.status_code == 400
        assert "Tệp bị hỏng hoặc không phải tệp Excel .xlsx." in refused.content.decode()


def test_wrong_headers_are_refused_naming_the_missing_columns(admin_user, plan):
    workbook = Workbook()
    workbook.active.title = "Nhiệm vụ"
    workbook.active.append(["Mã", "Tên nhiệm vụ", "Chủ trì"])
    workbook.active.append(["1", "Một nhiệm vụ", "01"])
    workbook.create_sheet("Chỉ tiêu").append([c.header for c in INDICATOR_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)

    with nothing_stored():
        report = plan_import_xlsx(actor=admin_user, plan=plan, file=upload(buffer.getvalue()))

    [error] = report.errors
    assert error.row is None
    assert "Trang 'Nhiệm vụ' không đúng mẫu: thiếu cột 'Mã nhiệm vụ'" in str(error)
    assert "'Đơn vị chủ trì'" in str(error)
    assert "'Tên nhiệm vụ'" not in str(error)


def test_a_missing_sheet_is_refused(admin_user, plan, template):
    workbook = open_xlsx(template)
    del workbook["Chỉ tiêu"]
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = plan_import_xlsx(actor=admin_user, plan=plan, file=upload(buffer.getvalue()))

    assert [str(e) for e in report.errors] == ["Tệp thiếu trang 'Chỉ tiêu' của mẫu."]


def test_an_empty_template_is_refused(admin_user, plan, template):
    report = plan_import_xlsx(actor=admin_user, plan=plan, file=upload(template))

    assert [str(e) for e in report.errors] == ["Tệp không có dòng dữ liệu nào."]


def test_more_rows_than_the_limit_are_refused(admin_user, plan, template):
    workbook = open_xlsx(template)
    sheet = workbook["Nhiệm vụ"]
    for number in range(MAX_IMPORT_ROWS + 1):
        sheet.append([str(number), "Nhiệm vụ", "", "", "", "BO-KHCN"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    with nothing_stored():
        report = plan_import_xlsx(actor=admin_user, plan=plan, file=upload(buffer.getvalue()))

    assert [str(e) for e in report.errors] == ["Trang 'Nhiệm vụ' có quá 5.000 dòng."]


def test_a_file_over_10_mb_is_refused(admin_user, plan):
    report = plan_import_xlsx(
        actor=admin_user, plan=plan, file=upload(b"PK\x03\x04" + b"0" * MAX_IMPORT_BYTES)
    )

    assert [str(e) for e in report.errors] == ["Tệp lớn hơn 10 MB."]


def test_a_name_unknown_as_code_reminds_to_format_codes_as_text(admin_user, plan, template):
    content = filled(template, [task_row("1", **{"Đơn vị chủ trì": 1})])

    report = plan_import_xlsx(actor=admin_user, plan=plan, file=upload(content))

    [error] = report.errors
    assert "định dạng ô là văn bản" in str(error)


# --- import: permissions ---------------------------------------------------------------------------


def test_an_officer_cannot_import(client, user_with_role, plan, template):
    officer = user_with_role(Role.OFFICER, ROOT)
    client.force_login(officer)
    content = filled(template, [task_row("1")])

    with nothing_stored(denial_recorded=True):
        response = client.post(import_url(plan), {"file": upload(content)})

    assert response.status_code == 403
    with nothing_stored(denial_recorded=True), pytest.raises(PermissionDenied):
        plan_import_xlsx(actor=officer, plan=plan, file=upload(content))


def test_a_province_administrator_cannot_import_into_a_plan_of_the_centre(client, user_with_role, plan):
    client.force_login(user_with_role(Role.ADMIN, HANOI))

    assert client.get(import_url(plan)).status_code == 403


def test_the_import_page_needs_a_login_and_shows_the_form_to_administrators(manager_client, plan):
    assert Client().get(import_url(plan)).status_code == 302
    page = manager_client.get(import_url(plan))
    assert page.status_code == 200
    assert "/monitoring/plans/import-template.xlsx" in page.content.decode()


# --- exports ---------------------------------------------------------------------------------------


def test_the_plan_export_lists_tasks_with_their_colours(
    client, plan, task_factory, indicator_factory, unit_by_code
):
    task = task_factory(
        plan=plan, code="1", title='=HYPERLINK("http://x")', cooperating_units=[unit_by_code("BO-TC")]
    )
    task_factory(plan=plan, code="2", lead_unit=unit_by_code(BA_DINH))
    indicator_factory(task=task, key="ty-le")

    response = client.get(f"/monitoring/plans/{plan.pk}/export.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    workbook = open_xlsx(response.content)
    sheet = workbook["Nhiệm vụ"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 50
    rows = rows_of(sheet)
    header = rows[0]
    assert header[:4] == ("Mã nhiệm vụ", "Tên nhiệm vụ", "Nhóm", "Đơn vị chủ trì")
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_code) == {"1", "2"}
    first = by_code["1"]
    assert first["Tên nhiệm vụ"] == '=HYPERLINK("http://x")'
    assert sheet["B2"].data_type == "s"  # text, never a formula
    assert first["Đơn vị phối hợp"] == "Bộ Tài chính"
    assert first["Số lượt giao"] == 2
    assert first["Xanh"] + first["Vàng"] + first["Đỏ"] == 2
    assert sheet["J2"].number_format == "dd/mm/yyyy"
    assert isinstance(first["Thời hạn"], datetime)
    assert by_code["2"]["Đơn vị chủ trì"] == "Phường Ba Đình"
    assert rows_of(workbook["Chỉ tiêu"])[1][:2] == ("1", "ty-le")


def test_the_plan_export_takes_the_same_queries_for_few_or_many_tasks(
    client, plan_factory, task_factory, django_assert_num_queries, unit_by_code
):
    small, large = plan_factory(), plan_factory()
    task_factory(plan=small, cooperating_units=[unit_by_code("BO-TC")])
    for _n in range(12):
        task_factory(plan=large, cooperating_units=[unit_by_code("BO-TC"), unit_by_code("BO-KHCN")])
    with CaptureQueriesContext(connection) as few:
        client.get(f"/monitoring/plans/{small.pk}/export.xlsx")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(f"/monitoring/plans/{large.pk}/export.xlsx")


def test_the_scorecards_export_holds_the_league_tables_and_the_national_card(
    client, plan, task_factory, hanoi
):
    task_factory(plan=plan, lead_unit=hanoi)

    response = client.get(f"/monitoring/export/scorecards.xlsx?plan={plan.pk}")

    assert response.status_code == 200
    workbook = open_xlsx(response.content)
    assert workbook.sheetnames == ["Tỉnh, thành phố", "Bộ, ngành", "Toàn quốc"]
    provinces = rows_of(workbook["Tỉnh, thành phố"])
    assert len(provinces) == 1 + PROVINCES
    assert provinces[1][:4] == (1, HANOI, "Thành phố Hà Nội", 1)  # the only province with a task
    assert len(rows_of(workbook["Bộ, ngành"])) == 1 + MINISTRIES
    national = dict(rows_of(workbook["Toàn quốc"])[1:])
    assert national["Lượt giao"] == 1
    assert national["Văn bản"] == plan.number


def test_public_exports_hold_no_personal_data_or_verification_notes(
    client, plan, ba_dinh_assignment, user_with_role
):
    officer = user_with_role(Role.OFFICER, BA_DINH, full_name="Nguyễn Văn Báo Cáo")
    verifier = user_with_role(Role.VERIFIER, ROOT, full_name="Trần Thị Kiểm Tra")
    report = report_submit(
        actor=officer, assignment=ba_dinh_assignment, period=last_month(), progress=100, narrative="Xong"
    )
    verification = verification_request(actor=verifier, report=report)
    verification_decide(actor=verifier, verification=verification, status="disputed", note="GHI CHÚ NỘI BỘ")
    plan = ba_dinh_assignment.task.plan

    contents = [
        client.get(f"/monitoring/plans/{plan.pk}/export.xlsx").content,
        client.get("/monitoring/export/scorecards.xlsx").content,
    ]

    for content in contents:
        workbook = open_xlsx(content)
        text = " ".join(str(v) for sheet in workbook for row in rows_of(sheet) for v in row if v is not None)
        for secret in ("Nguyễn Văn Báo Cáo", "Trần Thị Kiểm Tra", "GHI CHÚ NỘI BỘ", officer.username, "Xong"):
            assert secret not in text


def last_month() -> date:
    return period_start(timezone.localdate() - relativedelta(months=1), Recurrence.MONTHLY)


def test_the_report_set_export_holds_every_version_for_those_who_may_see_reports(
    client, ba_dinh_assignment, user_with_role, indicator_factory
):
    indicator = indicator_factory(task=ba_dinh_assignment.task, key="ty-le", name="Tỷ lệ số hoá")
    officer = user_with_role(Role.OFFICER, BA_DINH)
    verifier = user_with_role(Role.VERIFIER, ROOT)
    first = report_submit(
        actor=officer,
        assignment=ba_dinh_assignment,
        period=last_month(),
        progress=30,
        narrative="=1+1",
        values=[IndicatorValueInput(key=indicator.key, value="40")],
    )
    report_submit(actor=officer, assignment=ba_dinh_assignment, period=last_month(), progress=35)
    verification = verification_request(actor=verifier, report=first)
    verification_decide(actor=verifier, verification=verification, status="disputed", note="GHI CHÚ NỘI BỘ")
    url = f"/monitoring/assignments/{ba_dinh_assignment.pk}/reports.xlsx"

    assert client.get(url).status_code == 302  # login first
    client.force_login(user_with_role(Role.OFFICER, "00070"))  # another commune
    assert client.get(url).status_code == 403
    client.force_login(officer)
    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    workbook = open_xlsx(response.content)
    rows = rows_of(workbook["Báo cáo"])
    header = rows[0]
    reports = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(r["Kỳ báo cáo"], r["Phiên bản"], r["Hiện hành"]) for r in reports] == [
        (last_month().strftime("%m/%Y"), 2, "Có"),
        (last_month().strftime("%m/%Y"), 1, "Không"),
    ]
    assert reports[1]["Tiến độ (%)"] == 30
    assert reports[1]["Kết quả thực hiện"] == "=1+1"
    assert reports[1]["Tỷ lệ số hoá (%)"] == 40
    assert reports[1]["Kiểm tra độc lập"] == "Không đúng thực tế"
    text = " ".join(str(v) for sheet in workbook for row in rows_of(sheet) for v in row if v is not None)
    assert "GHI CHÚ NỘI BỘ" not in text


def test_export_file_names_are_ascii(client, plan_factory):
    plan = plan_factory(number="05-TB/BCĐTW")

    response = client.get(f"/monitoring/plans/{plan.pk}/export.xlsx")

    assert 'filename="nhiem-vu-05-tb-bcdtw.xlsx"' in response["Content-Disposition"]


def test_the_plan_page_links_to_the_export_and_the_import(manager_client, plan):
    page = manager_client.get(f"/monitoring/plans/{plan.pk}/").content.decode()

    assert f"/monitoring/plans/{plan.pk}/export.xlsx" in page
    assert f"/monitoring/plans/{plan.pk}/import/" in page


def test_an_unknown_plan_is_a_404(client):
    assert client.get("/monitoring/plans/999999/export.xlsx").status_code == 404


# --- found in other code while building this ---------------------------------------------------------


def test_indicator_define_reports_an_overlong_name_on_the_name(admin_user, task_factory):
    with pytest.raises(ValidationFailed) as refused:
        indicator_define(
            actor=admin_user,
            task=task_factory(),
            key="ty-le",
            name="T" * 501,
            unit_of_measure="%",
            target=100,
            rollup=Rollup.MEAN,
        )

    assert "name" in refused.value.fields
