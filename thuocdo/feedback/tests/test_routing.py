"""Routing: rules from the topic, places and bodies named; the classifier; the triage
threshold; the operators' model page; the training job and command."""

import random
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from thuocdo.accounts.models import User
from thuocdo.audit.models import AuditEvent
from thuocdo.feedback import classifier
from thuocdo.feedback.classifier import active_version, classifier_predict, routing_model_train, words
from thuocdo.feedback.config_cache import active_unit
from thuocdo.feedback.models import Case, CaseState, Item, RoutingMethod, RoutingModel, Topic
from thuocdo.feedback.routing import RoutingDecision, feedback_route, routing_threshold
from thuocdo.feedback.routing_index import place_index
from thuocdo.feedback.tasks import routing_model_train_job
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def route(topics: None) -> Callable[..., RoutingDecision]:
    def run(topic: str, title: str, body: str, **place: Any) -> RoutingDecision:
        return feedback_route(
            topic=Topic.objects.select_related("default_unit").get(code=topic),
            title=title,
            body=body,
            **place,
        )

    return run


# --- rules -----------------------------------------------------------------------------


def test_form_commune_routes_a_local_topic_to_its_province(
    route: Callable[..., RoutingDecision], ba_dinh: Unit
) -> None:
    decision = route(
        "ha-tang-vien-thong", "Mất sóng", "Khu dân cư tổ 5 mất sóng 4G buổi tối.", commune=ba_dinh
    )
    assert decision.unit is not None and decision.unit.code == "01"
    assert decision.confidence >= routing_threshold()
    assert decision.method == RoutingMethod.RULE
    assert "Phường Ba Đình" in decision.reason


def test_a_commune_named_in_the_text(route: Callable[..., RoutingDecision]) -> None:
    decision = route("ha-tang-vien-thong", "Mất sóng", "Khu dân cư ở phường Hoàn Kiếm thường xuyên mất sóng.")
    assert decision.unit is not None and decision.unit.code == "01"
    assert decision.confidence >= routing_threshold()
    assert "phường Hoàn Kiếm" in decision.reason


def test_a_pre_2025_district_in_the_text(route: Callable[..., RoutingDecision]) -> None:
    decision = route(
        "ha-tang-vien-thong", "Mất sóng ở huyện Ba Vì", "Thôn 3 thường xuyên mất sóng 4G vào buổi tối."
    )
    assert decision.unit is not None and decision.unit.code == "01"
    assert "huyện Ba Vì" in decision.reason
    assert decision.confidence >= routing_threshold()


def test_an_old_district_in_the_place_field_with_abbreviations(route: Callable[..., RoutingDecision]) -> None:
    decision = route(
        "ha-tang-vien-thong", "Mất sóng", "Khu dân cư mất sóng 4G vào buổi tối.", place_text="Q.1, TP.HCM"
    )
    assert decision.unit is not None and decision.unit.code == "79"
    assert decision.confidence >= routing_threshold()


def test_a_pre_2025_province(route: Callable[..., RoutingDecision]) -> None:
    decision = route(
        "dich-vu-cong-truc-tuyen", "Cổng dịch vụ công", "Cổng dịch vụ công của tỉnh Hà Giang hay lỗi."
    )
    assert decision.unit is not None and decision.unit.code == "08"  # Hà Giang is now in Tuyên Quang


def test_a_ministry_named_in_the_text(route: Callable[..., RoutingDecision]) -> None:
    decision = route("khac", "Bệnh án điện tử", "Đề nghị Bộ Y tế sớm ban hành hướng dẫn về bệnh án điện tử.")
    assert decision.unit is not None and decision.unit.code == "BO-YT"
    assert decision.confidence >= routing_threshold()
    assert "Bộ Y tế" in decision.reason


def test_an_abbreviation_counts_only_in_capitals(route: Callable[..., RoutingDecision]) -> None:
    upper = route("khac", "Bệnh án điện tử", "Kiến nghị BYT ban hành hướng dẫn về bệnh án điện tử.")
    assert upper.unit is not None and upper.unit.code == "BO-YT"
    lower = route("khac", "Bệnh án điện tử", "Kiến nghị byt ban hành hướng dẫn về bệnh án điện tử.")
    assert lower.unit is None and lower.method == RoutingMethod.TRIAGE


def test_a_provincial_department_routes_to_its_province(route: Callable[..., RoutingDecision]) -> None:
    decision = route(
        "khac",
        "Chậm xử lý hồ sơ",
        "Sở Khoa học và Công nghệ tỉnh Cao Bằng chậm xử lý hồ sơ của doanh nghiệp.",
    )
    assert decision.unit is not None and decision.unit.code == "04"
    assert "Sở Khoa học và Công nghệ tỉnh Cao Bằng" in decision.reason


def test_ordinary_words_are_not_places(route: Callable[..., RoutingDecision]) -> None:
    # "phương án phù hợp" folds to "phuong an phu hop"; Phường An Phú exists. Diacritics decide.
    decision = route(
        "ha-tang-vien-thong", "Đề xuất", "Cần phương án phù hợp cho xã hội số, quản lý tình hình tốt hơn."
    )
    assert decision.unit is not None and decision.unit.code == "BO-KHCN"  # the topic's default body
    assert "chưa xác định được địa điểm" in decision.reason


def test_a_commune_name_shared_by_several_provinces_is_ambiguous(
    route: Callable[..., RoutingDecision], unit_by_code: Callable[[str], Unit]
) -> None:
    body = "Cán bộ xã Tân Tiến không hỗ trợ người dân làm thủ tục trực tuyến."
    unsure = route("chuyen-doi-so-dia-phuong", "Hỗ trợ dịch vụ công", body)
    assert unsure.confidence < routing_threshold()
    assert "nhiều tỉnh" in unsure.reason
    tuyen_quang = unit_by_code("08")
    sure = route("chuyen-doi-so-dia-phuong", "Hỗ trợ dịch vụ công", body, province=tuyen_quang)
    assert sure.unit is not None and sure.unit.name == "Xã Tân Tiến" and sure.unit.parent_id == tuyen_quang.pk
    assert sure.confidence >= routing_threshold()


def test_conflicting_bodies_lower_the_confidence(route: Callable[..., RoutingDecision]) -> None:
    decision = route(
        "y-te-so", "Kinh phí phần mềm", "Đề nghị Bộ Tài chính cấp kinh phí cho phần mềm bệnh viện."
    )
    assert decision.unit is not None and decision.unit.code == "BO-YT"
    assert decision.confidence < routing_threshold()
    assert "Bộ Tài chính" in decision.reason


def test_below_the_threshold_the_case_waits_in_triage_with_the_suggestion(
    submit: Callable[..., Item],
) -> None:
    item = submit(
        topic="chuyen-doi-so-dia-phuong",
        commune="",
        title="Hỗ trợ dịch vụ công",
        body="Cán bộ xã Tân Tiến không hỗ trợ người dân làm thủ tục trực tuyến.",
    )
    case = item.case
    assert case.state == CaseState.RECEIVED and case.unit is None
    assert case.routing_method == RoutingMethod.TRIAGE
    assert case.suggested_unit is not None
    assert 0 < case.routing_confidence < routing_threshold()
    assert "nhiều tỉnh" in case.routing_reason


def test_routing_runs_a_fixed_number_of_queries(
    topics: None, django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    place_index()  # built once per process
    active_unit(0)  # the units' copy too (config_cache)
    monkeypatch.setattr(active_version, "seconds", 60.0)  # however slow this machine is
    topic = Topic.objects.select_related("default_unit").get(code="ha-tang-vien-thong")
    texts = [
        "Khu dân cư ở phường Hoàn Kiếm thường xuyên mất sóng.",
        "Thôn 3 huyện Ba Vì, xã Tân Tiến, tỉnh Hà Giang, Quận 1 TP.HCM và Bộ Y tế, Sở Y tế tỉnh Cao Bằng.",
    ]
    # The active-model check, once: then it is re-checked at most once a second.
    with django_assert_num_queries(1):
        feedback_route(topic=topic, title="Mất sóng", body=texts[0])
    for text in texts:
        # No query however many names: units come from the process's copy.
        with django_assert_num_queries(0):
            decision = feedback_route(topic=topic, title="Mất sóng", body=text)
        assert decision.unit is not None


# --- classifier ------------------------------------------------------------------------

VOCABULARY = {
    "BO-YT": ["bệnh viện", "khám chữa bệnh", "bảo hiểm y tế", "hồ sơ sức khỏe", "đơn thuốc", "bác sĩ"],
    "BO-TC": ["ngân sách", "thuế", "kinh phí", "hóa đơn điện tử", "quyết toán", "lệ phí"],
    "BO-GDDT": ["trường học", "học sinh", "giáo viên", "tuyển sinh", "sách giáo khoa", "học bạ số"],
}
FILLER = ["đề nghị", "xem xét", "người dân", "chậm", "hệ thống", "phần mềm", "trực tuyến", "cải thiện"]


def samples(per_label: int = 25, seed: int = 1, noise: float = 0.0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = []
    codes = list(VOCABULARY)
    for code, vocabulary in VOCABULARY.items():
        for _ in range(per_label):
            chosen = rng.sample(vocabulary, 3) + rng.sample(FILLER, 3)
            rng.shuffle(chosen)
            label = rng.choice(codes) if rng.random() < noise else code
            rows.append((" ".join(chosen).capitalize() + ".", label))
    return rows


def test_words_are_segmented_offline_and_folded() -> None:
    assert "benh_vien" in words("Bệnh viện chậm cập nhật hồ sơ").split()


def test_training_stores_a_version_with_held_out_accuracy_and_activates_it() -> None:
    model = routing_model_train(samples=samples())
    assert model is not None and model.version == 1 and model.is_active
    assert model.held_out == 15 and model.trained_on == 60  # 20 % of 75, stratified
    assert model.accuracy > 0.8
    assert model.labels == ["BO-GDDT", "BO-TC", "BO-YT"] and model.label_count == 3
    assert AuditEvent.objects.filter(object_type="feedback.routingmodel", object_id=str(model.pk)).exists()
    ranked = classifier_predict("Bệnh viện chậm cập nhật hồ sơ sức khỏe cho bác sĩ")
    assert ranked[0][0] == "BO-YT" and ranked[0][1] > 0.5
    assert abs(sum(p for _code, p in ranked) - 1) < 1e-6


def test_a_group_is_predicted_in_one_call_as_each_text_alone() -> None:
    model = routing_model_train(samples=samples())
    assert model is not None
    texts = ["Bệnh viện chậm cập nhật hồ sơ sức khỏe", "  ", "Học phí trường công lập tăng", "Thuế"]
    together = classifier.classifier_predict_many(texts)
    alone = [classifier.classifier_predict_with_version(text) for text in texts]
    assert [version for version, _ranked in together] == [model.version, None, model.version, model.version]
    for (_v1, ranked_together), (_v2, ranked_alone) in zip(together, alone, strict=True):
        assert [code for code, _p in ranked_together] == [code for code, _p in ranked_alone]
        assert all(
            abs(a - b) < 1e-9 for (_c1, a), (_c2, b) in zip(ranked_together, ranked_alone, strict=True)
        )


def test_a_less_accurate_version_is_kept_but_not_activated() -> None:
    first = routing_model_train(samples=samples())
    same = routing_model_train(samples=samples())
    assert first is not None and same is not None
    first.refresh_from_db()
    assert same.version == 2 and same.is_active and not first.is_active  # matches: replaces
    worse = routing_model_train(samples=samples(seed=2, noise=0.7))
    assert worse is not None and worse.version == 3
    assert worse.accuracy < same.accuracy and not worse.is_active
    assert RoutingModel.objects.get(is_active=True).version == 2


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (samples(per_label=5), "ít nhất 50"),
        ([(text, "BO-YT") for text, _code in samples()], "ít nhất 2 đơn vị"),
    ],
)
def test_too_little_data_trains_nothing(rows: list[tuple[str, str]], expected: str) -> None:
    assert routing_model_train(samples=rows) is None
    with pytest.raises(classifier.TrainingSkipped, match=expected):
        classifier.routing_model_train_or_explain(samples=rows)
    assert not RoutingModel.objects.exists()
    assert classifier_predict("Bệnh viện") == []


def test_the_classifier_routes_what_the_rules_cannot(route: Callable[..., RoutingDecision]) -> None:
    without = route("khac", "Góp ý", "Bệnh viện chậm cập nhật hồ sơ sức khỏe, bác sĩ phải ghi tay đơn thuốc.")
    assert without.unit is None
    model = routing_model_train(samples=samples())
    assert model is not None
    decision = route(
        "khac", "Góp ý", "Bệnh viện chậm cập nhật hồ sơ sức khỏe, bác sĩ phải ghi tay đơn thuốc."
    )
    assert decision.unit is not None and decision.unit.code == "BO-YT"
    assert decision.method == RoutingMethod.CLASSIFIER and decision.model_version == model.version
    assert "Mô hình học máy phiên bản 1" in decision.reason


def test_a_version_activated_elsewhere_is_used_within_a_second(
    route: Callable[..., RoutingDecision],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    text = "Bệnh viện chậm cập nhật hồ sơ sức khỏe, bác sĩ phải ghi tay đơn thuốc."
    with django_capture_on_commit_callbacks(execute=True):
        model = routing_model_train(samples=samples())
    assert model is not None
    assert route("khac", "Góp ý", text).model_version == 1  # trained here: used at once
    # Another process deactivates it (no signal here): the check waits for its second.
    RoutingModel.objects.filter(pk=model.pk).update(is_active=False)
    monkeypatch.setattr(active_version, "seconds", 60.0)
    assert route("khac", "Góp ý", text).model_version == 1
    monkeypatch.setattr(active_version, "seconds", 0.0)
    assert route("khac", "Góp ý", text).model_version is None


def _handled_cases(topic: Topic, rows: list[tuple[str, str]]) -> None:
    now = timezone.now()
    units = {u.code: u for u in Unit.objects.filter(code__in={code for _t, code in rows})}
    for number, (text, code) in enumerate(rows):
        case = Case.objects.create(
            kind="report",
            topic=topic,
            title=text[:60],
            state=CaseState.ANSWERED,
            unit=units[code],
            routing_method=RoutingMethod.MANUAL,
            received_at=now - timedelta(days=number),
            search_text=text,
        )
        Item.objects.create(
            case=case,
            tracking_code=f"PA-T{number:04d}",
            kind="report",
            topic=topic,
            title=text[:60],
            body=text,
            submitted_at=case.received_at,
        )


def test_the_job_trains_from_handled_cases(topics: None, standing_office: User) -> None:
    skipped = routing_model_train_job.enqueue(actor_id=standing_office.pk)
    assert skipped.return_value == {"trained": False, "reason": skipped.return_value["reason"]}
    assert "ít nhất 50" in skipped.return_value["reason"]
    _handled_cases(Topic.objects.get(code="khac"), samples())
    result = routing_model_train_job.enqueue(actor_id=standing_office.pk)
    assert result.return_value["trained"] is True and result.return_value["version"] == 1
    model = RoutingModel.objects.get()
    assert model.is_active and model.trained_on + model.held_out == 75
    assert AuditEvent.objects.filter(object_type="feedback.routingmodel", actor=standing_office).exists()


def test_the_command_reports_the_result(topics: None) -> None:
    out = StringIO()
    call_command("routing_train", stdout=out)
    assert "Không huấn luyện" in out.getvalue()
    _handled_cases(Topic.objects.get(code="khac"), samples())
    out = StringIO()
    call_command("routing_train", stdout=out)
    assert "Phiên bản 1" in out.getvalue() and "đang dùng" in out.getvalue()


# --- the operators' page ---------------------------------------------------------------


def test_the_model_page_is_for_the_standing_office(
    client: Any, standing_office: User, hanoi_officer: User, django_capture_on_commit_callbacks: Any
) -> None:
    url = "/feedback/desk/routing/"
    assert client.get(url).status_code == 302  # login first
    client.force_login(hanoi_officer)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    model = routing_model_train(samples=samples())
    assert model is not None
    client.force_login(standing_office)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mô hình phân loại tự động" in html and "v1" in html and "BO-YT" in html
    assert f"{round(model.accuracy * 100)} %" in html
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url)
    assert response.status_code == 302 and len(callbacks) == 1
    assert RoutingModel.objects.count() == 1  # no handled cases yet: the job trained nothing
