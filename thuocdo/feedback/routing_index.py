"""Names of places and bodies found in free text, for routing.

An in-memory index of every active unit's folded name (and, for central bodies, short
names and abbreviations; for provinces, the short name) plus every pre-2025 name kept as
a `UnitAlias` (old provinces, districts and communes). It is built once per process and
rebuilt only when the units or aliases change (one cheap aggregate query decides), so
finding names in a text costs no per-unit query.

Matching is on folded words (diacritics and case ignored, as people type), with two
safeguards against ordinary words that fold to a place name:

- a word the submitter wrote WITH diacritics must carry the same marks as the name
  ("phương án phù hợp" is not "Phường An Phú"; old and new tone placement, "hoà"/"hòa",
  count as equal);
- a short all-letters abbreviation ("BYT", "HN") counts only when written in capitals.

Commune short names alone ("Ba Vì") are not indexed: thousands of them are ordinary words
or repeat across provinces. A commune is found by its full name ("phường Ba Đình",
"xã Ba Vì", "P. Ba Đình") or its old name.
"""

import functools
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Count, Max

from thuocdo.core.text import fold_diacritics
from thuocdo.units.models import AliasKind, Unit, UnitAlias, UnitLevel

# What a match names.
PLACE_NAME = "name"  # the official name of a province or commune
PLACE_SHORT = "short"  # a province's short name ("Hà Nội") or abbreviation ("HN", "HCM")
BODY = "body"  # a central body by name, short name or abbreviation
LEGACY_PROVINCE = AliasKind.LEGACY_PROVINCE.value
LEGACY_DISTRICT = AliasKind.LEGACY_DISTRICT.value
LEGACY_COMMUNE = AliasKind.LEGACY_COMMUNE.value

# Units a text may name that are not a handling body of their own: the root and the
# Standing Office route to triage anyway.
_NOT_A_BODY_KINDS = frozenset({"steering_committee", "standing_office"})
_TONES = frozenset({"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"})
_TOKEN = re.compile(r"[\w&]+")
# Type abbreviations people write: always ("tp", "tx") or only before a dot ("P. Ba Đình").
_ALWAYS_EXPAND = {"tp": ("thanh", "pho"), "tx": ("thi", "xa"), "ubnd": ("uy", "ban", "nhan", "dan")}
_DOT_EXPAND = {
    "p": ("phuong",),
    "q": ("quan",),
    "x": ("xa",),
    "h": ("huyen",),
    "t": ("tinh",),
    "dk": ("dac", "khu"),
}
_UPPER_MAX = 5  # single-word abbreviations up to this length must be written in capitals


# Folding is the hot path of routing; the vocabulary of words is small, so cache per word.
fold_word = functools.lru_cache(maxsize=65536)(fold_diacritics)


def _signature(token: str) -> str:
    """A token's letters with vowel shapes (â, ơ, ư, đ) but its tone mark set apart, so
    that "hoà" and "hòa" compare equal."""
    decomposed = unicodedata.normalize("NFD", token.lower())
    tones = "".join(sorted(ch for ch in decomposed if ch in _TONES))
    return "".join(ch for ch in decomposed if ch not in _TONES) + "|" + tones


def _has_marks(token: str) -> bool:
    return "đ" in token.lower() or any(
        unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", token)
    )


@dataclass(frozen=True, slots=True)
class Named:
    """One way of naming one unit."""

    unit_id: int
    kind: str
    signatures: tuple[str, ...]  # per word, for the diacritics check
    upper: bool = False  # must be written in capitals
    context: str = ""  # folded "huyện, tỉnh" of an old commune


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    level: str
    kind: str
    depth: int
    province_id: int | None  # the province a place lies in (itself for a province)


@dataclass(frozen=True, slots=True)
class Token:
    folded: str
    original: str  # as written ("" for words spelled out from an abbreviation)
    upper: bool


@dataclass(frozen=True)
class Match:
    phrase: str  # folded words found
    written: str  # as written in the text
    start: int  # token position
    end: int
    names: tuple[Named, ...]
    with_marks: bool  # the submitter wrote diacritics that matched


@dataclass
class PlaceIndex:
    stamp: tuple[object, ...]
    units: dict[int, UnitInfo] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    phrases: dict[str, list[Named]] = field(default_factory=dict)
    prefixes: set[str] = field(default_factory=set)

    def add(self, phrase_text: str, named: "Named") -> None:
        words = fold_diacritics(phrase_text).split()
        if not words:
            return
        key = " ".join(words)
        bucket = self.phrases.setdefault(key, [])
        if any(n.unit_id == named.unit_id and n.kind == named.kind for n in bucket):
            return
        bucket.append(named)
        for i in range(1, len(words)):
            self.prefixes.add(" ".join(words[:i]))

    def find(self, text: str) -> list[Match]:
        """Every indexed name in `text`, longest first at each position, left to right."""
        return self.find_tokens(tokenize(text))

    def find_tokens(self, tokens: list["Token"]) -> list[Match]:
        matches: list[Match] = []
        position = 0
        while position < len(tokens):
            best: tuple[int, list[Named]] | None = None
            phrase = ""
            end = position
            while end < len(tokens):
                phrase = f"{phrase} {tokens[end].folded}" if phrase else tokens[end].folded
                end += 1
                if phrase in self.phrases:
                    best = (end, self.phrases[phrase])
                if phrase not in self.prefixes:
                    break
            if best is None:
                position += 1
                continue
            stop, names = best
            run = tokens[position:stop]
            accepted = tuple(n for n in names if _agrees(run, n))
            if not accepted:
                position += 1
                continue
            matches.append(
                Match(
                    phrase=" ".join(t.folded for t in run),
                    written=" ".join(t.original for t in run if t.original),
                    start=position,
                    end=stop,
                    names=accepted,
                    with_marks=any(_has_marks(t.original) for t in run),
                )
            )
            position = stop
        return matches


def _agrees(run: list[Token], named: Named) -> bool:
    if named.upper and not all(t.upper for t in run):
        return False
    for token, signature in zip(run, named.signatures, strict=False):
        if token.original and _has_marks(token.original) and _signature(token.original) != signature:
            return False
    return True


def tokenize(text: str) -> list[Token]:
    """Words of `text` folded, with unit-type abbreviations spelled out ("TP.HCM",
    "Q.1", "UBND tỉnh")."""
    tokens: list[Token] = []
    for found in _TOKEN.finditer(text):
        original = found.group()
        folded = fold_word(original)
        if not folded:
            continue
        follows_dot = text[found.end() : found.end() + 1] == "."
        expansion = _ALWAYS_EXPAND.get(folded) or (_DOT_EXPAND.get(folded) if follows_dot else None)
        if expansion:
            tokens.extend(Token(word, "", True) for word in expansion)
            continue
        for part in folded.split():
            tokens.append(Token(part, original if part == folded else "", original.isupper()))
    return tokens


def _named(unit_id: int, kind: str, name: str, context: str = "") -> Named:
    words = [w for w in _TOKEN.findall(name) if fold_diacritics(w)]
    compact = len(words) == 1 and len(words[0]) <= _UPPER_MAX and words[0].isupper()
    return Named(
        unit_id=unit_id,
        kind=kind,
        signatures=tuple(_signature(w) for w in words),
        upper=compact,
        context=fold_diacritics(context),
    )


def _stamp() -> tuple[object, ...]:
    units = Unit.objects.aggregate(n=Count("id"), changed=Max("updated_at"))
    aliases = UnitAlias.objects.aggregate(n=Count("id"), last=Max("id"))
    return (units["n"], units["changed"], aliases["n"], aliases["last"])


def _build(stamp: tuple[object, ...]) -> PlaceIndex:  # noqa: PLR0912 - one branch per kind of name
    index = PlaceIndex(stamp=stamp)
    rows = Unit.objects.filter(is_active=True).values_list(
        "id", "code", "name", "short_name", "level", "kind", "depth", "parent_id"
    )
    parent_of: dict[int, int | None] = {}
    raw = list(rows)
    for unit_id, _code, _name, _short, _level, _kind, _depth, parent_id in raw:
        parent_of[unit_id] = parent_id
    for unit_id, code, name, short, level, kind, depth, parent_id in raw:
        province_id = (
            unit_id if level == UnitLevel.PROVINCE else parent_id if level == UnitLevel.COMMUNE else None
        )
        index.codes[code] = unit_id
        index.units[unit_id] = UnitInfo(unit_id, code, name, level, kind, depth, province_id)
        if level == UnitLevel.CENTRAL:
            if depth == 0 or kind in _NOT_A_BODY_KINDS:
                continue
            index.add(name, _named(unit_id, BODY, name))
            if short:
                index.add(short, _named(unit_id, BODY, short))
        else:
            index.add(name, _named(unit_id, PLACE_NAME, name))
            if level == UnitLevel.PROVINCE and short:
                index.add(short, _named(unit_id, PLACE_SHORT, short))
    aliases = UnitAlias.objects.filter(unit__is_active=True).values_list("unit_id", "kind", "name", "context")
    for unit_id, kind, name, context in aliases:
        unit = index.units.get(unit_id)
        if unit is None:
            continue
        if kind == AliasKind.ABBREVIATION:
            if unit.level == UnitLevel.CENTRAL:
                if unit.depth and unit.kind not in _NOT_A_BODY_KINDS:
                    index.add(name, _named(unit_id, BODY, name))
            elif unit.level == UnitLevel.PROVINCE:
                index.add(name, _named(unit_id, PLACE_SHORT, name))
        elif kind in (LEGACY_PROVINCE, LEGACY_DISTRICT, LEGACY_COMMUNE):
            index.add(name, _named(unit_id, kind, name, context))
    return index


# Units change only when an operator reloads the dataset: the freshness check (two
# aggregate queries, a few milliseconds) runs at most this often per process.
STAMP_SECONDS = 30.0
_lock = threading.Lock()
_cached: PlaceIndex | None = None
_checked_at = 0.0


def place_index() -> PlaceIndex:
    """The index for the current units, rebuilt when they changed."""
    global _cached, _checked_at  # noqa: PLW0603 - a per-process cache
    current = _cached
    now = time.monotonic()
    if current is not None and now - _checked_at < STAMP_SECONDS:
        return current
    stamp = _stamp()
    with _lock:
        if _cached is None or _cached.stamp != stamp:
            _cached = _build(stamp)
        _checked_at = now
        return _cached


def place_index_reset() -> None:
    """Forget the index (tests, and after loading units in the same process)."""
    global _cached, _checked_at
    with _lock:
        _cached, _checked_at = None, 0.0
