"""Pinned query counts of the hot paths the national benchmark measures (make
bench-feedback): one submission through the API and the lists handlers and the public
read. A change that adds a query per submission or per listed row fails here."""

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ITEM = {
    "kind": "recommendation",
    "topic": "ha-tang-vien-thong",
    "title": "Mất sóng di động ở phường Ba Đình",
    "body": "Khu dân cư tổ 5 thường xuyên mất sóng 4G vào buổi tối, đề nghị bổ sung trạm phát sóng.",
    "commune": "00004",
    "contact_name": "Nguyễn Văn An",
    "consent": True,
}


def _post(client: Client, n: int) -> Any:
    return client.post(
        "/api/v1/feedback/items",
        {**ITEM, "contact_email": f"an.{n}@example.vn"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"perf-{n}",
    )


def test_one_submission_through_the_api_runs_a_fixed_number_of_queries(
    topics: None, django_assert_num_queries: Any
) -> None:
    client = Client()
    assert _post(client, 0).status_code == 201  # the process's copies are loaded once
    # The key probe, the active-model check; in the transaction (2 statements): the
    # calendar revisions, case, item, history, the receipt e-mail (3, with its savepoint),
    # the unit's handlers and their notices (3), the audit chain (3, last).
    with django_assert_num_queries(17):
        response = _post(client, 1)
    assert response.status_code == 201
    # A retry with the same key reads the stored item instead.
    with django_assert_num_queries(2):
        assert _post(client, 1).status_code == 200
