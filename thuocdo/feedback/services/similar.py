"""Similar cases (possible duplicates), diacritics-insensitive, on every database.

The measure is pg_trgm's trigram similarity on the folded text (`Case.search_text`,
folded when written, so no `unaccent` is needed): each word padded as "  word ", the
sets of three-character pieces compared, |A ∩ B| / |A ∪ B|.

- PostgreSQL: the `%` operator over a GIN trigram index (migration 0003) picks the
  candidates, ordered by `similarity()`.
- SQLite: candidates are the cases sharing one of the text's rarer words (a LIKE on the
  padded folded text), newest first.

Either way the candidates are then scored in Python with the same trigram measure and
kept above `FEEDBACK_SIMILAR_THRESHOLD`, so both databases rank clear duplicates alike.
"""

import re
from typing import Literal

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from thuocdo.core.text import fold_diacritics

from ..models import OPEN_STATES, Case

Scope = Literal["desk", "public"]
CANDIDATES = 300
MAX_QUERY_CHARS = 5000
PREFILTER_WORDS = 8
_WORD = re.compile(r"[a-z0-9]+")

STOP_WORDS = frozenset(
    [
        "va",
        "cua",
        "cho",
        "cac",
        "nhung",
        "mot",
        "la",
        "co",
        "khong",
        "duoc",
        "tai",
        "tren",
        "voi",
        "den",
        "trong",
        "nay",
        "da",
        "se",
        "ve",
        "the",
        "thi",
        "nhu",
        "neu",
        "khi",
        "hon",
        "rat",
        "cung",
        "con",
        "bi",
        "tu",
        "theo",
        "sau",
        "truoc",
        "nen",
        "vao",
        "ra",
        "lai",
        "dang",
        "nguoi",
        "dan",
        "de",
        "nghi",
        "xin",
        "toi",
        "chung",
    ]
)


def similar_threshold() -> float:
    return float(getattr(settings, "FEEDBACK_SIMILAR_THRESHOLD", 0.3))


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of a folded text."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: str | set[str], b: str | set[str]) -> float:
    first = trigrams(a) if isinstance(a, str) else a
    second = trigrams(b) if isinstance(b, str) else b
    if not first or not second:
        return 0.0
    common = len(first & second)
    return common / (len(first) + len(second) - common)


def _scope(scope: Scope) -> QuerySet[Case]:
    cases = Case.objects.filter(merged_into__isnull=True)
    if scope == "public":
        # What a submitter may see before sending: open cases and published answers.
        return cases.filter(Q(state__in=OPEN_STATES) | Q(is_published=True))
    return cases.filter(state__in=OPEN_STATES)


def _candidates(folded: str, cases: QuerySet[Case]) -> QuerySet[Case]:
    if connection.vendor == "postgresql":
        return cases.filter(
            RawSQL("feedback_case.search_text %% %s", [folded], output_field=BooleanField())
        ).order_by(RawSQL("similarity(feedback_case.search_text, %s)", [folded]).desc())
    words = sorted(
        {w for w in folded.split() if len(w) > 2 and w not in STOP_WORDS},
        key=lambda w: (-len(w), w),
    )[:PREFILTER_WORDS]
    if not words:
        return cases.none()
    condition = Q()
    for word in words:
        condition |= Q(search_text__contains=word)
    return cases.filter(condition).order_by("-received_at")


def similar_to_text(
    *, text: str, exclude_id: int | None = None, limit: int = 5, scope: Scope = "desk"
) -> list[Case]:
    """Cases whose text is close to `text`, most similar first; each carries `similarity`."""
    folded = fold_diacritics(text[:MAX_QUERY_CHARS])
    query_grams = trigrams(folded)
    if len(query_grams) < 3:
        return []
    cases = _scope(scope)
    if exclude_id is not None:
        cases = cases.exclude(pk=exclude_id)
    threshold = similar_threshold()
    scored: list[tuple[float, Case]] = []
    for case in _candidates(folded, cases).select_related("unit", "topic")[:CANDIDATES]:
        score = trigram_similarity(query_grams, case.search_text)
        if score >= threshold:
            case.similarity = round(score, 3)  # type: ignore[attr-defined] # shown to the reader
            scored.append((score, case))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].pk))
    return [case for _score, case in scored[: max(1, limit)]]


def similar_cases(*, case: Case, limit: int = 5) -> list[Case]:
    """Open cases that may duplicate `case` (for the handler's page)."""
    return similar_to_text(text=case.search_text, exclude_id=case.pk, limit=limit)
