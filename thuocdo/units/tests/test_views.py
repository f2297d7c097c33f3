"""The web pages: browsing, searching, people and roles, and the admin, scoped by role."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from thuocdo.accounts.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db


def test_browse_shows_provinces_and_central_bodies(client: Client) -> None:
    page = client.get("/units/").content.decode()
    assert "Thành phố Hà Nội" in page
    assert "Bộ Khoa học và Công nghệ" in page


def test_province_page_lists_its_communes(client: Client) -> None:
    page = client.get("/units/01/").content.decode()
    assert len(re.findall(r'<li><a href="/units/\d{5}/">', page)) == 126
    assert "Phường Ba Đình" in page


def test_filter_children_without_diacritics_through_htmx(client: Client) -> None:
    response = client.get(
        "/units/01/?loc=hoan+kiem", headers={"HX-Request": "true", "HX-Target": "unit-children"}
    )
    body = response.content.decode()
    assert "Phường Hoàn Kiếm" in body
    assert "<html" not in body
    assert "Xã Ba Vì" not in body


def test_search_page_without_diacritics(client: Client) -> None:
    body = client.get("/units/search/?q=phuong+ba+dinh").content.decode()
    assert "Phường Ba Đình" in body


def test_unknown_unit_is_a_vietnamese_404(client: Client) -> None:
    response = client.get("/units/KHONG-CO/")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


def test_people_pages_are_scoped(client: Client, user_with_role: Callable[..., Any]) -> None:
    officer = user_with_role(Role.OFFICER, "00004")
    assert client.get("/units/00004/people/").status_code == 302  # login first
    client.force_login(officer)
    assert client.get("/units/00004/people/").status_code == 200
    assert client.get("/units/00070/people/").status_code == 403
    assert "Cán bộ và vai trò" not in client.get("/units/00070/").content.decode()
    client.force_login(user_with_role(Role.LEADER, "01"))
    assert client.get("/units/00070/people/").status_code == 200
    assert client.get("/units/79/people/").status_code == 403


def test_grant_form_rejects_unknown_user_in_vietnamese(
    client: Client, user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role(Role.ADMIN, "01"))
    before = RoleAssignment.objects.count()
    response = client.post("/units/00004/people/", {"username": "khong-co", "role": "viewer"})
    assert response.status_code == 400
    assert "Không tìm thấy người dùng" in response.content.decode()
    assert RoleAssignment.objects.count() == before


def test_grant_and_revoke_through_the_pages(
    client: Client, user_with_role: Callable[..., Any], user_factory: Any
) -> None:
    target = user_factory(username="moi")
    client.force_login(user_with_role(Role.ADMIN, "01"))
    response = client.post(
        "/units/00004/people/", {"username": "moi", "role": "officer", "reason": "Phân công"}
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=target)
    client.post(f"/units/roles/{assignment.pk}/revoke/", {"reason": "Chuyển công tác"})
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_officer_cannot_revoke_roles(client: Client, user_with_role: Callable[..., Any]) -> None:
    other = user_with_role(Role.VIEWER, "00004")
    assignment = RoleAssignment.objects.get(user=other)
    client.force_login(user_with_role(Role.OFFICER, "00004"))
    assert client.post(f"/units/roles/{assignment.pk}/revoke/").status_code == 403
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_admin_is_scoped_to_the_operators_subtree(client: Client, user_with_role: Callable[..., Any]) -> None:
    in_scope = user_with_role(Role.VIEWER, "00004")
    out_of_scope = user_with_role(Role.VIEWER, "79")
    operator = user_with_role(Role.ADMIN, "01", is_staff=True)
    client.force_login(operator)
    changelist = client.get("/admin/accounts/roleassignment/")
    assert changelist.status_code == 200
    body = changelist.content.decode()
    assert in_scope.username in body or str(in_scope) in body
    assert out_of_scope.full_name not in body
    foreign = RoleAssignment.objects.get(user=out_of_scope)
    assert client.get(f"/admin/accounts/roleassignment/{foreign.pk}/change/").status_code in (302, 403, 404)
    assert client.post(
        f"/admin/accounts/roleassignment/{foreign.pk}/delete/", {"post": "yes"}
    ).status_code in (
        302,
        403,
        404,
    )
    assert RoleAssignment.objects.filter(pk=foreign.pk).exists()
    units = client.get("/admin/units/unit/?q=ba+dinh").content.decode()
    assert "Phường Ba Đình" in units
    assert client.get("/admin/units/unit/?q=sai+gon").content.decode().count("Phường Sài Gòn") == 0


def test_audit_log_is_read_only_in_the_admin(client: Client, user_with_role: Callable[..., Any]) -> None:
    client.force_login(user_with_role(Role.ADMIN, "BCDTW", is_staff=True))
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


def test_superuser_edits_in_the_admin_user_form_are_audited(client: Client, user_factory: Any) -> None:
    from thuocdo.audit.models import AuditAction, AuditEvent

    superuser = user_factory(username="sieu", is_superuser=True, is_staff=True)
    target = user_factory(username="sua", full_name="Tên cũ")
    client.force_login(superuser)
    response = client.post(
        f"/admin/accounts/user/{target.pk}/change/",
        {
            "username": "sua",
            "full_name": "Tên mới",
            "email": target.email,
            "phone": "",
            "position": "",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "22/11/2026",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(target.pk)).latest("id")
    assert event.before == {"full_name": "Tên cũ"}
    assert event.after == {"full_name": "Tên mới"}
