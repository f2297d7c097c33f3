"""The units, roles, tokens and audit endpoints over HTTP: scoping, errors, query counts."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from thuocdo.accounts.models import Role, RoleAssignment
from thuocdo.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def api_get(client: Client, url: str, **extra: Any) -> Any:
    return client.get(f"/api/v1{url}", **extra)


def test_lists_provinces_and_the_communes_of_a_province(client: Client) -> None:
    provinces = api_get(client, "/units?level=province&limit=100").json()
    assert provinces["count"] == 34
    communes = api_get(client, "/units?level=commune&parent=01&limit=500").json()
    assert communes["count"] == 126
    assert all(item["parent_code"] == "01" for item in communes["items"])


def test_unit_list_query_count_does_not_grow_with_page_size(
    client: Client, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    with django_assert_max_num_queries(3):
        response = api_get(client, "/units?level=commune&limit=500")
    assert len(response.json()["items"]) == 500


def test_search_ignores_diacritics_and_finds_legacy_names(client: Client) -> None:
    hits = api_get(client, "/units/search?q=phuong%20ba%20dinh").json()
    assert hits[0]["unit"]["code"] == "00004"
    legacy = api_get(client, "/units/search?q=huy%E1%BB%87n%20Ba%20V%C3%AC").json()
    assert legacy[0]["unit"]["code"] == "01"
    assert legacy[0]["matched_alias"]["kind"] == "legacy_district"


def test_unit_detail_has_its_place_in_the_tree(client: Client) -> None:
    body = api_get(client, "/units/00004").json()
    assert body["parent_code"] == "01"
    assert [a["code"] for a in body["ancestors"]] == ["BCDTW", "01"]
    assert "ensure" not in body  # sanity: plain schema, no internals
    hanoi = api_get(client, "/units/01").json()
    assert hanoi["subtree_counts"]["commune"] == 126


def test_subtree_endpoint(client: Client) -> None:
    body = api_get(client, "/units/01/subtree?level=commune&limit=1").json()
    assert body["count"] == 126


def test_errors_are_structured_json(client: Client) -> None:
    missing = api_get(client, "/units/KHONG-CO")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    bad = api_get(client, "/units?level=planet")
    assert bad.status_code == 422
    assert bad["Content-Type"].startswith("application/json")
    assert "level" in bad.json()["error"]["fields"]
    unauthenticated = api_get(client, "/me")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "unauthenticated"


def test_roles_of_a_unit_are_scoped(client: Client, user_with_role: Callable[..., Any]) -> None:
    officer = user_with_role(Role.OFFICER, "00004")
    user_with_role(Role.OFFICER, "00070")
    client.force_login(officer)
    own = api_get(client, "/units/00004/roles")
    assert own.status_code == 200
    assert [r["username"] for r in own.json()] == [officer.username]
    other = api_get(client, "/units/00070/roles")
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "forbidden"
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, actor=officer, unit__code="00070"
    ).exists()


def test_province_leader_sees_people_of_every_commune_of_the_province_only(
    client: Client, user_with_role: Callable[..., Any]
) -> None:
    leader = user_with_role(Role.LEADER, "01")
    user_with_role(Role.OFFICER, "00070")
    client.force_login(leader)
    assert api_get(client, "/units/00070/roles").status_code == 200
    assert api_get(client, "/units/79/roles").status_code == 403


def test_grant_through_the_api_requires_admin_and_changes_nothing_when_refused(
    client: Client, user_with_role: Callable[..., Any], user_factory: Any
) -> None:
    target = user_factory(username="nguoimoi")
    officer = user_with_role(Role.OFFICER, "00004")
    client.force_login(officer)
    payload = json.dumps({"username": "nguoimoi", "role": "leader"})
    refused = client.post("/api/v1/units/00004/roles", payload, content_type="application/json")
    assert refused.status_code == 403
    assert not RoleAssignment.objects.filter(user=target).exists()

    admin = user_with_role(Role.ADMIN, "01")
    client.force_login(admin)
    granted = client.post("/api/v1/units/00004/roles", payload, content_type="application/json")
    assert granted.status_code == 201, granted.content
    assert granted.json()["unit"]["code"] == "00004"
    assert RoleAssignment.objects.filter(user=target, unit__code="00004", role=Role.LEADER).exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ('{"username": "nguoimoi", "role": "emperor"}', 422, "validation_error"),
        ('{"username": "khong-ton-tai", "role": "viewer"}', 404, "not_found"),
        ('{"username": "nguoimoi"', 400, "bad_request"),
        ('{"role": "viewer"}', 422, "validation_error"),
    ],
)
def test_bad_grant_input_gets_a_clear_error_and_stores_nothing(
    client: Client, user_with_role: Callable[..., Any], user_factory: Any, body: str, status: int, code: str
) -> None:
    user_factory(username="nguoimoi")
    client.force_login(user_with_role(Role.ADMIN, "01"))
    before = RoleAssignment.objects.count()
    response = client.post("/api/v1/units/00004/roles", body, content_type="application/json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert RoleAssignment.objects.count() == before


def test_token_lifecycle(client: Client, user_with_role: Callable[..., Any]) -> None:
    user = user_with_role(Role.LEADER, "01")
    client.force_login(user)
    created = client.post(
        "/api/v1/tokens", json.dumps({"name": "Đồng bộ tỉnh"}), content_type="application/json"
    )
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("td_")
    assert "token" not in client.get("/api/v1/tokens").json()[0]

    integrator = Client()
    me = integrator.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["roles"][0]["unit"]["code"] == "01"

    revoked = client.delete(f"/api/v1/tokens/{created.json()['id']}")
    assert revoked.status_code == 200
    assert integrator.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_someone_elses_token_cannot_be_revoked(client: Client, user_with_role: Callable[..., Any]) -> None:
    owner = user_with_role(Role.LEADER, "01")
    client.force_login(owner)
    token_id = client.post(
        "/api/v1/tokens", json.dumps({"name": "x"}), content_type="application/json"
    ).json()["id"]
    client.force_login(user_with_role(Role.ADMIN, "BCDTW"))
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 404


def test_audit_api_is_read_only_and_scoped(client: Client, user_with_role: Callable[..., Any]) -> None:
    admin = user_with_role(Role.ADMIN, "BCDTW")
    client.force_login(admin)
    for code in ("00004", "79"):
        client.post(
            f"/api/v1/units/{code}/roles",
            json.dumps({"username": admin.username, "role": "viewer"}),
            content_type="application/json",
        )
    client.force_login(user_with_role(Role.LEADER, "01"))
    events = client.get("/api/v1/audit/events?action=permission_grant").json()["items"]
    assert {e["unit_code"] for e in events} == {"00004"}
    assert client.post("/api/v1/audit/events", "{}", content_type="application/json").status_code == 405
    client.force_login(user_with_role(Role.OFFICER, "00004"))
    assert client.get("/api/v1/audit/events").status_code == 403
