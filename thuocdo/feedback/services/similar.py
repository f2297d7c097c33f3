"""Similar cases (possible duplicates), diacritics-insensitive.

First version: shared folded words in the title and text. The duplicates work replaces
this with trigram similarity on PostgreSQL and an equivalent on SQLite."""

from django.db.models import Q

from thuocdo.core.text import fold_diacritics

from ..models import OPEN_STATES, Case

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
    ]
)


def similar_to_text(*, text: str, exclude_id: int | None = None, limit: int = 5) -> list[Case]:
    words = [w for w in fold_diacritics(text).split() if len(w) > 2 and w not in STOP_WORDS][:8]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(search_text__contains=word)
    candidates = Case.objects.filter(condition, state__in=OPEN_STATES, merged_into__isnull=True)
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    scored = []
    for case in candidates.select_related("unit").order_by("-received_at")[:200]:
        score = sum(1 for w in words if w in case.search_text) / len(words)
        if score >= 0.5:
            scored.append((score, case))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].pk))
    return [case for _score, case in scored[:limit]]


def similar_cases(*, case: Case, limit: int = 5) -> list[Case]:
    return similar_to_text(text=case.search_text, exclude_id=case.pk, limit=limit)
