"""End-to-end: a commune reports, the province sees it live, the centre disputes it, the
public sees progress and responsibility but not the dispute note."""

import re
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2026!"
DISPUTE_NOTE = "Minh chứng không khớp thực tế kiểm tra tại xã"


@pytest.fixture
def scene(units_loaded: None) -> dict[str, Any]:
    from django.utils import timezone

    from thuocdo.accounts.models import Role, RoleAssignment, User
    from thuocdo.delivery.models import DeadlineKind, PlanKind, Program
    from thuocdo.delivery.services import TaskSpec, plan_create, task_cascade, task_create
    from thuocdo.units.models import Unit

    units = {u.code: u for u in Unit.objects.filter(code__in=["BCDTW", "VPTW", "01", "00004"])}

    def person(username: str, full_name: str, role: str, code: str) -> Any:
        user = User.objects.create_user(username=username, password=PASSWORD, full_name=full_name)
        RoleAssignment.objects.create(user=user, unit=units[code], role=role)
        return user

    operator = person("vanphong", "Nguyễn Thị Thu Hà", Role.ADMIN, "BCDTW")
    person("canbo.badinh", "Hoàng Văn Nam", Role.OFFICER, "00004")
    person("lanhdao.hanoi", "Phạm Văn Đức", Role.LEADER, "01")
    person("kiemtra", "Trần Quốc Bảo", Role.VERIFIER, "BCDTW")
    today = timezone.localdate()
    program = Program.objects.create(code="nq57", number="57-NQ/TW", name="Nghị quyết 57")
    plan = plan_create(
        actor=operator,
        program=program,
        kind=PlanKind.DIRECTIVE,
        number="05-TB/BCĐTW",
        title="Thông báo kết luận",
        issuer=units["BCDTW"],
        issued_on=today,
    )
    task = task_create(
        actor=operator,
        plan=plan,
        spec=TaskSpec(
            code="05.4a-X",
            title="Chuyển đổi số phục vụ chính quyền địa phương hai cấp",
            lead_unit=units["VPTW"],
            start_on=today.replace(day=1),
            deadline_kind=DeadlineKind.DATE,
            deadline_on=today.replace(day=1) + relativedelta(years=1),
            assign_lead=False,
        ),
    )
    task_cascade(actor=operator, task=task, group="communes", within=units["01"])
    return {"task": task, "period": today.replace(day=1)}


def log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/$"))


def test_report_goes_live_then_is_disputed_and_the_public_sees_no_note(
    browser: Any, live_server: Any, scene: dict[str, Any], tmp_path: Path
) -> None:
    def new_page() -> Any:
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        context.set_default_timeout(15_000)
        return context.new_page()

    leader = new_page()
    log_in(leader, "lanhdao.hanoi")
    leader.goto("/monitoring/units/01/")
    scorecard = leader.locator("ul.scorecard")
    expect(scorecard).to_have_attribute("data-green", "126")  # nothing due yet: not started counts green
    expect(scorecard).to_have_attribute("data-done-on-time", "0")

    officer = new_page()
    log_in(officer, "canbo.badinh")
    officer.get_by_role("link", name="Nhiệm vụ của tôi").click()
    officer.get_by_role("link", name=re.compile("Chuyển đổi số phục vụ chính quyền")).click()
    evidence = tmp_path / "bien-ban-nghiem-thu.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    officer.get_by_label("Kỳ báo cáo (tháng/năm)").fill(scene["period"].strftime("%m/%Y"))
    officer.get_by_label("Tiến độ hoàn thành (%)").fill("100")
    officer.get_by_label("Kết quả thực hiện").fill("Đã triển khai 100% thủ tục trực tuyến toàn trình.")
    officer.get_by_label(re.compile("Minh chứng")).set_input_files(str(evidence))
    officer.get_by_role("button", name="Gửi báo cáo").click()
    expect(officer.get_by_text("Đã gửi báo cáo tiến độ.")).to_be_visible()
    expect(officer.get_by_role("link", name="bien-ban-nghiem-thu.pdf")).to_be_visible()

    # The province leader's open dashboard changes without a reload: one commune is done on time.
    expect(leader.locator("#dashboard-body ul.scorecard")).to_have_attribute("data-done-on-time", "1")
    expect(leader.locator("#dashboard-body tr", has_text=scene["period"].strftime("%m/%Y"))).to_be_visible()

    verifier = new_page()
    log_in(verifier, "kiemtra")
    verifier.get_by_role("link", name="Kiểm tra").click()
    item = verifier.locator("article", has_text="Phường Ba Đình")
    item.get_by_label("Kết luận").select_option("disputed")
    item.get_by_label("Ghi chú kiểm tra (nội bộ)").fill(DISPUTE_NOTE)
    item.get_by_role("button", name="Ghi kết luận").click()
    expect(verifier.get_by_text("Đã ghi kết luận kiểm tra.")).to_be_visible()

    verifier.goto("/monitoring/")
    attention = verifier.locator("section", has_text="Cần chú ý")
    row = attention.locator("tr", has_text="Phường Ba Đình")
    expect(row).to_contain_text("Có nguy cơ chậm")
    expect(row.locator(".badge-red")).to_be_visible()

    public = new_page()
    public.goto(f"/public/tasks/{scene['task'].pk}/")
    expect(public.get_by_text("Phường Ba Đình").first).to_be_visible()
    expect(public.get_by_text("Văn phòng Trung ương Đảng").first).to_be_visible()
    content = public.content()
    assert "100" in content
    assert DISPUTE_NOTE not in content
    assert "Hoàng Văn Nam" not in content
