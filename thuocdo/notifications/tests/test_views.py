"""The pages: my notifications with the bell and htmx mark-read, and the operator view of
deliveries (failed first, addresses only for the root, resend audited)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client, RequestFactory

from thuocdo.accounts.models import Role, User
from thuocdo.audit.models import AuditAction, AuditEvent
from thuocdo.notifications.models import DeliveryStatus
from thuocdo.notifications.tasks import email_delivery_send

pytestmark = pytest.mark.django_db

LIST = "/notifications/"
OPS = "/ops/notifications/"


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_my_notifications_and_the_bell(client: Client, user_factory: Any, notification_factory: Any) -> None:
    user, other = user_factory(), user_factory()
    notification_factory(user=user, subject="Phản ánh mới ở Ba Đình")
    notification_factory(user=user, subject="Sáng kiến đã được thẩm định")
    notification_factory(user=other, subject="Không phải của bạn")
    response = signed_in(client, user).get(LIST)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Phản ánh mới ở Ba Đình" in content
    assert "Sáng kiến đã được thẩm định" in content
    assert "Không phải của bạn" not in content
    assert 'id="notification-bell"' in content
    assert '<span class="badge badge-red"><span class="visually-hidden">chưa đọc: </span>2</span>' in content


def test_the_bell_costs_one_query(
    client: Client, user_factory: Any, notification_factory: Any, django_assert_num_queries: Any
) -> None:

    user = user_factory()
    notification_factory(user=user)
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load notifications %}{% notification_bell %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request}))
    assert ">1</span>" in html


def test_anonymous_people_are_sent_to_login(client: Client) -> None:
    assert client.get(LIST).status_code == 302
    assert client.get(OPS).status_code == 302


def test_mark_read_with_htmx_updates_the_item_and_the_bell(
    client: Client, user_factory: Any, notification_factory: Any
) -> None:
    user = user_factory()
    first, _second = notification_factory.create_batch(2, user=user)
    response = signed_in(client, user).post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in content
    assert "Đánh dấu đã đọc" not in content
    assert 'hx-swap-oob="true"' in content
    assert ">1</span>" in content  # one unread left
    first.refresh_from_db()
    assert first.read_at is not None


def test_mark_read_without_htmx_redirects_and_someone_elses_is_not_found(
    client: Client, user_factory: Any, notification_factory: Any
) -> None:
    user, other = user_factory(), user_factory()
    mine = notification_factory(user=user)
    theirs = notification_factory(user=other)
    signed_in(client, user)
    assert client.post(f"/notifications/{mine.pk}/read/").status_code == 302
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{mine.pk}/read/").status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client: Client, user_factory: Any, notification_factory: Any) -> None:
    user = user_factory()
    notification_factory.create_batch(3, user=user)
    response = signed_in(client, user).post("/notifications/read-all/", follow=True)
    assert "Đã đánh dấu 3 thông báo là đã đọc." in response.content.decode()
    assert user.notifications.filter(read_at__isnull=True).count() == 0
    unread_page = client.get(LIST + "?unread=1").content.decode()
    assert "Không có thông báo nào." in unread_page


def test_a_failed_delivery_shows_first_with_its_error_for_the_root(
    client: Client, root_admin: User, email_delivery_factory: Any, flaky_mail: Any
) -> None:
    email_delivery_factory(status=DeliveryStatus.SENT, to_address="dagui@example.vn")
    failing = email_delivery_factory(to_address="nguoidan@gmail.com", subject="Phản ánh PA-7K3M đã tiếp nhận")
    flaky_mail.failures = 100
    email_delivery_send.enqueue(failing.pk)
    response = signed_in(client, root_admin).get(OPS)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.index("nguoidan@gmail.com") < content.index("dagui@example.vn")
    assert "Gửi thất bại" in content
    assert "ConnectionRefusedError" in content
    assert "Gửi lại" in content
    assert "Thư thông báo" in content  # the navigation link


def test_addresses_are_hidden_from_operators_below_the_root(
    client: Client, hanoi_admin: User, email_delivery_factory: Any, hanoi: Any, user_factory: Any
) -> None:
    person = user_factory(full_name="Trần Thị Lãnh Đạo", email="lanhdao@hanoi.gov.vn")
    email_delivery_factory(unit=hanoi, user=person, to_address="lanhdao@hanoi.gov.vn")
    email_delivery_factory(unit=hanoi, to_address="nguoidan@gmail.com", status=DeliveryStatus.FAILED)
    content = signed_in(client, hanoi_admin).get(OPS).content.decode()
    assert "lanhdao@hanoi.gov.vn" not in content
    assert "nguoidan@gmail.com" not in content
    assert "•••@gmail.com" in content
    assert "Trần Thị Lãnh Đạo" in content


def test_the_operator_view_needs_an_administrator(
    client: Client, user_with_role: Callable[..., User]
) -> None:
    leader = user_with_role(Role.LEADER, "BCDTW")
    assert signed_in(client, leader).get(OPS).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=leader).exists()


def test_filters(client: Client, root_admin: User, email_delivery_factory: Any) -> None:
    email_delivery_factory(event="feedback.received", subject="Thư phản ánh")
    email_delivery_factory(event="initiative.reviewed", subject="Thư sáng kiến", status=DeliveryStatus.FAILED)
    signed_in(client, root_admin)
    content = client.get(OPS + "?event=initiative.reviewed").content.decode()
    assert "Thư sáng kiến" in content
    assert "Thư phản ánh" not in content
    content = client.get(OPS + "?status=pending").content.decode()
    assert "Thư phản ánh" in content
    assert "Thư sáng kiến" not in content
    assert client.get(OPS + "?status=bogus").status_code == 400


def test_resend_from_the_operator_view(
    client: Client,
    root_admin: User,
    email_delivery_factory: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    delivery = email_delivery_factory(status=DeliveryStatus.FAILED, attempts=5)
    signed_in(client, root_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ops/notifications/{delivery.pk}/resend/", follow=True)
    assert "vào hàng đợi gửi lại" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(delivery.pk)).count() == 1
    again = client.post(f"/ops/notifications/{delivery.pk}/resend/", follow=True)
    assert "Chỉ gửi lại được thư đã gửi thất bại." in again.content.decode()


def test_resend_of_an_invisible_delivery_is_not_found(
    client: Client, hanoi_admin: User, email_delivery_factory: Any
) -> None:
    delivery = email_delivery_factory(status=DeliveryStatus.FAILED)
    assert signed_in(client, hanoi_admin).post(f"/ops/notifications/{delivery.pk}/resend/").status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
