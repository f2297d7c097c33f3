"""Routing: which unit is responsible for an item, how sure the system is, and why.

`feedback_route` is the one entry point. It returns a `RoutingDecision` whose `reason`
is written for the operator who reads it. Below `routing_threshold()` the case goes to
the Standing Office's triage queue with the suggestion attached.

Evidence, each with a weight in [0, 1] and a sentence for the reason:

- the topic: a locally handled topic goes to the place (commune or province), otherwise
  to the topic's default body;
- the place chosen in the form, and places named in the place field or in the text
  (today's names, province short names and abbreviations, pre-2025 names such as an old
  district), found with the in-memory index of `routing_index` (no per-unit query);
- a body named in the text ("Bộ Y tế", "BYT") and a provincial body ("Sở ... tỉnh X",
  "UBND tỉnh X" → that province);
- the learned classifier (`classifier`), when a model is active.

Per unit the weights combine as independent signals (1 − Π(1 − w)); the best unit's
confidence is reduced by half the score of the strongest unrelated competitor (a unit of
another province or another body), so conflicting evidence sends the item to triage.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from thuocdo.units.models import Unit, UnitLevel

from .classifier import Prediction, classifier_predict_with_version
from .config_cache import active_unit
from .models import HandlingLevel, RoutingMethod, Topic
from .routing_index import (
    BODY,
    LEGACY_COMMUNE,
    PLACE_NAME,
    PLACE_SHORT,
    Match,
    PlaceIndex,
    Token,
    UnitInfo,
    _signature,
    place_index,
    place_index_reset,
    tokenize,
)

# Weights of the evidence (see the module docstring).
W_FORM_COMMUNE = 0.95  # a commune-level topic, commune chosen in the form
W_FORM_PROVINCE = 0.9  # a local topic, province chosen (or the chosen commune's province)
W_TEXT_PLACE = 0.8  # a local topic, place found in the text, one province
W_TEXT_PROVINCE_SHORT = 0.7  # ... only a bare province name ("Hà Nội") or abbreviation
W_AMBIGUOUS = 0.4  # ... a name shared by places in several provinces
W_NO_MARKS = 0.9  # factor when the text had no diacritics to confirm the name
W_TOPIC_DEFAULT = 0.8  # the topic's default body
W_NAMED_BODY = 0.7  # a body named in the text
W_NAMED_LOCAL_BODY = 0.75  # "Sở ... tỉnh X", "UBND tỉnh X"
W_CLASSIFIER_MAX = 0.9  # the classifier's probability, capped
COMPETITOR_PENALTY = 0.5
LOCAL_BODY_WINDOW = 9  # words between "Sở" and the province's name
_SO = _signature("sở")


@dataclass(frozen=True)
class RoutingDecision:
    unit: Unit | None
    confidence: float
    method: str
    reason: str
    model_version: int | None = None
    candidates: list[tuple[Unit, float]] = field(default_factory=list)


def routing_threshold() -> float:
    return float(getattr(settings, "FEEDBACK_ROUTING_THRESHOLD", 0.6))


@dataclass(frozen=True)
class _Evidence:
    unit_id: int
    weight: float
    reason: str
    learned: bool = False


@dataclass(frozen=True)
class _Place:
    """A place a text names: a province, maybe a commune in it."""

    province_id: int
    commune_id: int | None
    written: str
    short_only: bool
    with_marks: bool


@dataclass
class _TextFindings:
    places: list[_Place] = field(default_factory=list)
    # Names shared by places in several provinces: (as written, province ids).
    ambiguous: list[tuple[str, list[int]]] = field(default_factory=list)
    bodies: list[tuple[int, str]] = field(default_factory=list)
    local_bodies: list[tuple[int, str]] = field(default_factory=list)


def _places_of(index: PlaceIndex, match: Match) -> list[tuple[int, int | None]]:
    """(province, commune) pairs a place match may mean; today's names before old ones."""
    names = [n for n in match.names if n.kind != BODY]
    current = [n for n in names if n.kind in (PLACE_NAME, PLACE_SHORT)]
    chosen = current or names
    pairs: list[tuple[int, int | None]] = []
    for named in chosen:
        info = index.units[named.unit_id]
        if info.province_id is None:
            continue
        pair = (info.province_id, info.id if info.level == UnitLevel.COMMUNE else None)
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def _narrow_old_commune(
    match: Match, pairs: list[tuple[int, int | None]], others: list[Match]
) -> list[tuple[int, int | None]]:
    """An old commune name ("phường 1") is narrowed by an old district or province named
    next to it ("quận 3"), through the alias's recorded context."""
    if len(pairs) < 2 or not all(n.kind == LEGACY_COMMUNE for n in match.names):
        return pairs
    phrases = [o.phrase for o in others if o is not match]
    kept_units = {n.unit_id for n in match.names if any(f" {p} " in f" {n.context} " for p in phrases)}
    if not kept_units:
        return pairs
    narrowed = [p for p in pairs if (p[1] in kept_units) or (p[1] is None and p[0] in kept_units)]
    return narrowed or pairs


def _local_body_start(tokens: list[Token], match: Match) -> int | None:
    """Where "Sở <...>" or "Ủy ban nhân dân" starts, a few words before a province's name."""
    first = max(0, match.start - LOCAL_BODY_WINDOW)
    for position in range(match.start - 1, first - 1, -1):
        token = tokens[position]
        folded = [t.folded for t in tokens[position : position + 4]]
        if folded == ["uy", "ban", "nhan", "dan"]:
            return position
        if token.folded == "so" and (
            not token.original or token.original.lower() == "so" or _signature(token.original) == _SO
        ):
            return position
    return None


def _findings(index: PlaceIndex, text: str, form_province_id: int | None) -> _TextFindings:
    tokens = tokenize(text)
    matches = index.find_tokens(tokens)
    found = _TextFindings()
    resolved: list[tuple[Match, list[tuple[int, int | None]]]] = []
    for match in matches:
        if any(n.kind == BODY for n in match.names):
            for named in match.names:
                if named.kind == BODY and all(b[0] != named.unit_id for b in found.bodies):
                    found.bodies.append((named.unit_id, match.written))
            continue
        pairs = _narrow_old_commune(match, _places_of(index, match), matches)
        if pairs:
            resolved.append((match, pairs))
    named_provinces = {pairs[0][0] for _m, pairs in resolved if len({p[0] for p in pairs}) == 1}
    for match, pairs in resolved:
        provinces = list(dict.fromkeys(p[0] for p in pairs))
        if len(provinces) > 1:
            preferred = [p for p in provinces if p == form_province_id] or [
                p for p in provinces if p in named_provinces
            ]
            if len(preferred) != 1:
                found.ambiguous.append((match.written or match.phrase, provinces))
                continue
        kept = [p for p in pairs if p[0] == preferred[0]] if len(provinces) > 1 else pairs
        communes = {p[1] for p in kept if p[1] is not None}
        commune_id = next(iter(communes)) if len(communes) == 1 else None
        short_only = all(n.kind == PLACE_SHORT for n in match.names)
        place = _Place(kept[0][0], commune_id, match.written or match.phrase, short_only, match.with_marks)
        found.places.append(place)
        body_start = _local_body_start(tokens, match)
        if body_start is not None:
            written = " ".join(t.original or t.folded for t in tokens[body_start : match.end])
            found.local_bodies.append((place.province_id, written))
    return found


def _unit_name(index: PlaceIndex, unit_id: int) -> str:
    return index.units[unit_id].name


def _place_evidence(
    index: PlaceIndex,
    topic: Topic,
    province: Unit | None,
    commune: Unit | None,
    findings: _TextFindings,
) -> list[_Evidence]:
    """Evidence from places, for a locally handled topic."""
    level = topic.handling_level
    evidence: list[_Evidence] = []
    topic_words = {"topic": topic.name}
    if commune is not None and level == HandlingLevel.COMMUNE:
        return [
            _Evidence(
                commune.pk,
                W_FORM_COMMUNE,
                _("Lĩnh vực “%(topic)s” do cấp xã giải quyết; địa điểm trong phản ánh: %(place)s.")
                % {**topic_words, "place": commune.name},
            )
        ]
    places = findings.places
    if province is not None:
        inside = [p for p in places if p.province_id == province.pk]
        text_commune = next((p.commune_id for p in inside if p.commune_id is not None), None)
        if level == HandlingLevel.COMMUNE and text_commune is not None:
            return [
                _Evidence(
                    text_commune,
                    W_FORM_PROVINCE,
                    _(
                        "Lĩnh vực “%(topic)s” do cấp xã giải quyết; tỉnh chọn trong biểu mẫu: %(province)s,"
                        " xã/phường nêu trong nội dung: %(place)s."
                    )
                    % {**topic_words, "province": province.name, "place": _unit_name(index, text_commune)},
                )
            ]
        where = f"{commune.name}, {province.name}" if commune is not None else province.name
        evidence.append(
            _Evidence(
                province.pk,
                W_FORM_PROVINCE,
                _("Lĩnh vực “%(topic)s” do địa phương giải quyết; địa điểm trong phản ánh: %(place)s.")
                % {**topic_words, "place": where},
            )
        )
        elsewhere = [p for p in places if p.province_id != province.pk and not p.short_only]
        for place in elsewhere[:1]:
            evidence.append(
                _Evidence(
                    place.province_id,
                    W_TEXT_PLACE * (1 if place.with_marks else W_NO_MARKS) * 0.5,
                    _("Nội dung còn nêu “%(written)s” (thuộc %(province)s), khác tỉnh đã chọn.")
                    % {"written": place.written, "province": _unit_name(index, place.province_id)},
                )
            )
        return evidence
    if places:
        first = places[0]
        same = [p for p in places if p.province_id == first.province_id]
        text_commune = next((p.commune_id for p in same if p.commune_id is not None), None)
        short_only = all(p.short_only for p in same)
        weight = W_TEXT_PROVINCE_SHORT if short_only else W_TEXT_PLACE
        if not any(p.with_marks for p in same):
            weight *= W_NO_MARKS
        written = ", ".join(dict.fromkeys(p.written for p in same))
        if level == HandlingLevel.COMMUNE and text_commune is not None:
            target, target_name = text_commune, _unit_name(index, text_commune)
        else:
            target, target_name = first.province_id, _unit_name(index, first.province_id)
        evidence.append(
            _Evidence(
                target,
                weight,
                _(
                    "Lĩnh vực “%(topic)s” do địa phương giải quyết; nội dung nêu địa danh “%(written)s”"
                    " thuộc %(unit)s."
                )
                % {**topic_words, "written": written, "unit": target_name},
            )
        )
        for other in [p for p in places if p.province_id != first.province_id][:1]:
            evidence.append(
                _Evidence(
                    other.province_id,
                    (W_TEXT_PROVINCE_SHORT if other.short_only else W_TEXT_PLACE) * 0.8,
                    _("Nội dung còn nêu “%(written)s” thuộc %(province)s.")
                    % {"written": other.written, "province": _unit_name(index, other.province_id)},
                )
            )
        return evidence
    for written, provinces in findings.ambiguous[:1]:
        names = ", ".join(_unit_name(index, p) for p in provinces[:4])
        evidence.append(
            _Evidence(
                provinces[0],
                W_AMBIGUOUS,
                _(
                    "Lĩnh vực “%(topic)s” do địa phương giải quyết; địa danh “%(written)s” trùng tên ở"
                    " nhiều tỉnh (%(names)s), chưa xác định được nơi xảy ra."
                )
                % {**topic_words, "written": written, "names": names},
            )
        )
    return evidence


def _related(a: UnitInfo, b: UnitInfo) -> bool:
    """The same place (a commune and its province) or the same unit."""
    return a.id == b.id or (a.province_id is not None and a.province_id == b.province_id)


def routing_text(title: str, body: str) -> str:
    """What the classifier reads of a submission."""
    return f"{title}\n{body}"


def feedback_route(
    *,
    topic: Topic,
    title: str,
    body: str,
    province: Unit | None = None,
    commune: Unit | None = None,
    place_text: str = "",
    prediction: Prediction | None = None,
) -> RoutingDecision:
    """Decide the responsible unit from the topic, the places and bodies named, and the
    classifier; see the module docstring for how the evidence combines. `prediction` is
    the classifier's answer for `title` and `body` when the caller already asked it
    (`classifier_predict_many`, for a group of cases)."""
    if commune is not None and province is None:
        province = commune.parent
    index = place_index()
    known = {unit.pk for unit in (province, commune, topic.default_unit) if unit is not None}
    if not known <= index.units.keys():
        # The units changed since the index was built (a reload in this process, within
        # the re-check interval): rebuild now rather than route on stale ids.
        place_index_reset()
        index = place_index()
    findings = _findings(index, f"{place_text}\n{title}\n{body}", province.pk if province else None)
    evidence: list[_Evidence] = []
    local = topic.handling_level in (HandlingLevel.PROVINCE, HandlingLevel.COMMUNE)
    if local:
        evidence += _place_evidence(index, topic, province, commune, findings)
    if topic.default_unit_id is not None and not (local and evidence):
        assert topic.default_unit is not None  # noqa: S101 - the id is set
        reason = (
            _(
                "Lĩnh vực “%(topic)s” do địa phương giải quyết nhưng chưa xác định được địa điểm; giao %(unit)s."
            )
            if local
            else _("Lĩnh vực “%(topic)s” thuộc trách nhiệm của %(unit)s.")
        )
        evidence.append(
            _Evidence(
                topic.default_unit_id,
                W_TOPIC_DEFAULT,
                reason % {"topic": topic.name, "unit": topic.default_unit.name},
            )
        )
    for unit_id, written in findings.bodies:
        evidence.append(
            _Evidence(
                unit_id,
                W_NAMED_BODY,
                _("Nội dung nêu tên cơ quan “%(written)s” (%(unit)s).")
                % {"written": written, "unit": _unit_name(index, unit_id)},
            )
        )
    for province_id, written in findings.local_bodies:
        evidence.append(
            _Evidence(
                province_id,
                W_NAMED_LOCAL_BODY,
                _("Nội dung nêu cơ quan của địa phương “%(written)s” (%(unit)s).")
                % {"written": written, "unit": _unit_name(index, province_id)},
            )
        )
    model_version, predictions = prediction or classifier_predict_with_version(routing_text(title, body))
    for code, probability in predictions[:1]:
        predicted_id = index.codes.get(code)
        if predicted_id is None:
            continue
        evidence.append(
            _Evidence(
                predicted_id,
                min(probability, W_CLASSIFIER_MAX),
                _("Mô hình học máy phiên bản %(version)s gợi ý %(unit)s (xác suất %(p)s %%).")
                % {
                    "version": model_version,
                    "unit": _unit_name(index, predicted_id),
                    "p": round(probability * 100),
                },
                learned=True,
            )
        )
    return _decide(index, evidence, model_version if predictions else None)


def _decide(index: PlaceIndex, evidence: list[_Evidence], model_version: int | None) -> RoutingDecision:
    if not evidence:
        return RoutingDecision(
            unit=None,
            confidence=0.0,
            method=RoutingMethod.TRIAGE,
            reason=_("Không xác định được cơ quan phụ trách từ lĩnh vực, địa điểm và nội dung."),
        )
    by_unit: dict[int, list[_Evidence]] = defaultdict(list)
    for item in evidence:
        by_unit[item.unit_id].append(item)
    scores: dict[int, float] = {}
    for unit_id, items in by_unit.items():
        miss = 1.0
        for item in items:
            miss *= 1 - item.weight
        scores[unit_id] = 1 - miss
    ranked = sorted(scores, key=lambda u: (-scores[u], -max(e.weight for e in by_unit[u])))
    best = ranked[0]
    best_info = index.units[best]
    rivals = [u for u in ranked[1:] if not _related(index.units[u], best_info)]
    rival_score = scores[rivals[0]] if rivals else 0.0
    confidence = round(max(0.0, min(1.0, scores[best] - COMPETITOR_PENALTY * rival_score)), 3)
    sentences = [e.reason for e in by_unit[best]]
    if rivals:
        sentences += [e.reason for e in by_unit[rivals[0]]]
        sentences.append(
            _("Các dấu hiệu chỉ về nhiều đơn vị khác nhau (%(a)s, %(b)s) nên độ tin cậy giảm.")
            % {"a": best_info.name, "b": index.units[rivals[0]].name}
        )
    learned_only = all(e.learned for e in by_unit[best])
    units = {u: unit for u in ranked[:3] if (unit := active_unit(u)) is not None}
    return RoutingDecision(
        unit=units.get(best),
        confidence=confidence,
        method=RoutingMethod.CLASSIFIER if learned_only else RoutingMethod.RULE,
        reason=" ".join(sentences),
        model_version=model_version,
        candidates=[(units[u], round(scores[u], 3)) for u in ranked[:3] if u in units],
    )
