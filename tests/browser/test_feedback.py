"""End-to-end: a citizen without an account files a recommendation about mobile coverage
in a named commune; it lands at that province with a stated reason; the province answers
after the deadline and the escalation shows in the Standing Office's view; the citizen
rates the answer; the public page shows the answer and times, never the contact."""

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2026!"
EMAIL = "tran.minh.chau@example.vn"
ANSWER = "Sở Khoa học và Công nghệ đã yêu cầu nhà mạng lắp trạm phát sóng mới tại tổ dân phố số 7."


@pytest.fixture
def scene(units_loaded: None) -> None:
    from thuocdo.accounts.models import Role, RoleAssignment, User
    from thuocdo.feedback.config import topics_load
    from thuocdo.units.models import Unit
    from thuocdo.workdays.services import calendar_seed

    topics_load()
    from django.utils import timezone

    year = timezone.localdate().year
    calendar_seed(years=[year - 1, year, year + 1])
    units = {u.code: u for u in Unit.objects.filter(code__in=["BCDTW", "01"])}
    for username, full_name, role, code in [
        ("vanphong", "Nguyễn Thị Thu Hà", Role.ADMIN, "BCDTW"),
        ("canbo.hanoi", "Đinh Văn Long", Role.OFFICER, "01"),
        ("lanhdao.hanoi", "Phạm Văn Đức", Role.LEADER, "01"),
    ]:
        user = User.objects.create_user(
            username=username, password=PASSWORD, full_name=full_name, email=f"{username}@example.vn"
        )
        RoleAssignment.objects.create(user=user, unit=units[code], role=role)


def log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/$"))


def test_citizen_files_province_answers_late_office_sees_escalation_citizen_rates(
    browser: Any, live_server: Any, scene: None
) -> None:
    from thuocdo.feedback.models import Case, Item
    from thuocdo.feedback.services import cases_sweep

    def new_page() -> Any:
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        context.set_default_timeout(15_000)
        return context.new_page()

    citizen = new_page()
    citizen.goto("/feedback/")
    citizen.get_by_label("Kiến nghị", exact=True).check()
    citizen.get_by_label("Lĩnh vực").select_option(label="Hạ tầng viễn thông, sóng di động, Internet")
    citizen.get_by_label("Tiêu đề").fill("Đề nghị phủ sóng di động cho tổ dân phố số 7")
    citizen.locator("textarea[name=body]").fill(
        "Tổ dân phố số 7 gần như không có sóng 4G, người dân không dùng được dịch vụ công trực tuyến."
    )
    citizen.get_by_label("Tỉnh, thành phố").select_option(label="Thành phố Hà Nội")
    commune = citizen.get_by_label("Xã, phường, đặc khu")
    expect(commune.locator("option", has_text="Phường Ba Đình")).to_have_count(1)
    commune.select_option(label="Phường Ba Đình")
    citizen.get_by_label("Họ và tên").fill("Trần Minh Châu")
    citizen.get_by_label("Thư điện tử").fill(EMAIL)
    citizen.get_by_label(re.compile("Tôi đã đọc và đồng ý")).check()
    citizen.get_by_role("button", name=re.compile("Gửi")).last.click()
    expect(citizen.get_by_role("heading", name="Đã gửi thành công")).to_be_visible()
    code = Item.objects.get().tracking_code
    expect(citizen.locator(".stat-value")).to_have_attribute("aria-label", code)
    expect(citizen.locator(".facts")).to_contain_text("Thành phố Hà Nội")

    case = Case.objects.get()
    assert case.unit is not None and case.unit.code == "01"
    # Time passes: the case was received four weeks ago and the deadline is gone.
    shift = timedelta(days=28)
    Case.objects.filter(pk=case.pk).update(
        received_at=case.received_at - shift,
        assigned_at=case.assigned_at - shift,
        answer_due_at=case.answer_due_at - shift,
        transfer_due_at=case.transfer_due_at - shift,
    )
    assert cases_sweep().escalated == 1

    officer = new_page()
    log_in(officer, "canbo.hanoi")
    officer.goto(f"/feedback/desk/cases/{case.pk}/")
    expect(officer.get_by_text(re.compile("Ba Đình")).first).to_be_visible()  # the stated reason
    officer.get_by_label(re.compile("Nội dung trả lời")).fill(ANSWER)
    officer.get_by_role("button", name="Gửi trả lời").click()
    expect(officer.get_by_text("Đã gửi trả lời.")).to_be_visible()
    expect(officer.get_by_text("quá hạn").first).to_be_visible()

    office = new_page()
    log_in(office, "vanphong")
    office.goto("/feedback/desk/escalations/")
    row = office.locator("tr", has_text="Đề nghị phủ sóng di động cho tổ dân phố số 7")
    expect(row).to_contain_text("Thành phố Hà Nội")
    row.get_by_role("link").first.click()
    office.get_by_label("Nội dung công khai").fill(
        "Kiến nghị phủ sóng 4G tại tổ dân phố số 7, phường Ba Đình."
    )
    office.get_by_role("button", name="Công khai").click()
    expect(office.get_by_text("Đã công khai kết quả.")).to_be_visible()

    citizen.goto(f"/feedback/track/{code.lower().replace('-', ' ')}/")
    expect(citizen.get_by_text(ANSWER)).to_be_visible()
    citizen.get_by_label("4", exact=True).check()
    citizen.get_by_role("button", name="Gửi đánh giá").click()
    expect(citizen.get_by_text(re.compile("Bạn đã đánh giá 4/5"))).to_be_visible()

    public = new_page()
    public.goto(f"/feedback/answers/{case.pk}/")
    expect(public.get_by_text(ANSWER)).to_be_visible()
    expect(public.get_by_text("Thành phố Hà Nội").first).to_be_visible()
    html = public.content()
    assert EMAIL not in html
    assert "Trần Minh Châu" not in html
    assert code not in html
