"""Similar cases: the trigram measure, duplicates found on every database (run on SQLite
and on PostgreSQL), scopes, and the public endpoint that shows no personal data."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from thuocdo.feedback.models import CaseState, Item
from thuocdo.feedback.services.similar import (
    similar_cases,
    similar_to_text,
    trigram_similarity,
    trigrams,
)

pytestmark = pytest.mark.django_db

SIGNAL = {
    "title": "Mất sóng di động ở phường Ba Đình",
    "body": "Khu dân cư tổ 5 thường xuyên mất sóng 4G vào buổi tối, đề nghị bổ sung trạm phát sóng.",
}
SIGNAL_AGAIN = {
    "title": "Mất sóng điện thoại di động tại phường Ba Đình",
    "body": "Tổ 5 khu dân cư mất sóng 4G thường xuyên buổi tối, đề nghị lắp thêm trạm phát sóng.",
}
UNRELATED = {
    "title": "Hồ sơ sức khỏe điện tử chưa cập nhật",
    "body": "Bệnh viện huyện chưa đồng bộ kết quả khám chữa bệnh lên hồ sơ sức khỏe điện tử của người dân.",
}


def test_the_measure_is_pg_trgm_similarity() -> None:
    # PostgreSQL's documentation: similarity('word', 'two words') = 0.363636.
    assert trigrams("word") == {"  w", " wo", "wor", "ord", "rd "}
    assert trigram_similarity("word", "two words") == pytest.approx(4 / 11)
    assert trigram_similarity("", "words") == 0.0


def test_a_near_duplicate_is_found_and_an_unrelated_case_is_not(submit: Callable[..., Item]) -> None:
    first = submit(**SIGNAL).case
    other = submit(**UNRELATED).case
    again = submit(**SIGNAL_AGAIN).case
    found = similar_cases(case=again)
    assert [case.pk for case in found] == [first.pk]
    assert found[0].similarity >= 0.3  # type: ignore[attr-defined]
    assert other.pk not in [case.pk for case in similar_cases(case=first)]


def test_diacritics_and_case_do_not_matter(submit: Callable[..., Item]) -> None:
    case = submit(**SIGNAL).case
    typed = "MAT SONG DI DONG O PHUONG BA DINH, khu dan cu to 5 thuong xuyen mat song 4G vao buoi toi"
    assert [c.pk for c in similar_to_text(text=typed)] == [case.pk]


def test_scopes_finished_merged_and_published(submit: Callable[..., Item]) -> None:
    case = submit(**SIGNAL).case
    text = f"{SIGNAL_AGAIN['title']} {SIGNAL_AGAIN['body']}"
    case.state = CaseState.ANSWERED
    case.save(update_fields=["state"])
    assert similar_to_text(text=text) == []  # the desk merges into open cases only
    assert similar_to_text(text=text, scope="public") == []  # answered but not published
    case.is_published = True
    case.save(update_fields=["is_published"])
    assert [c.pk for c in similar_to_text(text=text, scope="public")] == [case.pk]
    assert similar_to_text(text=text, exclude_id=case.pk, scope="public") == []


def test_short_or_empty_text_finds_nothing(submit: Callable[..., Item]) -> None:
    submit(**SIGNAL)
    assert similar_to_text(text="") == []
    assert similar_to_text(text="và") == []


def test_the_public_endpoint_shows_no_personal_data(client: Any, submit: Callable[..., Item]) -> None:
    item = submit(**SIGNAL)
    response = client.get(
        "/api/v1/feedback/similar", {"text": f"{SIGNAL_AGAIN['title']} {SIGNAL_AGAIN['body']}"}
    )
    assert response.status_code == 200
    rows = response.json()
    assert [row["id"] for row in rows] == [item.case_id]
    row = rows[0]
    assert set(row) == {
        "id",
        "title",
        "topic",
        "state",
        "state_label",
        "unit",
        "is_published",
        "received_on",
        "similarity",
        "url",
    }
    assert row["title"] is None  # not reviewed for publication yet: no title
    assert row["unit"] == {"code": "01", "name": "Thành phố Hà Nội"}
    raw = response.content.decode()
    assert item.contact_email not in raw and item.contact_name not in raw and item.tracking_code not in raw


def test_the_public_endpoint_refuses_bad_input(client: Any) -> None:
    assert client.get("/api/v1/feedback/similar", {"text": "ngắn"}).status_code in {400, 422}
    assert client.get("/api/v1/feedback/similar").status_code in {400, 422}
    too_many = client.get("/api/v1/feedback/similar", {"text": "mất sóng di động buổi tối", "limit": 50})
    assert too_many.status_code in {400, 422}
    assert "error" in too_many.json()


def test_postgresql_uses_the_trigram_index() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'feedback_case_search_trgm'")
        row = cursor.fetchone()
    assert row is not None and "gin_trgm_ops" in row[0]
