"""The operators' page: the year at a glance, the form with its Vietnamese errors, and who
sees and may use it."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from thuocdo.workdays.models import CalendarDay, DaySource

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]
YEAR_URL = "/ops/calendar/2026/"
SET_URL = "/ops/calendar/2026/days/"


def test_the_page_needs_login(client_for) -> None:
    response = client_for(None).get(YEAR_URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_index_opens_this_year(client_for, root_admin) -> None:
    response = client_for(root_admin).get("/ops/calendar/")
    assert response.status_code == 302
    assert response["Location"] == f"/ops/calendar/{timezone.localdate().year}/"


def test_the_year_view_shows_twelve_months_tet_and_the_make_up_saturday(client_for, root_admin) -> None:
    response = client_for(root_admin).get(YEAR_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="calendar-month"') == 12
    assert "Tháng 2" in html
    assert 'class="day-holiday" title="Tết Nguyên Đán"' in html
    assert 'class="day-makeup" title="Ngày làm bù (cho ngày nghỉ 31/08/2026)"' in html
    assert "17/02/2026" in html
    assert 'id="day-form"' in html
    assert 'href="/ops/calendar/"' in html  # the nav link


def test_someone_who_may_not_edit_sees_the_calendar_without_the_form(client_for, province_admin) -> None:
    response = client_for(province_admin).get(YEAR_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="day-form"' not in html
    assert "Trả về lệ thường" not in html
    assert 'href="/ops/calendar/"' not in html


def test_adding_a_day_redirects_and_shows_it(client_for, root_admin) -> None:
    client = client_for(root_admin)
    response = client.post(SET_URL, {"day": "06/03/2026", "kind": "off", "name": "Nghỉ đột xuất"})
    assert response.status_code == 302
    item = CalendarDay.objects.get(day=date(2026, 3, 6))
    assert (item.is_working, item.source) == (False, DaySource.OPERATOR)
    assert "Đã lưu ngày 06/03/2026." in client.get(YEAR_URL).content.decode()


def test_the_form_is_prefilled_to_change_a_day(client_for, root_admin) -> None:
    html = client_for(root_admin).get(YEAR_URL, {"day": "2026-08-22"}).content.decode()
    assert 'value="2026-08-22"' in html
    assert 'value="Ngày làm bù (cho ngày nghỉ 31/08/2026)"' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2027-03-05", "kind": "off", "name": "Nghỉ"}, "không thuộc năm 2026"),
        ({"day": "2026-03-06", "kind": "off", "name": ""}, "Cần nhập tên ngày"),
        ({"day": "2026-03-06", "kind": "working", "name": "Làm bù"}, "vốn là ngày làm việc"),
        ({"day": "2026-03-07", "kind": "off", "name": "Nghỉ"}, "vốn là ngày nghỉ"),
        ({"day": "31/02/2026", "kind": "off", "name": "Nghỉ"}, "Ngày không hợp lệ"),
        ({"day": "", "kind": "off", "name": "Nghỉ"}, "Cần chọn ngày"),
        ({"day": "2026-03-06", "kind": "holiday", "name": "Nghỉ"}, "Loại ngày không hợp lệ"),
    ],
)
def test_bad_input_shows_a_vietnamese_error_and_changes_nothing(
    client_for, root_admin, data, message
) -> None:
    count = CalendarDay.objects.count()
    response = client_for(root_admin).post(SET_URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert CalendarDay.objects.count() == count


def test_resetting_a_day(client_for, root_admin) -> None:
    client = client_for(root_admin)
    response = client.post("/ops/calendar/2026/days/2026-11-24/reset/")
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(day=date(2026, 11, 24)).exists()
    assert client.post("/ops/calendar/2026/days/2026-11-24/reset/").status_code == 404
    assert client.post("/ops/calendar/2026/days/2027-01-01/reset/").status_code == 404
    assert client.post("/ops/calendar/2026/days/không-phải-ngày/reset/").status_code == 404


def test_a_province_administrator_cannot_post(client_for, province_admin) -> None:
    client = client_for(province_admin)
    assert client.post(SET_URL, {"day": "2026-03-06", "kind": "off", "name": "Nghỉ"}).status_code == 403
    assert client.post("/ops/calendar/2026/days/2026-02-17/reset/").status_code == 403
    assert not CalendarDay.objects.filter(day=date(2026, 3, 6)).exists()
    assert CalendarDay.objects.filter(day=date(2026, 2, 17)).exists()


def test_a_year_outside_the_calendar_is_an_error_page(client_for, root_admin) -> None:
    assert client_for(root_admin).get("/ops/calendar/1990/").status_code == 422
