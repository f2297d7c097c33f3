"""Open311 GeoReport v2: every resource in XML and JSON, checked against JSON Schemas
transcribed from the spec (open311_schemas.json) and with the PyPI client `georeport`
against a live server. Bad input gets the spec's error document and stores nothing."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from jsonschema import Draft202012Validator

from thuocdo.accounts.models import User
from thuocdo.accounts.services import api_token_create, api_token_revoke
from thuocdo.audit.models import AuditEvent
from thuocdo.feedback.models import Case, CaseEvent, Channel, Item
from thuocdo.feedback.services import case_accept, case_answer, case_publish, case_reject

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
SCHEMAS = json.loads((Path(__file__).parent / "open311_schemas.json").read_text(encoding="utf-8"))
DESCRIPTION = (
    "Khu dân cư tổ 5 phường Ba Đình thường xuyên mất sóng 4G vào buổi tối, "
    "đề nghị nhà mạng bổ sung trạm phát sóng để người dân làm thủ tục trực tuyến."
)


def schema_check(name: str, document: Any) -> None:
    Draft202012Validator({**SCHEMAS, "$ref": f"#/{name}"}).validate(document)


def xml_of(response: Any) -> Element:
    assert response["Content-Type"].startswith("text/xml")
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return fromstring(response.content)


def json_of(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def integrator(user_factory: Any) -> User:
    return user_factory(username="tichhop.app", email="app@example.vn")


@pytest.fixture
def api_key(integrator: User) -> str:
    _token, raw = api_token_create(actor=integrator, name="Ứng dụng phản ánh")
    return raw


def form(api_key: str | None = None, **overrides: str) -> dict[str, str]:
    values = {
        "service_code": "vien-thong",
        "attribute[kind]": "report",
        "attribute[commune]": "00004",
        "address_string": "Tổ 5, phường Ba Đình",
        "lat": "21.034",
        "long": "105.841",
        "first_name": "An",
        "last_name": "Nguyễn Văn",
        "email": "an.nguyen@example.vn",
        "phone": "0912345678",
        "description": DESCRIPTION,
    }
    if api_key is not None:
        values["api_key"] = api_key
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def stored() -> tuple[int, int, int, int]:
    return Item.objects.count(), Case.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count()


# --- discovery and services -----------------------------------------------------------------


def test_discovery_in_both_formats(client: Client, topics: None) -> None:
    document = json_of(client.get(f"{BASE}/discovery.json"))
    schema_check("discovery", document)
    assert document["endpoints"][0]["url"] == "http://testserver/open311/v2/"
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    formats = [element.text for element in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"


def test_services_are_the_active_topics(client: Client, topics: None) -> None:
    services = json_of(client.get(f"{BASE}/services.json"))
    schema_check("services", services)
    by_code = {service["service_code"]: service for service in services}
    telecom = by_code["vien-thong"]
    assert telecom["service_name"] == "Hạ tầng viễn thông, sóng di động, Internet"
    assert telecom["metadata"] is True and telecom["type"] == "realtime"
    assert "lõm sóng" in telecom["keywords"]
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [child.tag for child in root] == ["service"] * len(services)
    first = root.find("service")
    assert first is not None
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "true"


def test_service_definition_maps_the_four_kinds(client: Client, topics: None) -> None:
    definition = json_of(client.get(f"{BASE}/services/vien-thong.json"))
    schema_check("service_definition", definition)
    kind = definition["attributes"][0]
    assert kind["code"] == "kind" and kind["required"] is True and kind["datatype"] == "singlevaluelist"
    assert [value["key"] for value in kind["values"]] == [
        "report",
        "recommendation",
        "initiative",
        "solution",
    ]
    assert [attribute["code"] for attribute in definition["attributes"]] == ["kind", "province", "commune"]
    root = xml_of(client.get(f"{BASE}/services/vien-thong.xml"))
    assert root.tag == "service_definition"
    keys = [element.text for element in root.findall("attributes/attribute/values/value/key")]
    assert keys == ["report", "recommendation", "initiative", "solution"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_gets_the_spec_error(client: Client, topics: None, fmt: str) -> None:
    response = client.get(f"{BASE}/services/khong-co.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        errors = json_of(response)
        schema_check("errors", errors)
        assert errors[0]["code"] == 404 and errors[0]["description"].startswith("service_code:")
    else:
        root = xml_of(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert (root.findtext("error/description") or "").startswith("service_code:")


# --- POST requests --------------------------------------------------------------------------


def test_form_encoded_post_creates_an_item_answering_json(
    client: Client, topics: None, api_key: str, integrator: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}/requests.json", form(api_key))
        assert response.status_code == 201, response.content
        created = json_of(response)
        schema_check("request_created", created)
        # Stored at once, routed right after the commit: no agency yet.
        pending = json_of(client.get(f"{BASE}/requests/{created[0]['service_request_id']}.json"))
        schema_check("requests", pending)
        assert pending[0]["status"] == "open" and "agency_responsible" not in pending[0]
        assert pending[0]["status_notes"] == "Đã tiếp nhận, đang chuyển đến cơ quan có thẩm quyền"
        assert "đang chuyển đến cơ quan có thẩm quyền" in pending[0]["service_notice"]
    item = Item.objects.select_related("case", "case__unit").get(pk=int(created[0]["service_request_id"]))
    assert created[0]["token"] == item.open311_token and item.open311_token
    assert item.tracking_code in created[0]["service_notice"]
    assert "đang chuyển đến cơ quan có thẩm quyền" in created[0]["service_notice"]
    assert item.channel == Channel.OPEN311
    assert item.kind == "report" and item.topic.service_code == "vien-thong"
    assert item.body == DESCRIPTION
    assert item.title.endswith("…") and len(item.title) <= 80
    assert DESCRIPTION.startswith(item.title[:-1])
    assert item.contact_name == "An Nguyễn Văn" and item.contact_email == "an.nguyen@example.vn"
    assert item.contact_phone == "0912345678" and not item.is_anonymous
    assert item.commune is not None and item.commune.code == "00004"
    assert str(item.latitude) == "21.034000" and item.place_text == "Tổ 5, phường Ba Đình"
    assert item.submitted_by == integrator and item.consent_at is not None
    # Routed like any other item: the topic is handled by the province of the place.
    assert item.case.unit is not None and item.case.unit.code == "01"
    routed = json_of(client.get(f"{BASE}/requests/{item.pk}.json"))
    assert routed[0]["agency_responsible"] == item.case.unit.name
    assert AuditEvent.objects.get(action="create", object_id=str(item.case_id)).channel == "api"


def test_json_body_post_creates_an_item_answering_xml(client: Client, topics: None, api_key: str) -> None:
    body = {
        "api_key": api_key,
        "service_code": "vien-thong",
        "attribute": {"kind": "recommendation", "province": "01"},
        "lat": 21.03,
        "long": 105.84,
        "description": DESCRIPTION,
    }
    response = client.post(f"{BASE}/requests.xml", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    root = xml_of(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    assert [child.tag for child in request] == ["service_request_id", "token", "service_notice"]
    item = Item.objects.get(pk=int(request.findtext("service_request_id") or "0"))
    assert item.open311_token == request.findtext("token")
    # No name, e-mail or phone: an anonymous item (allowed for recommendations by default).
    assert item.kind == "recommendation" and item.is_anonymous and item.contact_name == ""
    assert item.province is not None and item.province.code == "01"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_api_key_is_refused_and_stores_nothing(client: Client, topics: None, fmt: str) -> None:
    before = stored()
    response = client.post(f"{BASE}/requests.{fmt}", form())
    assert response.status_code == 403
    if fmt == "json":
        errors = json_of(response)
        schema_check("errors", errors)
        assert "api_key" in errors[0]["description"]
    else:
        assert xml_of(response).findtext("error/code") == "403"
    assert stored() == before


def test_post_with_a_wrong_or_revoked_api_key_is_refused(
    client: Client, topics: None, integrator: User, api_key: str
) -> None:
    before = stored()
    assert client.post(f"{BASE}/requests.json", form(api_key + "x")).status_code == 403
    token, raw = api_token_create(actor=integrator, name="Mã sắp thu hồi")
    api_token_revoke(actor=integrator, token=token)
    before = stored()
    response = client.post(f"{BASE}/requests.json", form(raw))
    assert response.status_code == 403
    assert stored() == before


def test_post_for_an_unknown_service_is_404_and_stores_nothing(
    client: Client, topics: None, api_key: str
) -> None:
    before = stored()
    response = client.post(f"{BASE}/requests.json", form(api_key, service_code="khong-co"))
    assert response.status_code == 404
    assert json_of(response)[0]["description"].startswith("service_code:")
    assert stored() == before


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"attribute[commune]": "99999"}, "attribute[commune]"),
        ({"attribute[commune]": "", "attribute[province]": "98"}, "attribute[province]"),
        ({"attribute[kind]": ""}, "attribute[kind]"),
        ({"attribute[kind]": "complaint"}, "attribute[kind]"),
        ({"attribute[colour]": "red"}, "attribute"),
        ({"lat": "", "long": "", "address_string": "", "attribute[commune]": ""}, "location"),
        ({"long": ""}, "lat"),
        ({"lat": "north"}, "lat"),
        ({"email": "not-an-address"}, "email"),
        ({"description": "Quá ngắn"}, "description"),
        ({"media_url": "http://example.vn/anh.jpg"}, "media_url"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_input_gets_the_spec_error_and_stores_nothing(
    client: Client, topics: None, api_key: str, overrides: dict[str, str], argument: str, fmt: str
) -> None:
    before = stored()
    response = client.post(f"{BASE}/requests.{fmt}", form(api_key, **overrides))
    assert response.status_code == 400, response.content
    if fmt == "json":
        errors = json_of(response)
        schema_check("errors", errors)
        descriptions = [error["description"] for error in errors]
        assert all(error["code"] == 400 for error in errors)
    else:
        root = xml_of(response)
        assert root.tag == "errors"
        descriptions = [element.text or "" for element in root.findall("error/description")]
    assert any(description.startswith(f"{argument}:") for description in descriptions), descriptions
    assert stored() == before


def test_a_failure_after_the_desk_stored_the_item_rolls_everything_back(
    client: Client, topics: None, api_key: str, integrator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    from thuocdo.feedback.open311 import services as open311_services

    taken = json_of(client.post(f"{BASE}/requests.json", form(api_key)))[0]["token"]
    monkeypatch.setattr(open311_services.secrets, "token_urlsafe", lambda _n: taken)
    before = stored()
    params = open311_services.Open311Submission(
        service_code="vien-thong",
        address_string="Tổ 5",
        description=DESCRIPTION,
        attributes={"kind": "report", "commune": "00004"},
    )
    with pytest.raises(IntegrityError):
        open311_services.open311_request_create(actor=integrator, params=params)
    assert stored() == before


def test_malformed_json_body_gets_the_spec_error(client: Client, topics: None, api_key: str) -> None:
    response = client.post(f"{BASE}/requests.json", "{not json", content_type="application/json")
    assert response.status_code == 400
    schema_check("errors", json_of(response))


def test_idempotency_key_replays_and_refuses_a_different_body(
    client: Client, topics: None, api_key: str
) -> None:
    first = client.post(f"{BASE}/requests.json", form(api_key), HTTP_IDEMPOTENCY_KEY="app-req-1")
    assert first.status_code == 201
    again = client.post(f"{BASE}/requests.json", form(api_key), HTTP_IDEMPOTENCY_KEY="app-req-1")
    assert again.status_code == 200
    assert json_of(again)[0]["service_request_id"] == json_of(first)[0]["service_request_id"]
    assert json_of(again)[0]["token"] == json_of(first)[0]["token"]
    before = stored()
    other = form(api_key, description=DESCRIPTION + " Xin cảm ơn.")
    conflict = client.post(f"{BASE}/requests.json", other, HTTP_IDEMPOTENCY_KEY="app-req-1")
    assert conflict.status_code == 409
    schema_check("errors", json_of(conflict))
    assert json_of(conflict)[0]["code"] == 409
    conflict = client.post(f"{BASE}/requests.xml", other, HTTP_IDEMPOTENCY_KEY="app-req-1")
    assert conflict.status_code == 409 and xml_of(conflict).findtext("error/code") == "409"
    assert stored() == before


def test_only_get_and_post_are_allowed(client: Client, topics: None) -> None:
    assert client.put(f"{BASE}/requests.json").status_code == 405
    assert client.post(f"{BASE}/services.json").status_code == 405


# --- GET requests ---------------------------------------------------------------------------


def _shown(item: Item, response: Any) -> None:
    """No contact data in any answer about the item."""
    text = response.content.decode("utf-8")
    for secret in (item.contact_email, item.contact_phone, item.contact_name, item.tracking_code):
        if secret:
            assert secret not in text


def test_a_request_by_id_shows_public_fields_only(
    client: Client, submit: Callable[..., Item], hanoi_officer: User, standing_office: User
) -> None:
    item = submit(contact_phone="0912345678", latitude="21.034", longitude="105.841", place_text="Tổ 5")
    response = client.get(f"{BASE}/requests/{item.pk}.json")
    document = json_of(response)
    schema_check("requests", document)
    request = document[0]
    assert request["service_request_id"] == str(item.pk)
    assert request["status"] == "open" and request["service_code"] == "vien-thong"
    assert request["agency_responsible"] == item.case.unit.name
    assert request["expected_datetime"].endswith("+07:00")
    # Not yet reviewed and published: no free text, no exact place.
    assert "description" not in request and "lat" not in request
    assert request["address"] == "Phường Ba Đình, Thành phố Hà Nội"
    _shown(item, response)
    xml_response = client.get(f"{BASE}/requests/{item.pk}.xml")
    root = xml_of(xml_response)
    assert root.tag == "service_requests" and root.findtext("request/status") == "open"
    _shown(item, xml_response)

    case = case_accept(actor=hanoi_officer, case=item.case)
    case = case_answer(actor=hanoi_officer, case=case, answer="Trạm phát sóng mới đã hoạt động.")
    case_publish(actor=standing_office, case=case, public_summary="Mất sóng ở Ba Đình đã được khắc phục.")
    response = client.get(f"{BASE}/requests/{item.pk}.json")
    request = json_of(response)[0]
    schema_check("requests", [request])
    assert request["status"] == "closed"
    assert request["description"] == "Mất sóng ở Ba Đình đã được khắc phục."
    assert request["lat"] == pytest.approx(21.034) and request["address"] == "Tổ 5"
    assert "Trạm phát sóng mới đã hoạt động." in request["status_notes"]
    _shown(item, response)


def test_a_rejected_request_is_closed_with_the_reason(
    client: Client, submit: Callable[..., Item], standing_office: User
) -> None:
    item = submit()
    case_reject(actor=standing_office, case=item.case, reason="out_of_scope", note="Gọi số 0987654321")
    request = json_of(client.get(f"{BASE}/requests/{item.pk}.json"))[0]
    assert request["status"] == "closed"
    assert request["status_notes"] == "Từ chối: Không thuộc phạm vi tiếp nhận"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("request_id", ["999999", "abc", "9" * 40])
def test_an_unknown_request_is_404(client: Client, topics: None, fmt: str, request_id: str) -> None:
    response = client.get(f"{BASE}/requests/{request_id}.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        schema_check("errors", json_of(response))
    else:
        assert xml_of(response).findtext("error/code") == "404"


def _ids(response: Any) -> list[int]:
    document = json_of(response)
    schema_check("requests", document)
    return [int(request["service_request_id"]) for request in document]


def test_request_list_filters(client: Client, submit: Callable[..., Item], standing_office: User) -> None:
    now = timezone.now()
    recent = submit(now=now - timedelta(days=2))
    research = submit(
        topic="nghien-cuu-khoa-hoc", commune="", kind="initiative", now=now - timedelta(days=10)
    )
    old = submit(now=now - timedelta(days=120))
    rejected = submit(now=now - timedelta(days=1))
    case_reject(actor=standing_office, case=rejected.case, reason="duplicate", note="Trùng")

    # Default: the last 90 days, newest first.
    assert _ids(client.get(f"{BASE}/requests.json")) == [rejected.pk, recent.pk, research.pk]
    assert _ids(client.get(f"{BASE}/requests.json", {"service_code": "khoa-hoc-cong-nghe"})) == [research.pk]
    assert _ids(client.get(f"{BASE}/requests.json", {"service_code": "vien-thong,khoa-hoc-cong-nghe"})) == [
        rejected.pk,
        recent.pk,
        research.pk,
    ]
    assert _ids(client.get(f"{BASE}/requests.json", {"status": "closed"})) == [rejected.pk]
    assert _ids(client.get(f"{BASE}/requests.json", {"status": "open"})) == [recent.pk, research.pk]
    assert _ids(client.get(f"{BASE}/requests.json", {"status": "open,closed"})) == [
        rejected.pk,
        recent.pk,
        research.pk,
    ]
    window = {
        "start_date": (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_date": (now - timedelta(days=50)).isoformat(),
    }
    assert _ids(client.get(f"{BASE}/requests.json", window)) == [old.pk]
    start_only = {"start_date": (now - timedelta(days=5)).isoformat()}
    assert _ids(client.get(f"{BASE}/requests.json", start_only)) == [rejected.pk, recent.pk]
    # A list of ids overrides every other argument (the old one too).
    ids = f"{old.pk},{recent.pk}"
    assert _ids(client.get(f"{BASE}/requests.json", {"service_request_id": ids, "status": "closed"})) == [
        recent.pk,
        old.pk,
    ]
    root = xml_of(client.get(f"{BASE}/requests.xml"))
    assert [element.text for element in root.findall("request/service_request_id")] == [
        str(rejected.pk),
        str(recent.pk),
        str(research.pk),
    ]


@pytest.mark.parametrize(
    ("query", "status", "argument"),
    [
        ({"status": "pending"}, 400, "status"),
        ({"start_date": "hôm qua"}, 400, "start_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400, "end_date"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400, "end_date"),
        ({"service_request_id": "1,x"}, 400, "service_request_id"),
        ({"service_request_id": "9" * 40}, 400, "service_request_id"),
        ({"service_code": "khong-co"}, 404, "service_code"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_get_the_spec_error(
    client: Client, topics: None, query: dict[str, str], status: int, argument: str, fmt: str
) -> None:
    response = client.get(f"{BASE}/requests.{fmt}", query)
    assert response.status_code == status
    if fmt == "json":
        errors = json_of(response)
        schema_check("errors", errors)
        assert errors[0]["description"].startswith(f"{argument}:")
    else:
        assert (xml_of(response).findtext("error/description") or "").startswith(f"{argument}:")


def test_request_list_query_count_does_not_grow(
    client: Client, submit: Callable[..., Item], django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        submit()
    with django_assert_num_queries(1):
        assert len(_ids(client.get(f"{BASE}/requests.json"))) == 3
    for _ in range(5):
        submit(commune="", province="79", topic="dich-vu-cong-truc-tuyen")
    with django_assert_num_queries(1):
        assert len(_ids(client.get(f"{BASE}/requests.json"))) == 8


# --- tokens ---------------------------------------------------------------------------------


def test_token_gives_the_request_id(client: Client, topics: None, api_key: str) -> None:
    created = json_of(client.post(f"{BASE}/requests.json", form(api_key)))[0]
    document = json_of(client.get(f"{BASE}/tokens/{created['token']}.json"))
    schema_check("tokens", document)
    assert document == [{"service_request_id": created["service_request_id"], "token": created["token"]}]
    root = xml_of(client.get(f"{BASE}/tokens/{created['token']}.xml"))
    assert root.findtext("request/service_request_id") == created["service_request_id"]
    missing = client.get(f"{BASE}/tokens/khongco.xml")
    assert missing.status_code == 404 and xml_of(missing).tag == "errors"


# --- the PyPI client `georeport` against a live server -----------------------------------


@pytest.mark.django_db(transaction=True)
def test_georeport_client_lists_services_and_reads_requests(
    live_server: Any, live_units: None, user_factory: Any
) -> None:
    import requests
    from georeport import GeoReport

    from thuocdo.feedback.config import topics_load

    topics_load()
    integrator = user_factory(username="tichhop.live")
    _token, key = api_token_create(actor=integrator, name="Ứng dụng thử")
    root = f"{live_server.url}{BASE}/"

    # Filing over HTTP: form-encoded answered in JSON, a JSON body answered in XML.
    created = requests.post(f"{root}requests.json", data=form(key), timeout=10)
    assert created.status_code == 201, created.text
    first_id = created.json()[0]["service_request_id"]
    body = {**form(key, email="", phone="", first_name="", last_name=""), "attribute[kind]": "solution"}
    created_xml = requests.post(f"{root}requests.xml", json=body, timeout=10)
    assert created_xml.status_code == 201, created_xml.text
    second_id = fromstring(created_xml.content).findtext("request/service_request_id")
    assert Item.objects.filter(pk__in=[first_id, second_id], channel=Channel.OPEN311).count() == 2

    for output_format in ("json", "xml"):
        client = GeoReport(root, api_key=key, output_format=output_format)
        services = client.get_service_list()
        assert "vien-thong" in [service["service_code"] for service in services]
        definition = client.get_service_definition("vien-thong")
        assert definition["service_code"] == "vien-thong"
        listed = client.get_service_requests(service_code="vien-thong", status="open")
        listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one child is a dict
        assert {request["service_request_id"] for request in listed} == {first_id, second_id}
        one = client.get_service_request(first_id)
        assert one["service_request_id"] == first_id and one["status"] == "open"
        assert "an.nguyen@example.vn" not in json.dumps(one)
        picked = client.get_service_requests(service_request_id=second_id)
        picked = picked if isinstance(picked, list) else [picked]
        assert [request["service_request_id"] for request in picked] == [second_id]
