from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from thuocdo.audit.models import AuditEvent
from thuocdo.core.errors import Conflict, ValidationFailed
from thuocdo.feedback import config_cache
from thuocdo.feedback.models import BlockedTerm, Case, CaseEvent, CaseState, Item, KindSetting
from thuocdo.feedback.services import feedback_accept, feedback_submit

from .conftest import submission

pytestmark = pytest.mark.django_db


def _errors(excinfo: Any) -> dict[str, list[str]]:
    return excinfo.value.fields


def test_a_recommendation_about_a_commune_lands_at_its_province(submit: Callable[..., Item]) -> None:
    item = submit()
    case = item.case
    assert item.tracking_code.startswith("KN-")
    assert case.state == CaseState.ASSIGNED
    assert case.unit.code == "01"  # Phường Ba Đình is in Hà Nội
    assert "Ba Đình" in case.routing_reason
    assert case.answer_due_at is not None and case.transfer_due_at is not None
    assert case.answer_due_at > case.transfer_due_at
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["received", "routed", "assigned"]


def test_an_unroutable_item_waits_in_triage(submit: Callable[..., Item]) -> None:
    item = submit(
        topic="khac",
        commune="",
        title="Góp ý chung",
        body="Tôi có một góp ý chung về chương trình, mong được xem xét.",
    )
    assert item.case.state == CaseState.RECEIVED
    assert item.case.unit is None
    assert item.case.routing_method == "triage"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "abc"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": "ngắn"}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"kind": "complaint"}, "kind"),
        ({"topic": "khong-co"}, "topic"),
        ({"commune": "99999"}, "commune"),
        ({"province": "79", "commune": "00004"}, "commune"),
        ({"province": "XX"}, "province"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"contact_email": "", "contact_phone": ""}, "contact_email"),
        ({"contact_phone": "12ab"}, "contact_phone"),
        ({"contact_name": ""}, "contact_name"),
        ({"consent": False}, "consent"),
        ({"latitude": "95"}, "latitude"),
        ({"longitude": "abc"}, "longitude"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    topics: None, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        feedback_submit(actor=AnonymousUser(), data=submission(**overrides))
    assert field in _errors(excinfo)
    assert not Case.objects.exists() and not Item.objects.exists() and not CaseEvent.objects.exists()


def test_anonymous_is_allowed_only_where_the_kind_allows_it(submit: Callable[..., Item]) -> None:
    item = submit(is_anonymous=True, contact_name="", contact_email="")
    assert item.is_anonymous and item.contact_name == ""
    setting = KindSetting.objects.get(kind="recommendation")
    setting.allow_anonymous = False
    setting.save()  # as the configuration service does: the process's copy is dropped at once
    with pytest.raises(ValidationFailed) as excinfo:
        submit(is_anonymous=True, contact_name="", contact_email="")
    assert "is_anonymous" in _errors(excinfo)


def test_rules_changed_behind_the_cache_apply_within_its_lifetime(
    submit: Callable[..., Item], monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(is_anonymous=True, contact_name="", contact_email="")
    # A bulk update sends no signal, like an edit made by another worker process: the copy
    # is kept until it is CONFIG_SECONDS old.
    KindSetting.objects.filter(kind="recommendation").update(allow_anonymous=False)
    submit(is_anonymous=True, contact_name="", contact_email="")
    monkeypatch.setattr(config_cache, "CONFIG_SECONDS", 0.0)
    with pytest.raises(ValidationFailed) as excinfo:
        submit(is_anonymous=True, contact_name="", contact_email="")
    assert "is_anonymous" in _errors(excinfo)


def test_blocked_terms_are_refused_ignoring_diacritics(submit: Callable[..., Item]) -> None:
    BlockedTerm.objects.create(term="đồ lừa đảo", folded="do lua dao")
    with pytest.raises(ValidationFailed) as excinfo:
        submit(body="Bọn họ là DO LUA DAO, tôi yêu cầu xử lý ngay lập tức vụ việc này.")
    assert "body" in _errors(excinfo)


def test_same_idempotency_key_gives_the_same_item(submit: Callable[..., Item]) -> None:
    first = submit(idempotency_key="abc-123")
    again = submit(idempotency_key="abc-123")
    assert again.pk == first.pk and getattr(again, "replayed", False)
    assert Item.objects.count() == 1
    with pytest.raises(Conflict):
        submit(idempotency_key="abc-123", title="Một tiêu đề khác hẳn")
    assert Item.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_used_key_still_replays_or_conflicts(
    live_units: None, topics: None, settings: Any
) -> None:
    # Real commits: the case and the item are one statement here, with no transaction around.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    first = feedback_accept(actor=AnonymousUser(), data=submission(), idempotency_key="k-1")
    again = feedback_accept(actor=AnonymousUser(), data=submission(), idempotency_key="k-1")
    assert again.pk == first.pk and getattr(again, "replayed", False)
    with pytest.raises(Conflict):
        feedback_accept(actor=AnonymousUser(), data=submission(title="Khác hẳn"), idempotency_key="k-1")
    assert Item.objects.count() == Case.objects.count() == 1
    assert first.case.pk == Item.objects.get().case_id and first.case.is_routing_pending


def test_attachments_are_checked_before_anything_is_stored(topics: None) -> None:
    exe = SimpleUploadedFile("anh.png", b"MZ\x90\x00not a png", content_type="image/png")
    with pytest.raises(ValidationFailed) as excinfo:
        feedback_submit(actor=AnonymousUser(), data=submission(), files=[exe])
    assert "attachments" in _errors(excinfo)
    assert not Item.objects.exists()
    png = SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    item = feedback_submit(actor=AnonymousUser(), data=submission(), files=[png])
    assert item.attachments.get().size == 108


def test_intake_is_audited_without_personal_data(submit: Callable[..., Item]) -> None:
    item = submit()
    event = AuditEvent.objects.filter(object_type="feedback.case", object_id=str(item.case_id)).get()
    assert item.tracking_code in event.after_json
    assert "an.nguyen@example.vn" not in event.after_json
    assert "Nguyễn Văn An" not in event.after_json
