"""Demo data for the feedback desk: about sixty items with two months of real history.

Everything goes through the real services (`feedback_submit`, `case_accept`,
`case_answer`, `case_transfer`, `case_triage`, `case_publish`, `item_rate`,
`item_dispute`, `case_merge`, `cases_sweep`) with `now=` in the past, step by step in
time order, so deadlines, reminders, escalations and histories are the ones the
system itself would have written. Every case and item is marked `is_demo=True`.
Idempotent: once demo cases exist, nothing more is filed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from thuocdo.accounts.demo import DEMO_PEOPLE, demo_people_seed
from thuocdo.accounts.models import User
from thuocdo.units.models import Unit
from thuocdo.workdays.services import calendar_seed

from .config import topics_load
from .models import Case, CaseState, Item, RoutingModel
from .samples import OTHER_TOPIC, SampleItem, sample_items
from .services import (
    SubmissionInput,
    case_accept,
    case_answer,
    case_merge,
    case_publish,
    case_transfer,
    case_triage,
    cases_sweep,
    feedback_submit,
    item_dispute,
    item_rate,
)

SEED = 57
OFFICE = "vanphong"
# Demo people who handle the cases of their own unit; the Standing Office handles the rest.
HANDLERS = {"BO-KHCN": "canbo.bokhcn", "00004": "canbo.badinh", "01": "quantri.hanoi"}

ANSWERS = [
    "Cơ quan đã kiểm tra thực tế, xác nhận nội dung phản ánh và đã chỉ đạo đơn vị liên quan khắc phục; "
    "kết quả sẽ được thông báo trên Cổng thông tin.",
    "Cảm ơn ông/bà đã phản ánh. Nội dung đã được tiếp thu, đưa vào kế hoạch năm nay; đơn vị chủ trì "
    "đã được giao thực hiện trong quý tới.",
    "Qua rà soát, vướng mắc nêu trên đã được hướng dẫn tại văn bản mới ban hành; cơ quan gửi kèm hướng dẫn "
    "chi tiết và đầu mối liên hệ để hỗ trợ.",
]


@dataclass
class DemoResult:
    created: int = 0
    skipped: bool = False
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Plan:
    """One demo item: what to file, when, and the steps that follow (day offsets)."""

    sample: SampleItem
    filed: datetime
    steps: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)
    item: Item | None = None


def _people() -> dict[str, User]:
    wanted = [person.username for person in DEMO_PEOPLE]
    people = {user.username: user for user in User.objects.filter(username__in=wanted)}
    if len(people) < len(wanted):
        demo_people_seed()
        people = {user.username: user for user in User.objects.filter(username__in=wanted)}
    return people


def _handler(case: Case, people: dict[str, User]) -> User:
    unit = case.unit
    if unit is not None:
        if unit.code in HANDLERS:
            return people[HANDLERS[unit.code]]
        if unit.path.startswith(Unit.objects.get(code="01").path) and unit.code != "00004":
            return people[HANDLERS["01"]]
    return people[OFFICE]


def _ba_dinh_items() -> list[SampleItem]:
    """Two items at the demo officer's own ward, so canbo.badinh has work to show."""
    base = {
        "province_code": "01",
        "commune_code": "00004",
        "expected_unit_code": "00004",
        "subject_code": "chuyen-doi-so-dia-phuong",
        "topic_code": "chuyen-doi-so-dia-phuong",
    }
    return [
        SampleItem(
            kind="report",
            title="Máy lấy số tự động ở Trung tâm phục vụ hành chính công phường Ba Đình bị hỏng",
            body="Từ đầu tháng, máy lấy số tự động ở điểm tiếp nhận hồ sơ của phường Ba Đình không hoạt động, "
            "người dân phải xếp hàng và ghi tên vào giấy. Đề nghị sớm sửa chữa.",
            place_text="Phường Ba Đình, Thành phố Hà Nội",
            contact_name="Trần Thị Thu Hằng",
            contact_email="hang.tran.1975@example.vn",
            contact_phone="",
            **base,
        ),
        SampleItem(
            kind="recommendation",
            title="Đề nghị trả kết quả bản điện tử cho hồ sơ chứng thực ở phường Ba Đình",
            body="Tôi làm chứng thực bản sao tại phường Ba Đình nhưng chỉ được nhận bản giấy. Đề nghị phường trả "
            "kết quả bản điện tử vào kho dữ liệu trên Cổng dịch vụ công để dùng lại.",
            place_text="",
            contact_name="Lê Minh Quân",
            contact_email="quan.leminh@example.vn",
            contact_phone="0912345678",
            **base,
        ),
    ]


def _submission(sample: SampleItem) -> SubmissionInput:
    return SubmissionInput(
        kind=sample.kind,
        topic=sample.topic_code,
        title=sample.title,
        body=sample.body,
        province=sample.province_code,
        commune=sample.commune_code,
        place_text=sample.place_text,
        contact_name=sample.contact_name,
        contact_email=sample.contact_email,
        contact_phone=sample.contact_phone,
        consent=True,
        publish_name=False,
    )


def _day(now: datetime, days_ago: float, hour: int = 9) -> datetime:
    """Citizens file on any day, at office-ish hours (local time)."""
    return timezone.localtime(now - timedelta(days=days_ago)).replace(
        hour=hour, minute=17, second=0, microsecond=0
    )


def _officer_day(moment: datetime) -> datetime:
    """Officers act on weekdays (holidays are ignored: close enough for a demo)."""
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


def _plans(now: datetime) -> list[_Plan]:
    samples = sample_items(600, seed=SEED)
    routed = [s for s in samples if s.topic_code == s.subject_code]
    to_triage = [s for s in samples if s.topic_code == OTHER_TOPIC]
    misfiled = [s for s in samples if s.topic_code not in (s.subject_code, OTHER_TOPIC)]
    khcn = [s for s in routed if s.expected_unit_code == "BO-KHCN"]
    hanoi = [s for s in routed if s.province_code == "01" and s.expected_unit_code == "01"]
    others = [s for s in routed if s not in khcn and s not in hanoi]
    plans: list[_Plan] = []

    def plan(sample: SampleItem, days_ago: float, *steps: tuple[float, str, dict[str, Any]]) -> _Plan:
        filed = _day(now, days_ago, hour=8 + len(plans) % 10)
        entry = _Plan(sample, filed)
        last = filed
        for offset, action, args in steps:
            # Weekend steps move to Monday; each comes at least an hour after the one before.
            last = max(_officer_day(filed + timedelta(days=offset)), last + timedelta(hours=1))
            entry.steps.append((last, action, args))
        plans.append(entry)
        return entry

    answer = lambda k: {"answer": ANSWERS[k % len(ANSWERS)]}  # noqa: E731
    # Answered on time and published (some rated).
    for k, sample in enumerate([*khcn[:5], *hanoi[:4], *others[:8]]):
        steps: list[tuple[float, str, dict[str, Any]]] = [
            (1, "accept", {}),
            (6 + k % 8, "answer", answer(k)),
            (8 + k % 8, "publish", {}),
        ]
        if k % 3 == 0:
            steps.append((9 + k % 8, "rate", {"rating": 4 + k % 2}))
        plan(sample, 58 - k * 2, *steps)
    # Answered late and published.
    for k, sample in enumerate([*khcn[5:7], *others[8:12]]):
        plan(sample, 60 - k, (1, "accept", {}), (28 + k, "answer", answer(k)), (30 + k, "publish", {}))
        if k == 0:
            plans[-1].steps.append((plans[-1].steps[-1][0] + timedelta(days=1), "rate", {"rating": 2}))
    # Answered recently, not yet published (within the dispute window).
    for k, sample in enumerate([*hanoi[4:6], *others[12:15]]):
        plan(sample, 12 + k, (1, "accept", {}), (8, "answer", answer(k)))
    # Overdue: accepted and never answered; the sweep escalates them.
    for k, sample in enumerate([*khcn[7:9], *hanoi[6:8], *others[15:19]]):
        plan(sample, 40 - k * 2, (1, "accept", {}))
    # Transferred: a misfiled item, moved by the unit (or the Standing Office) to the competent one.
    for k, sample in enumerate(misfiled[:5]):
        plan(sample, 20 - k * 3, (1, "transfer", {"to": sample.expected_unit_code}), (3, "accept", {}))
    # In the triage queue, untouched.
    for k, sample in enumerate(to_triage[:5]):
        plan(sample, 1 + k)
    # Triaged by the Standing Office, then accepted.
    for k, sample in enumerate(to_triage[5:9]):
        plan(sample, 9 + k, (1, "triage", {"to": sample.expected_unit_code}), (2, "accept", {}))
    # Fresh, in progress or just assigned.
    for k, sample in enumerate([*khcn[9:12], *others[19:24], *_ba_dinh_items()]):
        plan(sample, 2 + k % 5, *([(1, "accept", {})] if k % 2 == 0 else []))
    # A duplicate: the same complaint from a second person, merged into the first case.
    first = others[24]
    plan(first, 7, (1, "accept", {}))
    duplicate = replace(
        first, contact_name="Ngô Thanh Tâm", contact_email="tam.ngo.88@example.vn", contact_phone=""
    )
    plan(duplicate, 6, (1, "merge", {"into": len(plans) - 1}))
    # Disputed: answered, then the submitter disagreed; the case reopened.
    plan(
        others[25],
        16,
        (1, "accept", {}),
        (9, "answer", answer(1)),
        (11, "dispute", {"reason": "Câu trả lời chưa giải quyết được vấn đề, tình trạng vẫn tiếp diễn."}),
    )
    return plans


def _summary(case: Case) -> str:
    return f"{case.title}. Đơn vị xử lý đã trả lời: {case.answer[:400]}"


def _run_step(
    entry: _Plan,
    action: str,
    args: dict[str, Any],
    *,
    at: datetime,
    people: dict[str, User],
    plans: list[_Plan],
) -> None:
    assert entry.item is not None  # noqa: S101 - steps run after filing
    case = Case.objects.select_related("unit").get(pk=Item.objects.get(pk=entry.item.pk).case_id)
    office = people[OFFICE]
    if action in ("accept", "answer") and case.unit is None:
        # Routing left it to the Standing Office: it triages to the competent unit first.
        case = case_triage(
            actor=office,
            case=case,
            unit=Unit.objects.get(code=entry.sample.expected_unit_code),
            note="",
            now=at,
        )
    if action == "triage" and case.unit is not None:
        action = "transfer"  # routing already chose a unit; the office moves it if it is not the right one
    if action == "accept" and case.state != CaseState.ASSIGNED:
        return
    if action == "accept":
        case_accept(actor=_handler(case, people), case=case, now=at)
    elif action == "answer":
        case_answer(actor=_handler(case, people), case=case, answer=args["answer"], now=at)
    elif action == "publish":
        case_publish(actor=office, case=case, public_summary=_summary(case), now=at)
    elif action == "rate":
        item_rate(item=entry.item, rating=args["rating"], comment="", now=at)
    elif action == "dispute":
        item_dispute(item=entry.item, reason=args["reason"], now=at)
    elif action == "transfer" and case.unit is None:
        # Filed under a topic nobody owns: it waited in the triage queue instead.
        case_triage(actor=office, case=case, unit=Unit.objects.get(code=args["to"]), note="", now=at)
    elif action == "transfer" and case.unit is not None and case.unit.code != args["to"]:
        case_transfer(
            actor=office,
            case=case,
            to_unit=Unit.objects.get(code=args["to"]),
            reason="Nội dung thuộc thẩm quyền giải quyết của đơn vị nhận.",
            now=at,
        )
    elif action == "triage":
        case_triage(actor=office, case=case, unit=Unit.objects.get(code=args["to"]), note="", now=at)
    elif action == "merge":
        target = plans[args["into"]].item
        assert target is not None  # noqa: S101 - the first case is filed earlier
        case_merge(
            actor=office,
            case=case,
            into=Case.objects.get(pk=target.case_id),
            note="Trùng nội dung với phản ánh đã tiếp nhận trước.",
            now=at,
        )


def feedback_demo_load(*, notify: Callable[[str], object] = lambda _m: None) -> DemoResult:
    """File the demo items and replay their handling; nothing happens if demo cases exist."""
    if Case.objects.filter(is_demo=True).exists():
        return DemoResult(skipped=True, counts=demo_counts())
    now = timezone.now()
    calendar_seed(years=sorted({(now - timedelta(days=90)).year, now.year, now.year + 1}))
    topics_load()
    people = _people()
    plans = _plans(now)
    # Every filing, every step and a weekly sweep, in time order.
    timeline: list[tuple[datetime, int, Callable[[], None]]] = []
    for index, entry in enumerate(plans):

        def file(entry: _Plan = entry, index: int = index) -> None:
            entry.item = feedback_submit(
                actor=AnonymousUser(),
                data=_submission(entry.sample),
                idempotency_key=f"demo-feedback-{index}",
                is_demo=True,
                now=entry.filed,
            )

        timeline.append((entry.filed, 0, file))
        for at, action, args in entry.steps:
            if at >= now:
                continue
            timeline.append(
                (at, 1, partial(_run_step, entry, action, args, at=at, people=people, plans=plans))
            )
    first = min(entry.filed for entry in plans)
    moment = first + timedelta(days=7)
    while moment < now:
        timeline.append((moment, 2, partial(_sweep, moment)))
        moment += timedelta(days=7)
    timeline.append((now, 2, lambda: _sweep(now)))
    timeline.sort(key=lambda row: (row[0], row[1]))
    with transaction.atomic():
        for _at, _order, step in timeline:
            step()
    if not RoutingModel.objects.exists():
        # A first classifier version, trained on labelled sample items (decision 0030), so
        # the routing page has a model and an accuracy to show. Trained after the demo
        # history, which therefore shows rule-based routing, triage and transfers.
        from .classifier import routing_model_train  # noqa: PLC0415 - loads scikit-learn

        routing_model_train(
            samples=[(s.text, s.expected_unit_code) for s in sample_items(800, seed=SEED + 1)]
        )
    notify(f"{len(plans)} phản ánh minh hoạ đã được tiếp nhận và xử lý.")
    return DemoResult(created=len(plans), counts=demo_counts())


def _sweep(at: datetime) -> None:
    cases_sweep(now=at)


def demo_counts() -> dict[str, int]:
    demo = Case.objects.filter(is_demo=True)
    return {
        "cases": demo.count(),
        "items": Item.objects.filter(is_demo=True).count(),
        "published": demo.filter(is_published=True).count(),
        "answered_late": demo.filter(answered_late=True).count(),
        "escalated_open": demo.filter(
            escalated_at__isnull=False, state__in=[CaseState.ASSIGNED, CaseState.IN_PROGRESS]
        ).count(),
        "triage_queue": demo.filter(unit__isnull=True, state=CaseState.RECEIVED).count(),
        "merged": demo.filter(merged_into__isnull=False).count(),
        "transferred": demo.filter(events__kind="transferred").distinct().count(),
        "disputed": Item.objects.filter(is_demo=True, disputed_at__isnull=False).count(),
    }
