"""End-to-end: what a newcomer does first, in a real Chromium."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2026!"


@pytest.fixture
def commune_officer(units_loaded: None) -> Any:
    from thuocdo.accounts.models import Role, RoleAssignment, User
    from thuocdo.units.models import Unit

    user = User.objects.create_user(username="canbo.badinh", password=PASSWORD, full_name="Hoàng Văn Nam")
    RoleAssignment.objects.create(user=user, unit=Unit.objects.get(code="00004"), role=Role.OFFICER)
    return user


def test_demo_user_logs_in_and_sees_their_role(page: Any, commune_officer: Any) -> None:
    page.goto("/")
    page.get_by_role("link", name="Đăng nhập").click()
    page.get_by_label("Tên đăng nhập").fill("canbo.badinh")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Hoàng Văn Nam").click()
    assert page.get_by_text("Cán bộ").first.is_visible()
    assert page.get_by_role("link", name="Phường Ba Đình").is_visible()


def test_wrong_password_shows_a_vietnamese_error(page: Any, commune_officer: Any) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("canbo.badinh")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text(re.compile("mật khẩu chính xác", re.IGNORECASE))).to_be_visible()


def test_browse_from_the_nation_to_the_communes_of_ha_noi(page: Any, units_loaded: None) -> None:
    page.goto("/units/")
    page.get_by_role("link", name="Thành phố Hà Nội").click()
    page.wait_for_url(re.compile(r"/units/01/$"))
    assert page.get_by_role("heading", name="Thành phố Hà Nội", level=1).is_visible()
    communes = page.locator(".unit-grid li")
    assert communes.count() == 126
    page.get_by_role("link", name="Phường Ba Đình").click()
    page.wait_for_url(re.compile(r"/units/00004/$"))
    assert (
        page.get_by_role("navigation", name="Vị trí trong cây đơn vị")
        .get_by_role("link", name="Hà Nội")
        .is_visible()
    )


def test_filter_communes_without_diacritics(page: Any, units_loaded: None) -> None:
    page.goto("/units/01/")
    page.get_by_label("Lọc đơn vị trực thuộc (không cần dấu)").fill("hoan kiem")
    # Communes that took in wards of the former Hoàn Kiếm district match too, through their old names.
    expect(page.get_by_role("link", name="Xã Ba Vì")).to_have_count(0)
    expect(page.get_by_role("link", name="Phường Hoàn Kiếm")).to_be_visible()
    assert page.locator(".unit-grid li").count() < 10


def test_find_a_commune_by_a_search_typed_without_diacritics(page: Any, units_loaded: None) -> None:
    page.goto("/")
    page.get_by_label(re.compile("Tên đơn vị, tên cũ hoặc mã")).fill("phuong ba dinh")
    result = page.locator("#search-results").get_by_role("link", name="Phường Ba Đình")
    result.wait_for()
    result.click()
    page.wait_for_url(re.compile(r"/units/00004/$"))
    assert page.get_by_role("heading", name="Phường Ba Đình", level=1).is_visible()


def test_switch_language_to_english_and_back(page: Any, units_loaded: None) -> None:
    page.goto("/units/")
    assert page.get_by_role("link", name="Đơn vị", exact=True).is_visible()
    page.get_by_label("Ngôn ngữ").select_option("en")
    page.get_by_role("button", name="Đổi ngôn ngữ").click()
    page.get_by_role("link", name="Units", exact=True).wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Language").select_option("vi")
    page.get_by_role("button", name="Change language").click()
    page.get_by_role("link", name="Đơn vị", exact=True).wait_for()


def test_phone_screen_has_no_horizontal_scroll(browser: Any, live_server: Any, units_loaded: None) -> None:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    phone = context.new_page()
    phone.goto("/units/01/")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 0
