"""The monitoring services, the only writers: tasks and cascades, indicator versions,
progress reports with evidence and idempotency, sampling for verification, review,
verification and leaders' judgements. Every refused request stores nothing (apart from
the audit record of a refused access)."""

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from thuocdo.accounts.models import Role, User
from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.core.errors import Conflict, PermissionDenied, ValidationFailed
from thuocdo.delivery.models import (
    Assignment,
    AssignmentRole,
    CascadeGroup,
    Colour,
    DeadlineKind,
    Evidence,
    Indicator,
    IndicatorValue,
    Judgement,
    Recurrence,
    Report,
    ReportStatus,
    SampleReason,
    Task,
    Verification,
    VerificationStatus,
)
from thuocdo.delivery.periods import period_start
from thuocdo.delivery.services import (
    MAX_EVIDENCE_BYTES,
    MAX_EVIDENCE_FILES,
    IndicatorValueInput,
    TaskSpec,
    assignment_refresh_facts,
    indicator_define,
    judgement_record,
    report_review,
    report_submit,
    task_cascade,
    task_create,
    verification_decide,
)
from thuocdo.delivery.status import annotate_status
from thuocdo.units.models import Unit, UnitLevel

from .factories import STARTED_MONTHS_AGO

ROOT = "BCDTW"
HANOI = "01"
BA_DINH = "00004"
HOAN_KIEM = "00070"
HO_CHI_MINH = "79"

ALL_COMMUNES = 3321
HANOI_COMMUNES = 126
PROVINCES = 34
MINISTRIES = 17  # 14 bộ and 3 cơ quan ngang bộ, in central_bodies.toml

STORED = (Task, Assignment, Indicator, Report, IndicatorValue, Evidence, Verification, Judgement, AuditEvent)

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def months_ago(months: int) -> date:
    """The first day of the month `months` months before today (0: this month)."""
    return period_start(timezone.localdate() - relativedelta(months=months), Recurrence.MONTHLY)


def stored() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in STORED}


@contextmanager
def nothing_stored(*, denial_recorded: bool = False) -> Iterator[None]:
    """Assert that the block stores nothing, except, when `denial_recorded`, the one audit
    record of a refused access."""
    before = stored()
    yield
    expected = {**before, "AuditEvent": before["AuditEvent"] + (1 if denial_recorded else 0)}
    assert stored() == expected
    if denial_recorded:
        assert AuditEvent.objects.order_by("-id").first().action == AuditAction.ACCESS_DENIED


def audit_of(obj: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")
    )


def submit(actor: User, assignment: Assignment, **fields: Any) -> Report:
    """A monthly report of last month at 30 % unless told."""
    fields.setdefault("period", months_ago(1))
    fields.setdefault("progress", 30)
    return report_submit(actor=actor, assignment=assignment, **fields)


class SizedUpload(SimpleUploadedFile):
    """An upload that claims a size, to test the limit without 20 MB in memory."""

    def __init__(self, *args: Any, claimed_size: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.size = claimed_size


@pytest.fixture
def root_task(task_factory: Any, unit_by_code: Callable[[str], Unit]) -> Task:
    """A task led by the root itself, so that no province, commune or ministry is assigned yet."""
    return task_factory(lead_unit=unit_by_code(ROOT))


# --- task_create ------------------------------------------------------------------------------


def spec(unit_by_code: Callable[[str], Unit], **changes: Any) -> TaskSpec:
    fields: dict[str, Any] = {
        "code": "1",
        "title": "Xây dựng cơ sở dữ liệu quốc gia về khoa học, công nghệ",
        "lead_unit": unit_by_code("BO-KHCN"),
        "cooperating_units": [unit_by_code("BO-TC"), unit_by_code(HANOI)],
        "deadline_kind": DeadlineKind.DATE,
        "deadline_on": date(2026, 12, 31),
        "start_on": date(2025, 7, 1),
    }
    fields.update(changes)
    return TaskSpec(**fields)


def test_task_create_stores_the_task_with_its_lead_and_cooperating_assignments(
    admin_user, plan_factory, unit_by_code
):
    plan = plan_factory()

    task = task_create(actor=admin_user, plan=plan, spec=spec(unit_by_code, code=" 1 "))

    assert task.code == "1"
    roles = dict(task.assignments.values_list("unit__code", "role"))
    assert roles == {
        "BO-KHCN": AssignmentRole.LEAD,
        "BO-TC": AssignmentRole.COOPERATE,
        HANOI: AssignmentRole.COOPERATE,
    }
    assert set(task.cooperating_units.values_list("code", flat=True)) == {"BO-TC", HANOI}
    [event] = audit_of(task)
    assert event.action == AuditAction.CREATE
    assert event.actor == admin_user
    assert event.after["lead"] == "BO-KHCN"
    assert sorted(event.after["cooperating"]) == ["01", "BO-TC"]


def test_task_create_refuses_a_code_already_in_the_plan_and_stores_nothing(
    admin_user, plan_factory, unit_by_code
):
    plan = plan_factory()
    task_create(actor=admin_user, plan=plan, spec=spec(unit_by_code, code="1"))

    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        task_create(actor=admin_user, plan=plan, spec=spec(unit_by_code, code=" 1 ", title="Khác"))

    assert "code" in refused.value.fields


def test_task_create_accepts_the_same_code_in_another_plan(admin_user, plan_factory, unit_by_code):
    task_create(actor=admin_user, plan=plan_factory(), spec=spec(unit_by_code))

    task = task_create(actor=admin_user, plan=plan_factory(), spec=spec(unit_by_code))

    assert task.assignments.count() == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "  "},
        {"deadline_kind": DeadlineKind.DATE, "deadline_on": None},
        {"deadline_on": date(2025, 6, 30)},  # before the start
        {"recurrence": "weekly"},
        {"priority": "urgent"},
    ],
)
def test_task_create_refuses_an_invalid_spec_and_stores_nothing(
    admin_user, plan_factory, unit_by_code, changes
):
    plan = plan_factory()

    with nothing_stored(), pytest.raises(ValidationFailed):
        task_create(actor=admin_user, plan=plan, spec=spec(unit_by_code, **changes))


def test_task_create_refuses_a_lead_unit_that_also_cooperates(admin_user, plan_factory, unit_by_code):
    plan = plan_factory()
    lead = unit_by_code("BO-KHCN")

    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        task_create(actor=admin_user, plan=plan, spec=spec(unit_by_code, cooperating_units=[lead]))

    assert "cooperating_units" in refused.value.fields


@pytest.mark.parametrize(
    ("role", "unit_code"),
    [(Role.OFFICER, ROOT), (Role.LEADER, ROOT), (Role.VERIFIER, ROOT), (Role.ADMIN, HANOI)],
)
def test_task_create_is_refused_to_all_but_administrators_over_the_issuer(
    user_with_role, plan_factory, unit_by_code, role, unit_code
):
    user = user_with_role(role, unit_code)
    plan = plan_factory()

    with nothing_stored(denial_recorded=True), pytest.raises(PermissionDenied):
        task_create(actor=user, plan=plan, spec=spec(unit_by_code))

    denial = AuditEvent.objects.order_by("-id").first()
    assert denial.actor == user
    assert denial.after == {"attempted_action": "manage"}


# --- task_cascade -----------------------------------------------------------------------------


def test_task_cascade_to_all_communes_assigns_each_of_them_quickly(admin_user, root_task):
    # CPU time of this process (SQLite's work included), not wall time: other jobs on a
    # loaded CI machine must not fail it; a cascade written row by row would.
    started = time.process_time()
    created = task_cascade(actor=admin_user, task=root_task, group=CascadeGroup.COMMUNES)
    elapsed = time.process_time() - started

    assert created == ALL_COMMUNES
    executing = root_task.assignments.filter(role=AssignmentRole.EXECUTE)
    assert executing.count() == ALL_COMMUNES
    assert not executing.exclude(unit__level=UnitLevel.COMMUNE).exists()
    assert elapsed < 2.0, f"cascade to every commune took {elapsed:.2f} s of CPU"


@pytest.mark.parametrize(
    ("group", "within", "expected"),
    [
        (CascadeGroup.COMMUNES, HANOI, HANOI_COMMUNES),
        (CascadeGroup.PROVINCES, None, PROVINCES),
        (CascadeGroup.MINISTRIES, None, MINISTRIES),
    ],
)
def test_task_cascade_assigns_every_unit_of_the_group(
    admin_user, root_task, unit_by_code, group, within, expected
):
    within_unit = unit_by_code(within) if within else None

    created = task_cascade(actor=admin_user, task=root_task, group=group, within=within_unit)

    assert created == expected
    assert root_task.assignments.filter(role=AssignmentRole.EXECUTE).count() == expected
    root_task.refresh_from_db()
    assert (root_task.cascade_group, root_task.cascade_within) == (group, within_unit)


def test_task_cascade_to_ministries_counts_the_central_ministries(admin_user, root_task):
    created = task_cascade(actor=admin_user, task=root_task, group=CascadeGroup.MINISTRIES)

    ministries = Unit.objects.filter(
        level=UnitLevel.CENTRAL, kind__in=("ministry", "ministry_level_agency"), is_active=True
    )
    assert created == ministries.count() == MINISTRIES
    assigned = set(
        root_task.assignments.filter(role=AssignmentRole.EXECUTE).values_list("unit_id", flat=True)
    )
    assert assigned == set(ministries.values_list("pk", flat=True))


def test_task_cascade_again_creates_nothing(admin_user, root_task, hanoi):
    task_cascade(actor=admin_user, task=root_task, group=CascadeGroup.COMMUNES, within=hanoi)
    assignments = Assignment.objects.count()

    created = task_cascade(actor=admin_user, task=root_task, group=CascadeGroup.COMMUNES, within=hanoi)

    assert created == 0
    assert Assignment.objects.count() == assignments


def test_task_cascade_keeps_units_already_assigned_in_their_role(admin_user, task_factory, hanoi):
    task = task_factory(lead_unit=hanoi)

    created = task_cascade(actor=admin_user, task=task, group=CascadeGroup.PROVINCES)

    assert created == PROVINCES - 1
    assert task.assignments.get(unit=hanoi).role == AssignmentRole.LEAD


@pytest.mark.parametrize(
    ("group", "within"),
    [
        (CascadeGroup.PROVINCES, BA_DINH),  # no province inside a commune
        (CascadeGroup.MINISTRIES, HANOI),  # no ministry inside a province
        (CascadeGroup.COMMUNES, "BO-TC"),  # no commune inside a ministry
    ],
)
def test_task_cascade_to_an_empty_group_is_refused_and_stores_nothing(
    admin_user, root_task, unit_by_code, group, within
):
    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        task_cascade(actor=admin_user, task=root_task, group=group, within=unit_by_code(within))

    assert "group" in refused.value.fields
    root_task.refresh_from_db()
    assert root_task.cascade_group == ""


def test_task_cascade_to_communes_within_a_commune_is_an_empty_group(admin_user, root_task, ba_dinh):
    with nothing_stored(), pytest.raises(ValidationFailed):
        task_cascade(actor=admin_user, task=root_task, group=CascadeGroup.COMMUNES, within=ba_dinh)


def test_task_cascade_to_an_unknown_group_is_refused(admin_user, root_task):
    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        task_cascade(actor=admin_user, task=root_task, group="villages")

    assert "group" in refused.value.fields


def test_task_cascade_is_audited(admin_user, root_task, hanoi):
    task_cascade(actor=admin_user, task=root_task, group=CascadeGroup.COMMUNES, within=hanoi)

    [event] = audit_of(root_task)
    assert event.action == AuditAction.UPDATE
    assert event.actor == admin_user
    assert event.before == {"cascade_group": "", "cascade_within": None}
    assert event.after == {
        "cascade_group": CascadeGroup.COMMUNES,
        "cascade_within": HANOI,
        "assignments_created": HANOI_COMMUNES,
    }
    assert event.reason


@pytest.mark.parametrize(("role", "unit_code"), [(Role.OFFICER, ROOT), (Role.ADMIN, HANOI)])
def test_task_cascade_is_refused_to_others_than_administrators_over_the_issuer(
    user_with_role, root_task, role, unit_code
):
    user = user_with_role(role, unit_code)

    with nothing_stored(denial_recorded=True), pytest.raises(PermissionDenied):
        task_cascade(actor=user, task=root_task, group=CascadeGroup.PROVINCES)


# --- indicator_define ---------------------------------------------------------------------------


def define(actor: User, task: Task, **changes: Any) -> Indicator:
    fields: dict[str, Any] = {
        "key": "ty-le-ho-so-truc-tuyen",
        "name": "Tỷ lệ hồ sơ trực tuyến toàn trình",
        "unit_of_measure": "%",
        "target": "80",
        "rollup": "mean",
    }
    fields.update(changes)
    return indicator_define(actor=actor, task=task, **fields)


def test_indicator_define_creates_version_one(admin_user, root_task):
    indicator = define(admin_user, root_task, baseline="12,5", trajectory={"2025-12": 40})

    assert (indicator.version, indicator.is_current) == (1, True)
    indicator.refresh_from_db()
    assert indicator.target == Decimal(80)
    assert indicator.baseline == Decimal("12.5")
    assert indicator.trajectory == {"2025-12": "40"}
    [event] = audit_of(indicator)
    assert event.action == AuditAction.CREATE
    assert event.after["version"] == 1


def test_indicator_redefined_without_a_reason_is_refused(admin_user, root_task):
    first = define(admin_user, root_task)

    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        define(admin_user, root_task, target="90")

    assert "reason" in refused.value.fields
    first.refresh_from_db()
    assert first.is_current


def test_indicator_redefined_with_a_reason_is_a_new_version(admin_user, root_task):
    first = define(admin_user, root_task)

    second = define(admin_user, root_task, target="90", rollup="sum", reason="Điều chỉnh theo Kết luận 05")

    first.refresh_from_db()
    assert (first.version, first.is_current, first.target) == (1, False, Decimal(80))
    assert (second.version, second.is_current) == (2, True)
    [event] = audit_of(second)
    assert event.action == AuditAction.UPDATE
    assert event.before["version"] == 1
    assert Decimal(event.before["target"]) == Decimal(80)
    assert event.before["rollup"] == "mean"
    assert event.after == {"key": first.key, "version": 2, "target": "90", "rollup": "sum"}
    assert event.reason == "Điều chỉnh theo Kết luận 05"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"target": "nhiều"}, "target"),
        ({"target": None}, "target"),
        ({"target": "NaN"}, "target"),
        ({"target": True}, "target"),
        ({"rollup": "median"}, "rollup"),
        ({"direction": "sideways"}, "direction"),
        ({"baseline": "chưa rõ"}, "baseline"),
        ({"trajectory": {"2025-12": "bốn mươi"}}, "trajectory"),
        ({"name": " "}, "name"),
    ],
)
def test_indicator_define_refuses_an_invalid_definition(admin_user, root_task, changes, field):
    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        define(admin_user, root_task, **changes)

    assert field in refused.value.fields


def test_indicator_define_is_refused_to_an_officer(user_with_role, root_task):
    with nothing_stored(denial_recorded=True), pytest.raises(PermissionDenied):
        define(user_with_role(Role.OFFICER, ROOT), root_task)


# --- report_submit: the happy path ------------------------------------------------------------


def test_report_submit_stores_the_report_and_updates_the_assignment_facts(
    officer, ba_dinh_assignment, indicator_factory
):
    indicator = indicator_factory(task=ba_dinh_assignment.task, key="ty-le", unit_of_measure="%")

    report = submit(
        officer,
        ba_dinh_assignment,
        period=months_ago(1),
        progress=30,
        narrative="Đã triển khai tại 3 tổ dân phố.",
        values=[IndicatorValueInput(key="ty-le", value="42,5", unit_of_measure="%")],
    )

    report.refresh_from_db()
    assert (report.status, report.version, report.is_current) == (ReportStatus.SUBMITTED, 1, True)
    assert report.created_by == officer
    assert report.submitted_at is not None
    assert report.values.get().indicator == indicator
    assert report.values.get().value == Decimal("42.5")
    ba_dinh_assignment.refresh_from_db()
    assert ba_dinh_assignment.progress == 30
    assert ba_dinh_assignment.last_period == months_ago(1)
    assert ba_dinh_assignment.reports_submitted == 1
    assert ba_dinh_assignment.last_report_at == report.submitted_at
    assert ba_dinh_assignment.completed_on is None
    [event] = audit_of(report)
    assert event.action == AuditAction.CREATE
    assert event.after["progress"] == 30


def test_report_submit_counts_the_latest_period_of_several(officer, ba_dinh_assignment):
    submit(officer, ba_dinh_assignment, period=months_ago(2), progress=20)
    submit(officer, ba_dinh_assignment, period=months_ago(1), progress=35)

    ba_dinh_assignment.refresh_from_db()
    assert (ba_dinh_assignment.progress, ba_dinh_assignment.last_period) == (35, months_ago(1))
    assert ba_dinh_assignment.reports_submitted == 2


FACT_FIELDS = (
    "progress",
    "last_period",
    "last_report_at",
    "reports_submitted",
    "completed_on",
    "disputed",
    "late_from",
    "silent_from",
    "behind_from",
    "near_deadline_from",
)


def test_the_facts_updated_per_report_equal_a_recount_of_all_reports(
    officer, verifier, province_leader, ba_dinh_assignment
):
    """A submission updates the assignment's facts from the new report alone (no read of the
    others) unless a counted report leaves the set; after every step the stored facts must
    equal those recounted from all the reports."""

    def check() -> None:
        stored_facts = Assignment.objects.values(*FACT_FIELDS).get(pk=ba_dinh_assignment.pk)
        recounted = Assignment.objects.get(pk=ba_dinh_assignment.pk)
        assignment_refresh_facts(recounted)
        assert stored_facts == {field: getattr(recounted, field) for field in FACT_FIELDS}

    submit(officer, ba_dinh_assignment, period=months_ago(2), progress=20)  # the first report
    check()
    submit(officer, ba_dinh_assignment, period=months_ago(3), progress=10)  # an earlier period
    check()
    claim = submit(officer, ba_dinh_assignment, period=months_ago(1), progress=100)  # a later one, complete
    check()
    verification_decide(
        actor=verifier, verification=claim.verifications.get(), status="disputed", note="Chưa"
    )
    check()
    submit(officer, ba_dinh_assignment, period=months_ago(0), progress=90)  # after a dispute
    check()
    submit(officer, ba_dinh_assignment, period=months_ago(4), progress=100)  # a second, earlier claim
    check()
    submit(officer, ba_dinh_assignment, period=months_ago(0), progress=95)  # a correction
    check()
    returned = submit(officer, ba_dinh_assignment, period=months_ago(2), progress=25)
    report_review(actor=province_leader, report=returned, accept=False, reason="Thiếu số liệu")
    check()
    submit(officer, ba_dinh_assignment, period=months_ago(2), progress=30)  # after a returned one
    check()
    assert Assignment.objects.get(pk=ba_dinh_assignment.pk).reports_submitted == 5


@pytest.mark.parametrize("months", [0, STARTED_MONTHS_AGO], ids=["this month", "the first month"])
def test_report_submit_accepts_every_period_from_the_start_to_this_month(officer, ba_dinh_assignment, months):
    report = submit(officer, ba_dinh_assignment, period=months_ago(months))

    assert report.period == months_ago(months)


@pytest.mark.parametrize(
    ("role", "unit_code"),
    [
        (Role.OFFICER, BA_DINH),
        (Role.LEADER, BA_DINH),
        (Role.ADMIN, BA_DINH),
        (Role.OFFICER, HANOI),  # a role covers the subtree
        (Role.ADMIN, ROOT),
    ],
)
def test_report_submit_is_allowed_over_the_units_subtree(user_with_role, ba_dinh_assignment, role, unit_code):
    report = submit(user_with_role(role, unit_code), ba_dinh_assignment)

    assert report.pk is not None


@pytest.mark.parametrize(
    ("role", "unit_code"),
    [
        (Role.OFFICER, HOAN_KIEM),  # another commune of the same province
        (Role.LEADER, HO_CHI_MINH),
        (Role.VIEWER, BA_DINH),
        (Role.VERIFIER, BA_DINH),
        (Role.EXPERT, BA_DINH),
    ],
)
def test_report_submit_is_refused_outside_the_units_subtree_or_role(
    user_with_role, ba_dinh_assignment, role, unit_code
):
    user = user_with_role(role, unit_code)

    with nothing_stored(denial_recorded=True), pytest.raises(PermissionDenied):
        submit(user, ba_dinh_assignment)

    ba_dinh_assignment.refresh_from_db()
    assert ba_dinh_assignment.reports_submitted == 0


# --- report_submit: refused input stores nothing --------------------------------------------


@pytest.mark.parametrize("progress", [-1, 101, 50.5, "50", None, True])
def test_report_submit_refuses_progress_that_is_not_an_integer_from_0_to_100(
    officer, ba_dinh_assignment, progress
):
    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        submit(officer, ba_dinh_assignment, progress=progress)

    assert "progress" in refused.value.fields


@pytest.mark.parametrize(
    "period",
    [
        pytest.param(lambda: months_ago(-1), id="next month"),
        pytest.param(lambda: months_ago(STARTED_MONTHS_AGO + 1), id="before the task starts"),
        pytest.param(lambda: months_ago(1) + relativedelta(days=14), id="not the first of the month"),
    ],
)
def test_report_submit_refuses_a_period_that_is_not_due(officer, ba_dinh_assignment, period):
    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        submit(officer, ba_dinh_assignment, period=period())

    assert "period" in refused.value.fields


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(IndicatorValueInput(key="ty-le", value="khoảng một nửa"), id="not a number"),
        pytest.param(IndicatorValueInput(key="ty-le", value=True), id="a boolean"),
        pytest.param(IndicatorValueInput(key="ty-le", value="42", unit_of_measure="người"), id="wrong unit"),
        pytest.param(IndicatorValueInput(key="ty-le", value="150"), id="a percentage above 100"),
        pytest.param(IndicatorValueInput(key="khong-co", value="1"), id="unknown indicator"),
    ],
)
def test_report_submit_refuses_a_bad_indicator_value_on_its_own_field(
    officer, ba_dinh_assignment, indicator_factory, value
):
    indicator_factory(task=ba_dinh_assignment.task, key="ty-le", unit_of_measure="%")

    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        submit(officer, ba_dinh_assignment, values=[value])

    assert list(refused.value.fields) == [f"values.{value.key}"]


def test_report_submit_refuses_a_value_of_a_superseded_indicator_version(
    officer, admin_user, ba_dinh_assignment
):
    task = ba_dinh_assignment.task
    define(admin_user, task, key="ty-le")
    define(admin_user, task, key="ty-le", target="90", reason="Nâng mục tiêu")

    report = submit(officer, ba_dinh_assignment, values=[IndicatorValueInput(key="ty-le", value="50")])

    assert report.values.get().indicator.version == 2


def test_report_submit_refuses_an_overlong_text(officer, ba_dinh_assignment):
    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        submit(officer, ba_dinh_assignment, obstacles="x" * 20_001)

    assert "obstacles" in refused.value.fields


# --- report_submit: evidence -----------------------------------------------------------------


def test_report_submit_stores_a_pdf_and_a_link_as_evidence(officer, ba_dinh_assignment):
    upload = SimpleUploadedFile("bien-ban-nghiem-thu.pdf", PDF_BYTES, content_type="application/pdf")

    report = submit(
        officer,
        ba_dinh_assignment,
        evidence_files=[upload],
        evidence_links=["https://hanoi.gov.vn/tin-tuc/chuyen-doi-so-phuong-ba-dinh"],
    )

    stored_file = report.evidence.exclude(file="").get()
    assert stored_file.original_name == "bien-ban-nghiem-thu.pdf"
    assert stored_file.content_type == "application/pdf"
    assert stored_file.size == len(PDF_BYTES)
    assert stored_file.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert stored_file.uploaded_by == officer
    with default_storage.open(stored_file.file.name) as saved:
        assert saved.read() == PDF_BYTES
    link = report.evidence.filter(file="").get()
    assert link.url == "https://hanoi.gov.vn/tin-tuc/chuyen-doi-so-phuong-ba-dinh"
    assert audit_of(report)[0].after["evidence"] == 2


def test_report_submit_accepts_a_file_of_exactly_the_size_limit(officer, ba_dinh_assignment):
    upload = SizedUpload("bao-cao.pdf", PDF_BYTES, claimed_size=MAX_EVIDENCE_BYTES)

    report = submit(officer, ba_dinh_assignment, evidence_files=[upload])

    assert report.evidence.count() == 1


@pytest.mark.parametrize(
    ("files", "links"),
    [
        pytest.param(
            lambda: [SimpleUploadedFile("cai-dat.exe", b"MZ\x90\x00\x03\x00\x00\x00")], [], id="an executable"
        ),
        pytest.param(
            lambda: [SimpleUploadedFile("bao-cao.pdf", b"<html><body>not a pdf</body></html>")],
            [],
            id="a pdf that is not one",
        ),
        pytest.param(
            lambda: [SimpleUploadedFile("bao-cao", PDF_BYTES)],
            [],
            id="no extension",
        ),
        pytest.param(
            lambda: [SizedUpload("bao-cao.pdf", PDF_BYTES, claimed_size=MAX_EVIDENCE_BYTES + 1)],
            [],
            id="over 20 MB",
        ),
        pytest.param(list, ["javascript:alert(1)"], id="a script link"),
        pytest.param(list, ["ftp://example.vn/bao-cao.pdf"], id="an ftp link"),
        pytest.param(list, ["không phải đường dẫn"], id="not a link"),
        pytest.param(
            list,
            [f"https://example.vn/{n}" for n in range(MAX_EVIDENCE_FILES + 1)],
            id="too many",
        ),
        pytest.param(
            lambda: [SimpleUploadedFile("bao-cao.pdf", PDF_BYTES)],
            ["https://example.vn/ok", "http://"],
            id="one bad among good ones",
        ),
    ],
)
def test_report_submit_refuses_bad_evidence_and_stores_nothing(
    officer, ba_dinh_assignment, media_root, files, links
):
    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        submit(officer, ba_dinh_assignment, evidence_files=files(), evidence_links=links)

    assert list(refused.value.fields) == ["evidence"]
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


# --- report_submit: corrections and idempotency ---------------------------------------------


def test_a_second_report_for_a_period_is_a_new_version_superseding_the_first(officer, ba_dinh_assignment):
    first = submit(officer, ba_dinh_assignment, progress=30, narrative="Lần đầu")

    second = submit(officer, ba_dinh_assignment, progress=45, narrative="Đính chính")

    first.refresh_from_db()
    assert (first.version, first.is_current, first.progress, first.narrative) == (1, False, 30, "Lần đầu")
    assert first.status == ReportStatus.SUBMITTED
    assert (second.version, second.is_current, second.supersedes) == (2, True, first)
    ba_dinh_assignment.refresh_from_db()
    assert (ba_dinh_assignment.progress, ba_dinh_assignment.reports_submitted) == (45, 1)


def test_the_same_request_twice_with_one_idempotency_key_stores_one_report(officer, ba_dinh_assignment):
    first = submit(officer, ba_dinh_assignment, progress=30, idempotency_key="req-1")
    after_first = stored()

    again = submit(officer, ba_dinh_assignment, progress=30, idempotency_key="req-1")

    assert again.pk == first.pk
    assert stored() == after_first


@pytest.mark.parametrize(
    "changes",
    [{"progress": 31}, {"period": months_ago(2)}],
    ids=["another progress", "another period"],
)
def test_an_idempotency_key_reused_for_another_report_is_a_conflict(officer, ba_dinh_assignment, changes):
    submit(officer, ba_dinh_assignment, progress=30, idempotency_key="req-1")

    with nothing_stored(), pytest.raises(Conflict) as refused:
        submit(officer, ba_dinh_assignment, **{"progress": 30, "idempotency_key": "req-1", **changes})

    assert refused.value.code == "idempotency_conflict"


def test_an_idempotency_key_reused_for_another_assignment_is_a_conflict(
    officer, ba_dinh_assignment, task_factory, ba_dinh
):
    other = task_factory(lead_unit=ba_dinh).assignments.get()
    submit(officer, ba_dinh_assignment, idempotency_key="req-1")

    with nothing_stored(), pytest.raises(Conflict) as refused:
        submit(officer, other, idempotency_key="req-1")

    assert refused.value.code == "idempotency_conflict"


# --- sampling for verification ---------------------------------------------------------------


def test_a_completion_claim_is_drawn_for_verification(officer, ba_dinh_assignment):
    report = submit(officer, ba_dinh_assignment, progress=100)

    assert report.verifications.get().reason == SampleReason.COMPLETION_CLAIM
    assert report.verifications.get().status == VerificationStatus.PENDING
    ba_dinh_assignment.refresh_from_db()
    assert ba_dinh_assignment.completed_on == timezone.localdate(report.submitted_at)


@pytest.mark.parametrize(("before", "after"), [(10, 50), (20, 99), (0, 40)])
def test_a_jump_of_40_points_or_more_is_drawn_for_verification(officer, ba_dinh_assignment, before, after):
    if before:
        submit(officer, ba_dinh_assignment, period=months_ago(2), progress=before)

    report = submit(officer, ba_dinh_assignment, period=months_ago(1), progress=after)

    assert report.verifications.get().reason == SampleReason.BIG_JUMP


def test_a_jump_of_39_points_is_not_a_big_jump(officer, ba_dinh_assignment):
    submit(officer, ba_dinh_assignment, period=months_ago(2), progress=10)

    report = submit(officer, ba_dinh_assignment, period=months_ago(1), progress=49)

    # A small random share of reports is drawn too, for another reason.
    assert not report.verifications.filter(reason=SampleReason.BIG_JUMP).exists()


def test_every_report_of_a_unit_once_found_untrue_is_drawn_for_verification(
    officer, verifier, user_with_role, ba_dinh_assignment, task_factory, unit_by_code
):
    """A dispute on one task's report puts every later report of the commune, for any task,
    in the sample; another commune's reports are not drawn for that reason."""
    other_task = task_factory(lead_unit=unit_by_code(BA_DINH)).assignments.get()
    elsewhere = task_factory(lead_unit=unit_by_code(HOAN_KIEM)).assignments.get()
    claim = submit(officer, ba_dinh_assignment, period=months_ago(2), progress=100)
    verification_decide(
        actor=verifier, verification=claim.verifications.get(), status="disputed", note="Chưa"
    )

    steady = submit(officer, ba_dinh_assignment, period=months_ago(1), progress=95)
    other = submit(officer, other_task, period=months_ago(1), progress=10)
    unrelated = submit(user_with_role(Role.OFFICER, HOAN_KIEM), elsewhere, period=months_ago(1), progress=10)

    assert steady.verifications.get().reason == SampleReason.DISPUTE_HISTORY
    assert other.verifications.get().reason == SampleReason.DISPUTE_HISTORY
    assert not unrelated.verifications.filter(reason=SampleReason.DISPUTE_HISTORY).exists()


# --- report_review ----------------------------------------------------------------------------


def test_the_province_leader_accepts_a_communes_report(officer, province_leader, ba_dinh_assignment):
    report = submit(officer, ba_dinh_assignment, progress=30)

    report_review(actor=province_leader, report=report, accept=True)

    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == (ReportStatus.ACCEPTED, province_leader)
    assert report.reviewed_at is not None
    ba_dinh_assignment.refresh_from_db()
    assert (ba_dinh_assignment.progress, ba_dinh_assignment.reports_submitted) == (30, 1)
    event = audit_of(report)[-1]
    assert (event.action, event.before, event.after) == (
        AuditAction.UPDATE,
        {"status": ReportStatus.SUBMITTED},
        {"status": ReportStatus.ACCEPTED},
    )


def test_a_returned_report_no_longer_counts(officer, province_leader, ba_dinh_assignment):
    earlier = submit(officer, ba_dinh_assignment, period=months_ago(2), progress=20)
    report_review(actor=province_leader, report=earlier, accept=True)
    report = submit(officer, ba_dinh_assignment, period=months_ago(1), progress=45)

    report_review(actor=province_leader, report=report, accept=False, reason=" Thiếu minh chứng ")

    report.refresh_from_db()
    assert (report.status, report.return_reason) == (ReportStatus.RETURNED, "Thiếu minh chứng")
    ba_dinh_assignment.refresh_from_db()
    assert ba_dinh_assignment.progress == 20
    assert ba_dinh_assignment.last_period == months_ago(2)
    assert ba_dinh_assignment.reports_submitted == 1


def test_the_only_report_returned_leaves_the_assignment_unreported(
    officer, province_leader, ba_dinh_assignment
):
    report = submit(officer, ba_dinh_assignment, progress=100)

    report_review(actor=province_leader, report=report, accept=False, reason="Chưa đúng thực tế")

    ba_dinh_assignment.refresh_from_db()
    assert (ba_dinh_assignment.progress, ba_dinh_assignment.reports_submitted) == (0, 0)
    assert (ba_dinh_assignment.last_period, ba_dinh_assignment.completed_on) == (None, None)


def test_returning_a_report_needs_a_reason(officer, province_leader, ba_dinh_assignment):
    report = submit(officer, ba_dinh_assignment)

    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        report_review(actor=province_leader, report=report, accept=False, reason="  ")

    assert "reason" in refused.value.fields
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


@pytest.mark.parametrize(
    ("role", "unit_code"),
    [(Role.LEADER, BA_DINH), (Role.ADMIN, BA_DINH), (Role.OFFICER, HANOI), (Role.LEADER, HO_CHI_MINH)],
    ids=["the commune's own leader", "the commune's own admin", "a province officer", "another province"],
)
def test_report_review_belongs_to_the_level_above(
    user_with_role, officer, ba_dinh_assignment, role, unit_code
):
    report = submit(officer, ba_dinh_assignment)
    user = user_with_role(role, unit_code)

    with nothing_stored(denial_recorded=True), pytest.raises(PermissionDenied):
        report_review(actor=user, report=report, accept=True)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_reviewed_report_cannot_be_reviewed_again(officer, province_leader, ba_dinh_assignment):
    report = submit(officer, ba_dinh_assignment)
    report_review(actor=province_leader, report=report, accept=True)

    with nothing_stored(), pytest.raises(Conflict):
        report_review(actor=province_leader, report=report, accept=False, reason="Xem lại")


# --- verification_decide ------------------------------------------------------------------------


@pytest.fixture
def completion_claim(officer, ba_dinh_assignment) -> Verification:
    """A report of 100 % from Ba Đình, drawn for verification."""
    return submit(officer, ba_dinh_assignment, progress=100).verifications.get()


def test_a_disputed_completion_claim_no_longer_completes_the_assignment(
    verifier, completion_claim, ba_dinh_assignment
):
    verification_decide(
        actor=verifier,
        verification=completion_claim,
        status=VerificationStatus.DISPUTED,
        note="Khảo sát thực tế: chưa xong",
    )

    completion_claim.refresh_from_db()
    assert (completion_claim.status, completion_claim.verifier) == (VerificationStatus.DISPUTED, verifier)
    assert completion_claim.note == "Khảo sát thực tế: chưa xong"
    assert completion_claim.decided_at is not None
    ba_dinh_assignment.refresh_from_db()
    assert ba_dinh_assignment.disputed is True
    assert ba_dinh_assignment.completed_on is None
    [event] = audit_of(completion_claim)
    assert (event.before, event.after) == ({"status": "pending"}, {"status": "disputed"})


def test_confirming_after_a_dispute_restores_the_completion(verifier, completion_claim, ba_dinh_assignment):
    verification_decide(actor=verifier, verification=completion_claim, status="disputed", note="Chưa xong")

    verification_decide(actor=verifier, verification=completion_claim, status="confirmed", note="")

    ba_dinh_assignment.refresh_from_db()
    assert ba_dinh_assignment.disputed is False
    assert ba_dinh_assignment.completed_on == timezone.localdate(completion_claim.report.submitted_at)


@pytest.mark.parametrize(
    ("status", "note", "field"),
    [("disputed", "  ", "note"), ("pending", "x", "status"), ("maybe", "x", "status")],
)
def test_verification_decide_refuses_an_incomplete_finding(
    verifier, completion_claim, ba_dinh_assignment, status, note, field
):
    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        verification_decide(actor=verifier, verification=completion_claim, status=status, note=note)

    assert field in refused.value.fields
    completion_claim.refresh_from_db()
    assert completion_claim.status == VerificationStatus.PENDING
    ba_dinh_assignment.refresh_from_db()
    assert ba_dinh_assignment.completed_on is not None


@pytest.mark.parametrize(
    ("role", "unit_code"),
    [(Role.ADMIN, ROOT), (Role.LEADER, ROOT), (Role.LEADER, HANOI), (Role.VERIFIER, HO_CHI_MINH)],
)
def test_verification_decide_belongs_to_verifiers(user_with_role, completion_claim, role, unit_code):
    user = user_with_role(role, unit_code)

    with nothing_stored(denial_recorded=True), pytest.raises(PermissionDenied):
        verification_decide(actor=user, verification=completion_claim, status="disputed", note="Không đúng")


# --- judgement_record ----------------------------------------------------------------------------


def computed_status(assignment: Assignment) -> tuple[str, str, str]:
    today = timezone.localdate()
    row = annotate_status(Assignment.objects.filter(pk=assignment.pk), today).get()
    return (row.status_code, row.colour_code, row.reason_code)


@pytest.mark.parametrize("unit_code", [HANOI, BA_DINH])
def test_a_leader_records_a_judgement_beside_the_computed_status(
    user_with_role, officer, ba_dinh_assignment, unit_code
):
    leader = user_with_role(Role.LEADER, unit_code)
    submit(officer, ba_dinh_assignment, period=months_ago(0), progress=30)
    status_before = computed_status(ba_dinh_assignment)
    facts_before = Assignment.objects.filter(pk=ba_dinh_assignment.pk).values().get()

    judgement = judgement_record(
        actor=leader, assignment=ba_dinh_assignment, colour=Colour.RED, reason=" Chậm giải ngân "
    )

    assert (judgement.colour, judgement.reason, judgement.judged_by) == (Colour.RED, "Chậm giải ngân", leader)
    [event] = audit_of(judgement)
    assert (event.action, event.after) == (AuditAction.CREATE, {"colour": "red"})
    assert event.reason.strip() == "Chậm giải ngân"
    assert computed_status(ba_dinh_assignment) == status_before
    assert Assignment.objects.filter(pk=ba_dinh_assignment.pk).values().get() == facts_before


@pytest.mark.parametrize(
    ("role", "unit_code"),
    [(Role.OFFICER, BA_DINH), (Role.ADMIN, ROOT), (Role.VERIFIER, ROOT), (Role.LEADER, HOAN_KIEM)],
)
def test_judgement_record_belongs_to_leaders_over_the_unit(
    user_with_role, ba_dinh_assignment, role, unit_code
):
    user = user_with_role(role, unit_code)

    with nothing_stored(denial_recorded=True), pytest.raises(PermissionDenied):
        judgement_record(actor=user, assignment=ba_dinh_assignment, colour=Colour.AMBER, reason="Chậm")


@pytest.mark.parametrize(
    ("colour", "reason", "field"), [("purple", "Chậm", "colour"), ("amber", " ", "reason")]
)
def test_judgement_record_refuses_an_invalid_judgement(
    province_leader, ba_dinh_assignment, colour, reason, field
):
    with nothing_stored(), pytest.raises(ValidationFailed) as refused:
        judgement_record(actor=province_leader, assignment=ba_dinh_assignment, colour=colour, reason=reason)

    assert field in refused.value.fields


# --- input the services let through to the database (bugs, see the reasons) -----------------------


def test_report_submit_refuses_an_indicator_value_too_large_to_store(
    officer, ba_dinh_assignment, indicator_factory
):
    indicator_factory(task=ba_dinh_assignment.task, key="so-ho-so", unit_of_measure="hồ sơ")

    with pytest.raises(ValidationFailed) as refused:
        submit(officer, ba_dinh_assignment, values=[IndicatorValueInput(key="so-ho-so", value=10**15)])

    assert "values.so-ho-so" in refused.value.fields


def test_indicator_define_refuses_a_target_too_large_to_store(admin_user, root_task):
    with pytest.raises(ValidationFailed) as refused:
        define(admin_user, root_task, target="1e15")

    assert "target" in refused.value.fields


def test_report_submit_refuses_an_evidence_link_too_long_to_store(officer, ba_dinh_assignment):
    link = "https://example.vn/" + "a" * 1200

    with pytest.raises(ValidationFailed) as refused:
        submit(officer, ba_dinh_assignment, evidence_links=[link])

    assert "evidence" in refused.value.fields


def test_task_create_refuses_a_code_too_long_to_store(admin_user, plan_factory, unit_by_code):
    with pytest.raises(ValidationFailed) as refused:
        task_create(actor=admin_user, plan=plan_factory(), spec=spec(unit_by_code, code="1." * 21))

    assert "code" in refused.value.fields
