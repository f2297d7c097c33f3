"""The admin edits strategic areas and rubrics through the services: weights are checked
together, and only root administrators may change anything."""

from typing import Any

import pytest
from django.test import Client

from thuocdo.accounts.models import Role
from thuocdo.audit.models import AuditEvent
from thuocdo.initiatives.models import Rubric, StrategicArea

pytestmark = pytest.mark.django_db


def rubric_post(weights: list[int]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Bộ tiêu chí 2026",
        "make_active": "on",
        "criteria-TOTAL_FORMS": str(len(weights)),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for i, weight in enumerate(weights):
        data |= {
            f"criteria-{i}-order": str(i),
            f"criteria-{i}-code": f"tieu-chi-{i}",
            f"criteria-{i}-name": f"Tiêu chí {i}",
            f"criteria-{i}-weight": str(weight),
            f"criteria-{i}-description": "",
        }
    return data


@pytest.fixture
def staff_admin(user_with_role: Any) -> Any:
    return user_with_role(Role.ADMIN, "BCDTW", is_staff=True)


def test_a_rubric_whose_weights_do_not_sum_to_100_is_refused(client: Client, staff_admin: Any) -> None:
    client.force_login(staff_admin)
    response = client.post("/admin/initiatives/rubric/add/", rubric_post([50, 40]))
    assert response.status_code == 200
    assert "Tổng trọng số phải bằng 100 (hiện là 90)." in response.content.decode()
    assert Rubric.objects.count() == 1


def test_a_new_rubric_is_saved_through_the_service_and_becomes_active(
    client: Client, staff_admin: Any
) -> None:
    client.force_login(staff_admin)
    response = client.post("/admin/initiatives/rubric/add/", rubric_post([60, 40]))
    assert response.status_code == 302
    active = Rubric.objects.get(is_active=True)
    assert active.name == "Bộ tiêu chí 2026"
    assert [c.weight for c in active.criteria.all()] == [60, 40]
    assert AuditEvent.objects.filter(object_type="initiatives.rubric", object_id=str(active.pk)).exists()


def test_areas_are_edited_by_root_administrators_only(
    client: Client, staff_admin: Any, user_with_role: Any
) -> None:
    area = StrategicArea.objects.get(code="ban-dan")
    client.force_login(user_with_role(Role.OFFICER, "BCDTW", is_staff=True))
    assert client.post(f"/admin/initiatives/strategicarea/{area.pk}/change/", {}).status_code == 403
    client.force_login(staff_admin)
    response = client.post(
        f"/admin/initiatives/strategicarea/{area.pk}/change/",
        {"name": "Công nghiệp bán dẫn, vi mạch", "description": "", "order": "50", "is_active": "on"},
    )
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.name == "Công nghiệp bán dẫn, vi mạch"
    assert area.code == "ban-dan"
