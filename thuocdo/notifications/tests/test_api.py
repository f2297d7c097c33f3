"""/api/v1/notifications: my notifications, paginated, unread filter, mark read."""

from typing import Any

import pytest
from django.test import Client

from thuocdo.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


def test_my_notifications_paginated_with_an_unread_filter(
    client: Client, user_factory: Any, notification_factory: Any
) -> None:
    user, other = user_factory(), user_factory()
    read = notification_factory(user=user, subject="Đã đọc")
    read.read_at = read.created_at
    read.save()
    unread = notification_factory(user=user, subject="Chưa đọc")
    notification_factory(user=other)
    client.force_login(user)
    body = client.get(URL).json()
    assert body["count"] == 2
    assert [item["subject"] for item in body["items"]] == ["Chưa đọc", "Đã đọc"]
    assert body["items"][0]["is_read"] is False
    assert body["items"][0]["id"] == unread.pk
    unread_only = client.get(URL + "?unread=true").json()
    assert [item["id"] for item in unread_only["items"]] == [unread.pk]
    page = client.get(URL + "?limit=1&offset=1").json()
    assert [item["id"] for item in page["items"]] == [read.pk]
    assert client.get(URL + "/unread-count").json() == {"unread": 1}


def test_mark_read_through_the_api_with_a_token(user_factory: Any, notification_factory: Any) -> None:
    user, other = user_factory(), user_factory()
    mine = notification_factory(user=user)
    theirs = notification_factory(user=other)
    _token, secret = api_token_create(actor=user, name="tích hợp")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post(f"{URL}/{mine.pk}/read")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert response.json()["read_at"] is not None
    missing = client.post(f"{URL}/{theirs.pk}/read")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_mark_all_read(client: Client, user_factory: Any, notification_factory: Any) -> None:
    user = user_factory()
    notification_factory.create_batch(2, user=user)
    client.force_login(user)
    assert client.post(URL + "/read-all").json() == {"marked": 2}
    assert client.get(URL + "/unread-count").json() == {"unread": 0}


def test_the_api_needs_a_person(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
