"""The demo data: realistic samples with labels, and the seed command's situations."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from thuocdo.feedback.models import Case, CaseEvent, CaseState, EventKind, Item, Topic
from thuocdo.feedback.samples import OTHER_TOPIC, sample_items
from thuocdo.units.models import Unit, UnitLevel

pytestmark = pytest.mark.django_db


def test_samples_are_deterministic_varied_and_labelled() -> None:
    items = sample_items(400, seed=7)
    assert items == sample_items(400, seed=7)
    assert items != sample_items(400, seed=8)
    topics = {item.topic_code for item in items}
    assert len(topics) == 12  # every topic in data/topics.toml, "khác" included
    units = {unit.code: unit for unit in Unit.objects.filter(code__in={i.expected_unit_code for i in items})}
    assert all(item.expected_unit_code in units for item in items)
    assert len({item.province_code for item in items if item.province_code}) >= 20
    assert sum(1 for item in items if item.commune_code) >= 60
    for item in items:
        assert 5 <= len(item.title) <= 200 and 20 <= len(item.body) <= 5000
        assert item.contact_name and (item.contact_email or item.contact_phone)
        if item.commune_code:
            assert Unit.objects.get(code=item.commune_code).parent.code == item.province_code
    assert any("(cũ)" in item.body for item in items)  # pre-2025 district names, as people write
    assert any("Bộ " in item.body for item in items)


def test_sample_labels_follow_the_subject_and_the_place() -> None:
    items = sample_items(600, seed=3)
    for item in items:
        if item.subject_code == "chuyen-doi-so-dia-phuong" and item.commune_code:
            assert item.expected_unit_code == item.commune_code
        if item.subject_code == "ha-tang-vien-thong":
            assert item.expected_unit_code == (item.province_code or "BO-KHCN")
        if item.subject_code == "du-lieu-dinh-danh":
            assert item.expected_unit_code == "BO-CA"
    assert 0.05 < sum(item.topic_code == OTHER_TOPIC for item in items) / len(items) < 0.2
    assert any(item.topic_code not in (item.subject_code, OTHER_TOPIC) for item in items)


@pytest.fixture
def demo_loaded(settings: Any, tmp_path: Any) -> str:
    settings.BASE_DIR = tmp_path  # demo passwords go to var/ under it
    out = StringIO()
    call_command("seed_feedback_demo", "--force", stdout=out)
    return out.getvalue()


def test_seed_command_files_every_situation(demo_loaded: str) -> None:
    cases = Case.objects.filter(is_demo=True)
    assert 55 <= cases.count() <= 70
    assert Topic.objects.count() == 12
    published = cases.filter(is_published=True)
    assert published.filter(answered_late=False).count() >= 10
    assert published.filter(answered_late=True).count() >= 3
    escalated = cases.filter(
        escalated_at__isnull=False, state__in=[CaseState.IN_PROGRESS, CaseState.ASSIGNED]
    )
    assert escalated.count() >= 5
    assert CaseEvent.objects.filter(case__in=escalated, kind=EventKind.ESCALATED).count() == escalated.count()
    assert CaseEvent.objects.filter(case__is_demo=True, kind=EventKind.TRANSFERRED).count() >= 2
    assert cases.filter(unit__isnull=True, state=CaseState.RECEIVED).count() >= 4
    merged = cases.get(merged_into__isnull=False)
    assert merged.state == CaseState.REJECTED and merged.merged_into is not None
    assert merged.merged_into.items.count() == 2
    disputed = Item.objects.get(is_demo=True, disputed_at__isnull=False)
    assert disputed.case.state == CaseState.IN_PROGRESS
    assert Item.objects.filter(is_demo=True, rating__isnull=False).exists()
    assert cases.filter(unit__level=UnitLevel.COMMUNE).exists()
    assert cases.filter(unit__code="BO-KHCN").count() >= 5
    assert not Item.objects.filter(is_demo=False).exists()
    # The history is in the past and in order: filed before answered before published.
    for case in published:
        assert case.received_at < case.answered_at < case.published_at
    assert "cases: " in demo_loaded


def test_seed_command_is_idempotent(demo_loaded: str) -> None:
    before = (Case.objects.count(), Item.objects.count(), CaseEvent.objects.count())
    out = StringIO()
    call_command("seed_feedback_demo", "--force", stdout=out)
    assert (Case.objects.count(), Item.objects.count(), CaseEvent.objects.count()) == before
    assert "không nạp thêm" in out.getvalue()


def test_api_lists_shape_only_the_requested_page(demo_loaded: str, client: Any) -> None:
    from thuocdo.accounts.models import User

    client.force_login(User.objects.get(username="vanphong"))
    body = client.get("/api/v1/feedback/cases?limit=5&offset=2").json()
    assert body["count"] == Case.objects.count()
    expected = list(Case.objects.order_by("-received_at", "-pk").values_list("pk", flat=True)[2:7])
    assert [row["id"] for row in body["items"]] == expected
    triage = client.get("/api/v1/feedback/triage?limit=2").json()
    assert triage["count"] == Case.objects.filter(unit__isnull=True, state=CaseState.RECEIVED).count()
    assert len(triage["items"]) == 2
