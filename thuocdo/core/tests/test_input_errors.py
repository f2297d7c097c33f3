"""The API's field errors speak the reader's language and name the field."""

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from thuocdo.core.input_errors import field_errors, field_message, field_name


def test_each_source_is_dropped_from_the_field_name() -> None:
    assert field_name(("body", "payload", "title")) == "title"
    assert field_name(("body", "payload", "body")) == "body"  # a field called "body"
    assert field_name(("body", "payload", "items", 2, "code")) == "items.2.code"
    assert field_name(("body", "name")) == "name"
    assert field_name(("query", "limit")) == "limit"
    assert field_name(("form", "topic")) == "topic"
    assert field_name(()) == "__all__"


@pytest.mark.parametrize(
    ("error", "vietnamese"),
    [
        ({"type": "missing", "msg": "Field required"}, "Trường này là bắt buộc."),
        ({"type": "string_too_long", "ctx": {"max_length": 200}, "msg": "…"}, "Tối đa 200 ký tự."),
        ({"type": "less_than_equal", "ctx": {"le": 10}, "msg": "…"}, "Cần nhỏ hơn hoặc bằng 10."),
        (
            {"type": "literal_error", "ctx": {"expected": "'a', 'b' or 'c'"}, "msg": "…"},
            "Giá trị không hợp lệ; chọn một trong: 'a', 'b', 'c'.",
        ),
        ({"type": "value_error", "msg": "Value error, Mã không hợp lệ."}, "Mã không hợp lệ."),
        ({"type": "some_new_type", "msg": "Something else"}, "Something else"),
    ],
)
def test_messages_come_from_the_catalogue(error: dict[str, Any], vietnamese: str) -> None:
    with translation.override("vi"):
        assert field_message(error) == vietnamese


def test_english_readers_get_english() -> None:
    with translation.override("en"):
        assert field_errors([{"type": "missing", "loc": ("query", "text"), "msg": "x"}]) == {
            "text": ["This field is required."]
        }
        assert field_message({"type": "string_too_short", "ctx": {"min_length": 10}}) == (
            "At least 10 characters are needed."
        )


@pytest.mark.django_db
def test_a_bad_submission_gets_vietnamese_field_errors(client: Client) -> None:
    response = client.post(
        "/api/v1/feedback/items", data='{"kind": 5, "latitude": "abc"}', content_type="application/json"
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["kind"] == ["Cần một chuỗi ký tự."]
    assert fields["body"] == fields["title"] == ["Trường này là bắt buộc."]
    assert fields["latitude"] == ["Cần một số."]
    assert "__all__" not in fields


@pytest.mark.django_db
def test_a_body_that_is_not_json_gets_a_clear_error(client: Client) -> None:
    response = client.post("/api/v1/feedback/items", data="{bad json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "bad_request",
        "message": "Không đọc được nội dung yêu cầu: JSON hoặc biểu mẫu không hợp lệ.",
    }
