"""The calendar API over HTTP: public reads, the deadline calculator, edits by root
administrators only, and structured errors."""

import json
from datetime import date

import pytest

from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.workdays.models import CalendarDay

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]
URL = "/api/v1/calendar"


def post_day(client, body):
    return client.post(f"{URL}/days", data=json.dumps(body), content_type="application/json")


def test_a_years_days_off_and_make_up_days_are_public(client_for) -> None:
    response = client_for(None).get(f"{URL}/years/2026")
    assert response.status_code == 200
    body = response.json()
    off = {item["day"]: item for item in body["days_off"]}
    assert off["2026-02-17"] == {
        "day": "2026-02-17",
        "is_working": False,
        "kind": "day_off",
        "name": "Tết Nguyên Đán",
        "source": "package",
    }
    assert [item["day"] for item in body["working_weekend_days"]] == ["2026-08-22"]
    assert body["working_weekend_days"][0]["kind"] == "working_weekend"
    assert body["working_days"] == 261 - len(body["days_off"]) + 1
    assert body["initialised_from"].startswith("holidays ")


def test_a_year_outside_the_calendar_is_a_validation_error(client_for) -> None:
    response = client_for(None).get(f"{URL}/years/1990")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert "year" in response.json()["error"]["fields"]


def test_the_deadline_calculator_skips_tet(client_for) -> None:
    client = client_for(None)
    response = client.get(f"{URL}/working-days", {"start": "2026-02-12T14:00:00+07:00", "days": 5})
    assert response.status_code == 200
    assert response.json() == {
        "start": "2026-02-12T14:00:00+07:00",
        "days": 5,
        "end_date": "2026-02-26",
        "deadline": "2026-02-26T23:59:59.999+07:00",
    }
    # Without an offset the time is Vietnam's; an instant in UTC is converted first.
    naive = client.get(f"{URL}/working-days", {"start": "2026-02-12T14:00:00", "days": 5}).json()
    assert naive["deadline"] == "2026-02-26T23:59:59.999+07:00"
    utc = client.get(f"{URL}/working-days", {"start": "2026-03-09T18:00:00Z", "days": 1}).json()
    assert utc["end_date"] == "2026-03-11"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-02-12T14:00:00+07:00", "days": -1}, "days"),
        ({"start": "2026-02-12T14:00:00+07:00", "days": 5000}, "days"),
        ({"start": "ngày mai", "days": 1}, "start"),
        ({"days": 1}, "start"),
        ({"start": "1990-01-01T00:00:00+07:00", "days": 1}, "day"),
    ],
)
def test_bad_calculator_input_is_a_structured_error(client_for, params, field) -> None:
    response = client_for(None).get(f"{URL}/working-days", params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


def test_a_root_administrator_sets_and_resets_a_day(client_for, root_admin) -> None:
    client = client_for(root_admin)
    response = post_day(client, {"day": "2026-02-23", "is_working": False, "name": "Nghỉ Tết bổ sung"})
    assert response.status_code == 200
    assert response.json()["source"] == "operator"
    deadline = client.get(f"{URL}/working-days", {"start": "2026-02-12T14:00:00+07:00", "days": 2}).json()
    assert deadline["end_date"] == "2026-02-24"

    response = client.delete(f"{URL}/days/2026-02-23")
    assert response.status_code == 204
    assert not CalendarDay.objects.filter(day=date(2026, 2, 23)).exists()
    assert client.delete(f"{URL}/days/2026-02-23").json()["error"]["code"] == "not_found"


def test_a_province_administrator_is_refused_and_the_refusal_is_audited(client_for, province_admin) -> None:
    client = client_for(province_admin)
    response = post_day(client, {"day": "2026-03-06", "is_working": False, "name": "Nghỉ"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert client.delete(f"{URL}/days/2026-02-17").status_code == 403
    assert not CalendarDay.objects.filter(day=date(2026, 3, 6)).exists()
    assert CalendarDay.objects.filter(day=date(2026, 2, 17)).exists()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=province_admin).count() == 2


def test_writing_needs_authentication(client_for) -> None:
    response = post_day(client_for(None), {"day": "2026-03-06", "is_working": False, "name": "Nghỉ"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day": "2026-03-06", "is_working": False, "name": ""}, "name"),
        ({"day": "2026-03-06", "is_working": True, "name": "Làm bù"}, "is_working"),
        ({"day": "2026-03-07", "is_working": False, "name": "Nghỉ"}, "is_working"),
        ({"day": "06/03/2026", "is_working": False, "name": "Nghỉ"}, "day"),
        ({"is_working": False, "name": "Nghỉ"}, "day"),
    ],
)
def test_bad_edits_are_structured_errors_and_change_nothing(client_for, root_admin, body, field) -> None:
    count = CalendarDay.objects.count()
    response = post_day(client_for(root_admin), body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert CalendarDay.objects.count() == count
