"""The public pages: filing, following by code, rating and disputing, published answers,
per-unit figures. Checked through HTTP, on the HTML a visitor receives."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from thuocdo.accounts.models import User
from thuocdo.feedback import views_public
from thuocdo.feedback.models import Attachment, Case, CaseState, Item, KindSetting
from thuocdo.feedback.services import (
    case_accept,
    case_answer,
    case_publish,
    case_transfer,
    item_rate,
)
from thuocdo.feedback.statistics import unit_statistics
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

ANSWER = "Sở Khoa học và Công nghệ đã làm việc với nhà mạng; trạm phát sóng mới hoạt động từ tháng sau."
SUMMARY = "Khu dân cư ở phường Ba Đình mất sóng di động buổi tối; đề nghị bổ sung trạm phát sóng."
PDF = b"%PDF-1.4 test document"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "recommendation",
        "topic": "ha-tang-vien-thong",
        "title": "Mất sóng di động ở phường Ba Đình",
        "body": "Khu dân cư tổ 5 thường xuyên mất sóng 4G vào buổi tối, đề nghị bổ sung trạm phát sóng.",
        "province": "01",
        "commune": "00004",
        "contact_name": "Trần Thị Bình",
        "contact_email": "binh.tran@example.vn",
        "contact_phone": "0912 345 678",
        "consent": "on",
        "idempotency_key": "",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_form(client: Client, **overrides: Any) -> Any:
    return client.post(reverse("feedback:submit"), form_data(**overrides))


def answered(item: Item, officer: User, **publish: Any) -> Case:
    case = case_accept(actor=officer, case=item.case)
    case = case_answer(actor=officer, case=case, answer=ANSWER)
    if publish:
        case = case_publish(actor=publish["by"], case=case, public_summary=SUMMARY)
    return case


# Filing -------------------------------------------------------------------------------


def test_the_form_renders_with_notice_provinces_and_a_fresh_key(client: Client, topics: None) -> None:
    first = client.get(reverse("feedback:submit"))
    second = client.get(reverse("feedback:submit"))
    html = first.content.decode()
    assert first.status_code == 200
    assert "13/2023/NĐ-CP" in html
    assert html.count('<option value="') >= 34 + 4  # provinces, topics
    assert 'name="website"' in html and 'type="hidden" name="website"' not in html
    key = first.context["form"].initial["idempotency_key"]
    assert key and key != second.context["form"].initial["idempotency_key"]


def test_a_valid_submission_gives_a_code_and_the_tracking_page(client: Client, topics: None) -> None:
    response = post_form(client, idempotency_key="k-1")
    assert response.status_code == 302
    item = Item.objects.get()
    assert response["Location"] == reverse("feedback:track", args=[item.tracking_code]) + "?new=1"
    assert item.channel == "web" and item.commune.code == "00004" and item.consent_at is not None
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    for group in item.tracking_code.split("-"):
        assert f"<span>{group}</span>" in html
    assert "Hãy ghi lại" in html
    assert "Mất sóng di động ở phường Ba Đình" in html


def test_a_double_submit_with_the_same_key_files_one_item(client: Client, topics: None) -> None:
    first = post_form(client, idempotency_key="same-key")
    second = post_form(client, idempotency_key="same-key")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Item.objects.count() == 1


def test_an_attachment_is_stored(client: Client, topics: None) -> None:
    upload = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    response = post_form(client, attachments=upload)
    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "bien-ban.pdf"


def test_a_logged_in_person_may_file_too(client: Client, topics: None, hanoi_officer: User) -> None:
    client.force_login(hanoi_officer)
    assert post_form(client).status_code == 302
    assert Item.objects.get().submitted_by == hanoi_officer


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": None}, "title", "Vui lòng nhập tiêu đề."),
        ({"body": ""}, "body", "Vui lòng nhập nội dung."),
        ({"kind": None}, "kind", "Chọn loại"),
        ({"consent": None}, "consent", "Cần đồng ý với thông báo"),
        ({"body": "Quá dài. " * 700}, "body", "Nội dung cần từ 20 đến 5000 ký tự."),
        ({"title": "Ngắn"}, "title", "Tiêu đề cần từ"),
        ({"commune": "99999"}, "commune", "Không có xã, phường với mã này."),
        ({"province": "79"}, "commune", "Xã, phường này không thuộc"),
        ({"contact_email": "", "contact_phone": ""}, "contact_email", "thư điện tử hoặc số điện thoại"),
        ({"contact_email": "khong-phai-email"}, "contact_email", "Địa chỉ thư điện tử không hợp lệ."),
        ({"topic": "khong-co"}, "topic", "Chọn một lĩnh vực trong danh sách."),
        ({"kind": "khac"}, "kind", "Chọn loại"),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_nothing_is_stored(
    client: Client, topics: None, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = post_form(client, **overrides)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in text for text in errors.get(field, [])), errors
    assert message in response.content.decode()
    assert not Item.objects.exists() and not Case.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "chỉ nhận PDF"),
        ("gia-mao.pdf", b"MZ\x90\x00 not a pdf", "không đúng định dạng"),
        ("qua-lon.pdf", PDF + b"0" * (10 * 1024 * 1024), "vượt quá 10 MB"),
    ],
)
def test_bad_files_are_refused(client: Client, topics: None, name: str, content: bytes, message: str) -> None:
    response = post_form(client, attachments=SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert any(message in text for text in response.context["form"].errors["attachments"])
    assert not Item.objects.exists() and not Attachment.objects.exists()


def test_anonymity_follows_the_kind_setting(client: Client, topics: None) -> None:
    KindSetting.objects.filter(kind="report").update(allow_anonymous=False)
    refused = post_form(client, kind="report", is_anonymous="on", contact_name="", contact_email="")
    assert refused.status_code == 400
    assert "không nhận gửi ẩn danh" in refused.content.decode()
    assert not Item.objects.exists()
    accepted = post_form(client, kind="recommendation", is_anonymous="on", contact_name="", contact_email="")
    assert accepted.status_code == 302
    assert Item.objects.get().is_anonymous


def test_the_honeypot_refuses_quietly_and_records_nothing(client: Client, topics: None) -> None:
    response = post_form(client, website="http://spam.example")
    assert response.status_code == 400
    assert "Không gửi được phản ánh" in response.content.decode()
    assert not Item.objects.exists() and not Case.objects.exists()


def test_the_rate_limit_per_contact(client: Client, topics: None, settings: Any) -> None:
    settings.FEEDBACK_RATE_PER_CONTACT = "2/h"
    assert post_form(client, title="Phản ánh số một ở Ba Đình").status_code == 302
    assert post_form(client, title="Phản ánh số hai ở Ba Đình").status_code == 302
    refused = post_form(client, title="Phản ánh số ba ở Ba Đình")
    assert refused.status_code == 429
    assert "quá nhiều yêu cầu" in refused.content.decode()
    assert Item.objects.count() == 2


def test_the_rate_limit_per_address(client: Client, topics: None, settings: Any) -> None:
    settings.FEEDBACK_RATE_PER_IP = "1/h"
    assert post_form(client).status_code == 302
    refused = post_form(client, contact_email="khac@example.vn", title="Một nội dung khác hẳn")
    assert refused.status_code == 429
    assert Item.objects.count() == 1


def test_the_commune_picker_lists_the_communes_of_a_province(client: Client, topics: None) -> None:
    response = client.get(reverse("feedback:communes"), {"province": "01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="00004"' in html and "Ba Đình" in html
    assert 'value="26740"' not in html  # a commune of Hồ Chí Minh City
    assert client.get(reverse("feedback:communes"), {"province": "zz"}).content.decode().count("<option") == 1


def test_similar_cases_are_shown_before_sending_without_personal_data(
    client: Client, submit: Callable[..., Item]
) -> None:
    submit()
    response = client.get(
        reverse("feedback:similar"),
        {"title": "Mất sóng 4G buổi tối", "body": "phường Ba Đình trạm phát sóng"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    # An open case shows its topic and unit, not its unreviewed title.
    assert "Hạ tầng viễn thông, sóng di động, Internet" in html
    assert "Thành phố Hà Nội" in html
    assert "Mất sóng di động ở phường Ba Đình" not in html
    assert "an.nguyen@example.vn" not in html and "Nguyễn Văn An" not in html
    assert "PA-" not in html and "KN-" not in html
    empty = client.get(reverse("feedback:similar"), {"title": "xyz"})
    assert "Hạ tầng viễn thông" not in empty.content.decode()


# Tracking -----------------------------------------------------------------------------


def test_lookup_accepts_any_case_and_spacing(client: Client, submit: Callable[..., Item]) -> None:
    item = submit()
    typed = item.tracking_code.replace("-", " ").lower()
    response = client.post(reverse("feedback:track_lookup"), {"code": f"  {typed} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:track", args=[item.tracking_code])
    compact = client.get(reverse("feedback:track", args=[item.tracking_code.replace("-", "").lower()]))
    assert compact.status_code == 302


def test_lookup_refuses_a_malformed_code(client: Client, topics: None) -> None:
    response = client.post(reverse("feedback:track_lookup"), {"code": "abc"})
    assert response.status_code == 400
    assert "Mã tra cứu gồm 2 chữ cái" in response.content.decode()


def test_an_unknown_code_gets_a_friendly_404(client: Client, topics: None) -> None:
    response = client.get(reverse("feedback:track", args=["KN-22222-22222"]))
    assert response.status_code == 404
    assert "Không tìm thấy mã tra cứu" in response.content.decode()


def test_tracking_lookups_are_rate_limited(
    client: Client, submit: Callable[..., Item], settings: Any
) -> None:
    item = submit()
    settings.FEEDBACK_RATE_PER_IP = "2/h"
    url = reverse("feedback:track", args=[item.tracking_code])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429


def test_the_tracking_page_shows_the_answer_and_transfers(
    client: Client, submit: Callable[..., Item], hanoi_officer: User, unit_by_code: Callable[[str], Unit]
) -> None:
    item = submit()
    case = case_transfer(
        actor=hanoi_officer,
        case=item.case,
        to_unit=unit_by_code("00004"),
        reason="Thuộc thẩm quyền của phường",
    )
    html = client.get(reverse("feedback:track", args=[item.tracking_code])).content.decode()
    assert "Chuyển đơn vị" in html and "Phường Ba Đình" in html and "Thuộc thẩm quyền của phường" in html
    assert "Đánh giá câu trả lời" not in html
    answered(Item.objects.get(pk=item.pk), hanoi_officer)
    case.refresh_from_db()
    html = client.get(reverse("feedback:track", args=[item.tracking_code])).content.decode()
    assert ANSWER in html and "Đánh giá câu trả lời" in html and "Không đồng ý với kết quả" in html


def test_rating_through_the_page(client: Client, submit: Callable[..., Item], hanoi_officer: User) -> None:
    item = submit()
    answered(item, hanoi_officer)
    url = reverse("feedback:track_rate", args=[item.tracking_code])
    bad = client.post(url, {"rating": "7"})
    assert bad.status_code == 400 and "Chọn từ 1 đến 5 sao." in bad.content.decode()
    item.refresh_from_db()
    assert item.rating is None
    assert client.post(url, {"rating": "4", "comment": "Đã có sóng"}).status_code == 302
    item.refresh_from_db()
    assert item.rating == 4 and item.rating_comment == "Đã có sóng"


def test_rating_before_an_answer_is_refused(client: Client, submit: Callable[..., Item]) -> None:
    item = submit()
    response = client.post(reverse("feedback:track_rate", args=[item.tracking_code]), {"rating": "5"})
    assert response.status_code == 400
    assert "Chỉ đánh giá được khi hồ sơ đã có trả lời." in response.content.decode()
    item.refresh_from_db()
    assert item.rating is None


def test_dispute_once_within_the_window(
    client: Client, submit: Callable[..., Item], hanoi_officer: User
) -> None:
    item = submit()
    answered(item, hanoi_officer)
    url = reverse("feedback:track_dispute", args=[item.tracking_code])
    short = client.post(url, {"reason": "x"})
    assert short.status_code == 400 and "ít nhất 5 ký tự" in short.content.decode()
    assert client.post(url, {"reason": "Vẫn mất sóng vào buổi tối"}).status_code == 302
    item.refresh_from_db()
    assert item.disputed_at is not None and item.case.state == CaseState.IN_PROGRESS
    page = client.get(reverse("feedback:track", args=[item.tracking_code])).content.decode()
    assert "Bạn đã gửi ý kiến không đồng ý" in page


def test_dispute_after_the_window_is_refused(
    client: Client, submit: Callable[..., Item], hanoi_officer: User
) -> None:
    item = submit()
    case = answered(item, hanoi_officer)
    Case.objects.filter(pk=case.pk).update(answered_at=timezone.now() - timedelta(days=30))
    page = client.get(reverse("feedback:track", args=[item.tracking_code])).content.decode()
    assert "Gửi ý kiến không đồng ý" not in page
    response = client.post(
        reverse("feedback:track_dispute", args=[item.tracking_code]), {"reason": "Vẫn mất sóng vào buổi tối"}
    )
    assert response.status_code == 400 and "Đã quá thời hạn" in response.content.decode()
    item.refresh_from_db()
    assert item.disputed_at is None


# Published answers --------------------------------------------------------------------


def test_published_pages_show_the_answer_but_no_contact_data(
    client: Client, submit: Callable[..., Item], hanoi_officer: User, standing_office: User
) -> None:
    agreed = submit(contact_name="Lê Văn Công", publish_name=True)
    case = answered(agreed, hanoi_officer, by=standing_office)
    private = submit(
        contact_name="Phạm Thị Dung",
        contact_email="dung.pham@example.vn",
        contact_phone="0987654321",
        title="Cần thêm trạm phát sóng ở Ba Đình",
    )
    Item.objects.filter(pk=private.pk).update(case=case)
    listing = client.get(reverse("feedback:published_list")).content.decode()
    detail = client.get(reverse("feedback:published_case", args=[case.pk])).content.decode()
    for html in (listing, detail):
        assert "Mất sóng di động ở phường Ba Đình" in html
        assert "an.nguyen@example.vn" not in html and "dung.pham@example.vn" not in html
        assert "0987654321" not in html
        assert agreed.tracking_code not in html and private.tracking_code not in html
        assert "Phạm Thị Dung" not in html
    assert ANSWER in detail and SUMMARY in detail and "Thành phố Hà Nội" in detail
    assert "Lê Văn Công" in detail
    assert "ngày làm việc" in detail and "đúng hạn" in detail


def test_unpublished_cases_are_not_public(
    client: Client, submit: Callable[..., Item], hanoi_officer: User
) -> None:
    item = submit()
    case = answered(item, hanoi_officer)
    assert client.get(reverse("feedback:published_case", args=[case.pk])).status_code == 404
    assert "Mất sóng" not in client.get(reverse("feedback:published_list")).content.decode()


def test_published_list_filters_and_pages_without_counting(
    client: Client, submit: Callable[..., Item], hanoi_officer: User, standing_office: User, monkeypatch: Any
) -> None:
    for number in range(3):
        answered(submit(title=f"Mất sóng lần {number + 1} ở Ba Đình"), hanoi_officer, by=standing_office)
    monkeypatch.setattr(views_public, "PUBLISHED_PAGE_SIZE", 2)
    first = client.get(reverse("feedback:published_list"))
    second = client.get(reverse("feedback:published_list"), {"page": "2"})
    monkeypatch.undo()
    assert len(first.context["page"].cases) == 2 and first.context["page"].has_next
    assert len(second.context["page"].cases) == 1 and not second.context["page"].has_next
    assert "Mất sóng lần 3" in first.content.decode()  # newest publication first
    by_kind = client.get(reverse("feedback:published_list"), {"kind": "initiative"})
    assert not by_kind.context["page"].cases
    by_province = client.get(reverse("feedback:published_list"), {"province": "01"})
    assert len(by_province.context["page"].cases) == 3
    unknown = client.get(reverse("feedback:published_list"), {"unit": "KHONG-CO"})
    assert unknown.status_code == 400 and "Không có đơn vị với mã này." in unknown.content.decode()


def test_published_list_query_count_is_pinned(
    client: Client,
    submit: Callable[..., Item],
    hanoi_officer: User,
    standing_office: User,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(5):
        answered(submit(title=f"Mất sóng lần {number + 1} ở Ba Đình"), hanoi_officer, by=standing_office)
    client.get(reverse("feedback:published_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("feedback:published_list"))
    for number in range(5):
        answered(submit(title=f"Mất sóng đợt {number + 1} ở Ba Đình"), hanoi_officer, by=standing_office)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("feedback:published_list"))
    assert len(few) == len(many)
    assert not any("COUNT(" in query["sql"].upper() for query in many.captured_queries)
    with django_assert_max_num_queries(6):
        client.get(reverse("feedback:published_list"))


# Statistics ---------------------------------------------------------------------------


def _statistics_dataset(
    submit: Callable[..., Item],
    hanoi_officer: User,
    unit_by_code: Callable[[str], Unit],
) -> dict[str, Case]:
    """Hà Nội: one answered on time (2 days), one answered late (6 days), one overdue,
    one open in time (at commune Ba Đình, counted for Hà Nội); one waiting for triage."""
    now = timezone.now()
    on_time = submit(now=now - timedelta(days=10))
    case_accept(actor=hanoi_officer, case=on_time.case, now=now - timedelta(days=9))
    case_answer(actor=hanoi_officer, case=on_time.case, answer=ANSWER, now=now - timedelta(days=8))
    item_rate(item=on_time, rating=5)
    late = submit(now=now - timedelta(days=20), title="Mất sóng kéo dài ở Ba Đình")
    case_answer(actor=hanoi_officer, case=late.case, answer=ANSWER, now=now - timedelta(days=14))
    Case.objects.filter(pk=late.case_id).update(answered_late=True)
    item_rate(item=late, rating=2)
    overdue = submit(now=now - timedelta(days=40), title="Mất sóng lâu ngày ở Ba Đình")
    Case.objects.filter(pk=overdue.case_id).update(answer_due_at=now - timedelta(days=1))
    fresh = submit(title="Mất sóng mới ở Ba Đình")
    case_transfer(actor=hanoi_officer, case=fresh.case, to_unit=unit_by_code("00004"), reason="Thuộc phường")
    waiting = submit(topic="khac", commune="", title="Góp ý chung", body="Đề nghị tăng cường tuyên truyền.")
    return {"late": late.case, "waiting": waiting.case}


def test_statistics_on_a_small_dataset(
    submit: Callable[..., Item], hanoi_officer: User, unit_by_code: Callable[[str], Unit]
) -> None:
    _statistics_dataset(submit, hanoi_officer, unit_by_code)
    rows = {row.unit.code if row.unit else None: row for row in unit_statistics()}
    assert set(rows) == {"01", None}
    hanoi = rows["01"]
    assert (hanoi.received, hanoi.answered, hanoi.answered_on_time, hanoi.overdue_now) == (4, 2, 1, 1)
    assert hanoi.median_days == 4.0  # 2 and 6 calendar days
    assert (hanoi.rating_mean, hanoi.rating_count) == (3.5, 2)
    assert hanoi.on_time_rate == 0.5
    waiting = rows[None]
    assert (waiting.received, waiting.answered, waiting.median_days, waiting.rating_count) == (1, 0, None, 0)


def test_statistics_sorting(
    submit: Callable[..., Item], hanoi_officer: User, unit_by_code: Callable[[str], Unit]
) -> None:
    _statistics_dataset(submit, hanoi_officer, unit_by_code)
    assert [row.received for row in unit_statistics(sort="received")] == [1, 4]
    assert [row.received for row in unit_statistics(sort="-received")] == [4, 1]
    assert unit_statistics(sort="median")[0].median_days == 4.0
    assert unit_statistics(sort="nonsense")[0].received == 4


def test_statistics_page_and_api(
    client: Client,
    submit: Callable[..., Item],
    hanoi_officer: User,
    unit_by_code: Callable[[str], Unit],
    django_assert_max_num_queries: Any,
) -> None:
    _statistics_dataset(submit, hanoi_officer, unit_by_code)
    client.get(reverse("feedback:statistics"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("feedback:statistics"), {"sort": "-overdue"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Thành phố Hà Nội" in html and "Chưa giao đơn vị" in html and "3,5/5" in html
    assert len(queries) <= 6, [q["sql"] for q in queries.captured_queries]
    api = client.get("/api/v1/feedback/statistics")
    assert api.status_code == 200
    hanoi = next(row for row in api.json() if row["unit"] and row["unit"]["code"] == "01")
    assert hanoi["received"] == 4 and hanoi["overdue_now"] == 1 and hanoi["median_days"] == 4.0


def test_statistics_query_count_does_not_grow_with_units(
    client: Client, submit: Callable[..., Item], hanoi_officer: User, unit_by_code: Callable[[str], Unit]
) -> None:
    _statistics_dataset(submit, hanoi_officer, unit_by_code)
    with CaptureQueriesContext(connection) as few:
        unit_statistics()
    submit(
        commune="26740", title="Mất sóng ở Sài Gòn", body="Khu phố 3 mất sóng 4G cả ngày, đề nghị kiểm tra."
    )
    with CaptureQueriesContext(connection) as many:
        rows = unit_statistics()
    assert len(rows) == 3
    assert len(few) == len(many)


# Navigation ---------------------------------------------------------------------------


def test_navigation_links(client: Client, topics: None, hanoi_officer: User) -> None:
    html = client.get(reverse("feedback:published_list")).content.decode()
    assert f'href="{reverse("feedback:submit")}"' in html
    assert reverse("feedback:inbox") not in html
    client.force_login(hanoi_officer)
    html = client.get(reverse("feedback:published_list")).content.decode()
    assert reverse("feedback:inbox") in html
