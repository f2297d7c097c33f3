"""Generate the feedback desk's benchmark dataset for `make bench-feedback`.

One million items (each in its own case, with the case's history) spread over two
years, written with PostgreSQL COPY in chunks of 50,000 (each chunk one transaction, so
an interrupted run resumes where it stopped; a complete dataset is left alone).

The texts, places and units come from `thuocdo.feedback.samples` (a pool of 20,000
realistic items); the unit each case went to is what the routing rules decide for it,
corrected by a transfer for misfiled items and by the Standing Office for items filed
under "Lĩnh vực khác". The states follow the age of the case: recent cases are open,
older ones mostly answered and closed (about 12 % late), some rejected, some overdue and
escalated, some waiting for the submitter; about 55 % of closed cases are published.
The answer deadline is received + 21 days (15 working days, approximately: computing the
calendar for a million rows is not what this measures). Merges are left out (rare, and
they only move items between cases). This is a data generator, not application code.
"""

import io
import os
import random
import re
import sys
import time
from datetime import datetime, timedelta

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuocdo.config.settings.bench")
django.setup()

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from thuocdo.accounts.models import Role, RoleAssignment, User
from thuocdo.core.text import fold_diacritics
from thuocdo.core.tracking import TRACKING_ALPHABET
from thuocdo.feedback.config import topics_load
from thuocdo.feedback.models import (
    KIND_CODE_PREFIX,
    Case,
    CaseEvent,
    ClockPause,
    Item,
    Kind,
    Topic,
)
from thuocdo.feedback.routing import feedback_route
from thuocdo.feedback.samples import SampleItem, sample_items
from thuocdo.units.models import Unit
from thuocdo.workdays.services import calendar_seed

TARGET = int(os.environ.get("BENCH_FEEDBACK_ITEMS", "1000000"))
CHUNK = 50_000
POOL = 20_000
DAYS = 730
DUE = timedelta(days=21)
ANSWERS = [
    "Cơ quan đã kiểm tra, xác nhận nội dung phản ánh và chỉ đạo đơn vị liên quan khắc phục trong tháng.",
    "Nội dung kiến nghị đã được tiếp thu, đưa vào kế hoạch năm; đơn vị chủ trì đã được giao thực hiện.",
    "Vướng mắc nêu trên đã được hướng dẫn tại văn bản mới ban hành; đề nghị ông/bà liên hệ đầu mối để được hỗ trợ.",
    "Qua kiểm tra, nhà mạng đã bổ sung trạm phát sóng; chất lượng dịch vụ tại khu vực đã được cải thiện.",
]
REJECT_NOTES = {
    "out_of_scope": "Nội dung không thuộc phạm vi tiếp nhận của hệ thống; đề nghị gửi cơ quan có thẩm quyền.",
    "abusive": "Nội dung có từ ngữ không phù hợp.",
}


_SPECIAL = re.compile(r"[\\\t\n\r]")


def _escape(value: object) -> str:
    kind = type(value)
    if kind is str:
        text: str = value  # type: ignore[assignment]
        if _SPECIAL.search(text):
            text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return text
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is datetime:
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


class Table:
    """Rows for one table, in its concrete columns, as COPY text."""

    def __init__(self, model: type[Model], skip: tuple[str, ...] = ()) -> None:
        self.name = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if f.column not in skip]
        self.columns = [f.column for f in fields]
        self.defaults: dict[str, object] = {}
        for f in fields:
            if f.null:
                self.defaults[f.column] = None
            elif f.has_default() and not callable(f.default):
                self.defaults[f.column] = f.default
            else:
                self.defaults[f.column] = ""
        self.buffer = io.StringIO()
        self.count = 0

    def add(self, **values: object) -> None:
        row = {**self.defaults, **values}
        self.buffer.write("\t".join(_escape(row[c]) for c in self.columns))
        self.buffer.write("\n")
        self.count += 1

    def flush(self, cursor: object) -> None:
        if not self.count:
            return
        with cursor.copy(f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write(self.buffer.getvalue())
        self.buffer = io.StringIO()
        self.count = 0


def tracking_code(index: int, kind: str) -> str:
    """A unique, valid tracking code for generated item `index` (a bijection mod 31^10)."""
    number = (index * 1_000_000_007 + 12345) % (31**10)
    chars = []
    for _ in range(10):
        number, digit = divmod(number, 31)
        chars.append(TRACKING_ALPHABET[digit])
    body = "".join(chars)
    return f"{KIND_CODE_PREFIX[Kind(kind)]}-{body[:5]}-{body[5:]}"


class Pool:
    """The sample texts with everything the generator needs about each, computed once."""

    def __init__(self) -> None:
        self.samples: list[SampleItem] = sample_items(POOL, seed=20_240_101)
        topics = {t.code: t for t in Topic.objects.select_related("default_unit")}
        units = {u.code: u for u in Unit.objects.filter(level__in=["province", "commune", "central"])}
        self.topic_id = {code: t.pk for code, t in topics.items()}
        self.unit_id = {code: u.pk for code, u in units.items()}
        self.rule_unit: list[int | None] = []
        self.folded: list[str] = []
        for s in self.samples:
            decision = feedback_route(
                topic=topics[s.topic_code],
                title=s.title,
                body=s.body,
                province=units.get(s.province_code),
                commune=units.get(s.commune_code),
                place_text=s.place_text,
            )
            self.rule_unit.append(decision.unit.pk if decision.unit is not None else None)
            self.folded.append(fold_diacritics(f"{s.title} {s.body}"))


def generate_chunk(start: int, pool: Pool, operator_id: int, now: datetime) -> dict[str, int]:  # noqa: PLR0912, PLR0915
    rng = random.Random(start)  # noqa: S311 - reproducible data, not secrets
    cases, items, events, pauses = (
        Table(Case),
        Table(Item),
        Table(CaseEvent, skip=("id",)),
        Table(ClockPause, skip=("id",)),
    )
    for index in range(start, min(start + CHUNK, TARGET)):
        k = rng.randrange(POOL)
        s = pool.samples[k]
        pk = index + 1
        age = DAYS * rng.random() ** 1.4  # more recent cases than old ones: the desk grows
        received = now - timedelta(days=age, seconds=rng.randrange(86_400))
        ev: list[dict[str, object]] = [{"kind": "received", "at": received, "state_after": "received"}]
        expected = pool.unit_id[s.expected_unit_code]
        rule = pool.rule_unit[k]
        case: dict[str, object] = {
            "id": pk,
            "kind": s.kind,
            "topic_id": pool.topic_id[s.topic_code],
            "title": s.title,
            "province_id": pool.unit_id.get(s.province_code),
            "commune_id": pool.unit_id.get(s.commune_code),
            "received_at": received,
            "search_text": pool.folded[k],
            "suggested_unit_id": rule,
            "created_at": received,
            "updated_at": received,
        }
        unit = rule
        if rule is None:  # filed under "khác" (or unplaced): the triage queue
            case.update(routing_method="triage", routing_confidence=0.0, routing_reason="")
            if age < 3:
                case.update(state="received", unit_id=None)
                cases.add(**case)
                _item(items, s, case, rng, None)
                for e in ev:
                    events.add(case_id=pk, is_public=True, **e)
                continue
            unit = expected
            assigned = received + timedelta(hours=rng.randrange(2, 72))
            case["routing_method"] = "manual"
            ev += [
                {
                    "kind": "triaged",
                    "at": assigned,
                    "actor_id": operator_id,
                    "state_before": "received",
                    "state_after": "triaged",
                },
                {
                    "kind": "assigned",
                    "at": assigned,
                    "actor_id": operator_id,
                    "to_unit_id": unit,
                    "state_before": "triaged",
                    "state_after": "assigned",
                },
            ]
        else:
            assigned = received
            case.update(
                routing_method="rule", routing_confidence=0.9, routing_reason="Theo lĩnh vực và địa điểm."
            )
            ev += [
                {"kind": "routed", "at": received, "state_before": "received", "state_after": "triaged"},
                {
                    "kind": "assigned",
                    "at": received,
                    "to_unit_id": rule,
                    "state_before": "triaged",
                    "state_after": "assigned",
                },
            ]
            if rule != expected and age > 4:
                moved = received + timedelta(hours=rng.randrange(4, 40))
                ev.append(
                    {
                        "kind": "transferred",
                        "at": moved,
                        "actor_id": operator_id,
                        "from_unit_id": rule,
                        "to_unit_id": expected,
                        "state_before": "assigned",
                        "state_after": "assigned",
                        "note": "Nội dung thuộc thẩm quyền của đơn vị nhận.",
                    }
                )
                unit, assigned = expected, moved
                case["routing_method"] = "manual"
        due = assigned + DUE
        case.update(unit_id=unit, assigned_at=assigned, answer_due_at=due)
        roll = rng.random()
        accepted = assigned + timedelta(hours=rng.randrange(2, 48))
        if age < 2 or accepted > now:
            case.update(state="assigned", transfer_due_at=assigned + timedelta(days=3))
        elif age < 21:
            if roll < 0.5:
                case["state"] = "in_progress"
            elif roll < 0.56:
                case.update(state="waiting_submitter", paused_since=accepted + timedelta(days=1))
            else:
                answered = min(accepted + timedelta(days=rng.uniform(1, 14)), now - timedelta(hours=1))
                case.update(
                    state="answered",
                    answered_at=answered,
                    answered_late=answered > due,
                    answer=ANSWERS[k % 4],
                    answered_by_id=operator_id,
                )
        elif roll < 0.05:
            closed = received + timedelta(days=rng.uniform(1, 5))
            reason = "out_of_scope" if roll < 0.045 else "abusive"
            case.update(
                state="rejected", reject_reason=reason, reject_note=REJECT_NOTES[reason], closed_at=closed
            )
            ev.append(
                {
                    "kind": "rejected",
                    "at": closed,
                    "actor_id": operator_id,
                    "state_before": "assigned",
                    "state_after": "rejected",
                    "note": REJECT_NOTES[reason],
                }
            )
            accepted = None
        elif roll < 0.11:
            case.update(
                state="in_progress",
                reminded_50_at=assigned + DUE / 2,
                reminded_80_at=assigned + DUE * 0.8,
                escalated_at=due + timedelta(minutes=5),
            )
        elif roll < 0.13:
            case.update(state="waiting_submitter", paused_since=accepted + timedelta(days=2))
        else:
            late = rng.random() < 0.12
            answered = accepted + timedelta(days=rng.uniform(22, 45) if late else rng.uniform(2, 20))
            answered = min(answered, now - timedelta(hours=2))
            case.update(
                answered_at=answered,
                answered_late=answered > due,
                answer=ANSWERS[k % 4],
                answered_by_id=operator_id,
            )
            closed = answered + timedelta(days=10)
            if closed < now:
                case.update(state="closed", closed_at=closed)
            else:
                case["state"] = "answered"
            if closed < now and rng.random() < 0.55:
                published = answered + timedelta(days=rng.uniform(1, 4))
                case.update(
                    is_published=True,
                    published_at=published,
                    published_by_id=operator_id,
                    public_summary=f"{s.title}. {ANSWERS[k % 4]}",
                )
        if accepted is not None and case["state"] != "assigned":
            ev.append(
                {
                    "kind": "accepted",
                    "at": accepted,
                    "actor_id": operator_id,
                    "to_unit_id": unit,
                    "state_before": "assigned",
                    "state_after": "in_progress",
                }
            )
        if case.get("paused_since"):
            ev.append(
                {
                    "kind": "paused",
                    "at": case["paused_since"],
                    "actor_id": operator_id,
                    "state_before": "in_progress",
                    "state_after": "waiting_submitter",
                    "note": "Đề nghị bổ sung địa chỉ cụ thể.",
                }
            )
            pauses.add(
                case_id=pk,
                started_at=case["paused_since"],
                reason="Đề nghị bổ sung địa chỉ cụ thể.",
                started_by_id=operator_id,
            )
        if case.get("escalated_at"):
            ev.append(
                {
                    "kind": "escalated",
                    "at": case["escalated_at"],
                    "to_unit_id": unit,
                    "note": "Quá hạn trả lời; đã báo cáo lãnh đạo đơn vị và Văn phòng thường trực.",
                }
            )
        if case.get("answered_at"):
            ev.append(
                {
                    "kind": "answered",
                    "at": case["answered_at"],
                    "actor_id": operator_id,
                    "to_unit_id": unit,
                    "state_before": "in_progress",
                    "state_after": "answered",
                }
            )
        if case.get("published_at"):
            ev.append({"kind": "published", "at": case["published_at"], "actor_id": operator_id})
        if case.get("state") == "closed":
            ev.append(
                {
                    "kind": "closed",
                    "at": case["closed_at"],
                    "state_before": "answered",
                    "state_after": "closed",
                }
            )
        case["updated_at"] = max(e["at"] for e in ev)  # type: ignore[type-var]
        cases.add(**case)
        rated = case.get("state") == "closed" and rng.random() < 0.3
        _item(
            items,
            s,
            case,
            rng,
            rng.choices([1, 2, 3, 4, 5], weights=[8, 7, 15, 35, 35])[0] if rated else None,
        )
        for e in ev:
            events.add(case_id=pk, is_public=True, **e)
    counts = {"cases": cases.count, "items": items.count, "events": events.count}
    with transaction.atomic(), connection.cursor() as cursor:
        # Generated rows are consistent by construction: skip the per-row foreign-key
        # triggers for this transaction (needs a superuser, as the benchmark database has).
        cursor.execute("SET LOCAL session_replication_role = replica")
        raw = cursor.cursor
        for table in (cases, items, events, pauses):
            table.flush(raw)
    return counts


def _item(
    items: Table, s: SampleItem, case: dict[str, object], rng: random.Random, rating: int | None
) -> None:
    pk, at = case["id"], case["received_at"]
    assert isinstance(pk, int)
    assert isinstance(at, datetime)
    items.add(
        id=pk,
        case_id=pk,
        tracking_code=tracking_code(pk, s.kind),
        kind=s.kind,
        topic_id=case["topic_id"],
        province_id=case["province_id"],
        commune_id=case["commune_id"],
        title=s.title,
        body=s.body,
        place_text=s.place_text,
        contact_name=s.contact_name,
        contact_email=s.contact_email,
        contact_phone=s.contact_phone,
        consent_at=at,
        channel=rng.choice(["web", "web", "web", "api", "open311"]),
        submitted_at=at,
        rating=rating,
        rated_at=min(at + timedelta(days=30), timezone.now()) if rating else None,
    )


def main() -> None:
    started = time.perf_counter()
    now = timezone.now()
    calendar_seed(years=range(now.year - 2, now.year + 2))
    topics_load()
    operator, _ = User.objects.get_or_create(username="bench-operator", defaults={"full_name": "Benchmark"})
    RoleAssignment.objects.get_or_create(user=operator, unit=Unit.objects.get(depth=0), role=Role.ADMIN)
    done = Case.objects.filter(pk__lte=TARGET).count()
    if done >= TARGET:
        print(f"dataset already present: {done:,} cases")
        return
    pool = Pool()
    print(f"sample pool ready ({time.perf_counter() - started:.0f} s); resuming at {done:,}")
    for start in range(done - done % CHUNK, TARGET, CHUNK):
        counts = generate_chunk(start, pool, operator.pk, now)
        print(
            f"  {start + counts['cases']:,} cases, {counts['events']:,} events in this chunk ({time.perf_counter() - started:.0f} s)"
        )
    with connection.cursor() as cursor:
        for table, column in (("feedback_case", "id"), ("feedback_item", "id")):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))"  # noqa: S608 - fixed names
            )
        cursor.execute("VACUUM ANALYZE feedback_case")
        cursor.execute("VACUUM ANALYZE feedback_item")
        cursor.execute("VACUUM ANALYZE feedback_caseevent")
        cursor.execute("SELECT count(*) FROM feedback_caseevent")
        n_events = cursor.fetchone()[0]
    print(
        f"dataset ready: {Case.objects.count():,} cases, {n_events:,} events in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
