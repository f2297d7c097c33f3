"""The learned part of routing: a Vietnamese text classifier trained from handled cases.

- Words: underthesea's `word_tokenize` (a CRF model shipped inside the package, runs
  offline; its `classify()` would download a model and is never used), then folded so
  text typed without diacritics still matches. If underthesea cannot be imported the
  classifier falls back to syllable uni- and bigrams (recorded in the model).
- Model: TF-IDF over words and word pairs, multinomial logistic regression (probabilities
  without a separate calibration step), scikit-learn, trained on this machine.
- Versions: each training stores a new `RoutingModel` with its accuracy on a held-out 20 %
  (stratified). It becomes the active one only if nothing is active or it is at least as
  accurate as the active one. Too little data: nothing is stored, the reason is returned.
- Trust: the payload is a pickle (joblib) that only `routing_model_train` writes; it is
  never read from uploads or any user input (decision 0024).
"""

import io
import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import joblib
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from thuocdo.audit.models import AuditAction
from thuocdo.audit.services import audit_record
from thuocdo.core.freshness import Rechecked
from thuocdo.core.text import fold_diacritics

from .models import Case, CaseState, Item, RoutingModel
from .routing_index import fold_word

logger = logging.getLogger("thuocdo.feedback")

MIN_SAMPLES = 50
MIN_LABELS = 2
MIN_PER_LABEL = 2  # a unit with a single handled case cannot be both learned and tested
HELD_OUT_SHARE = 0.2
MAX_TEXT_CHARS = 800  # title and opening of the body: word segmentation costs ~20 µs a character
RANDOM_STATE = 57
TOKENIZER_WORDS = "underthesea-word"
TOKENIZER_SYLLABLES = "syllable-ngram"


class TrainingSkipped(Exception):
    """Not enough data to train; the message says what is missing (Vietnamese)."""


def _underthesea_tokenize() -> Any:
    try:
        from underthesea import word_tokenize  # noqa: PLC0415 - heavy import, only when used
    except ImportError:  # pragma: no cover - the dependency is declared
        return None
    return word_tokenize


def words(text: str, tokenizer: str = TOKENIZER_WORDS) -> str:
    """The text as space-separated folded tokens; compound words joined by "_"."""
    text = text[:MAX_TEXT_CHARS]
    if tokenizer == TOKENIZER_WORDS:
        tokenize = _underthesea_tokenize()
        if tokenize is not None:
            segmented = (
                fold_word(token.replace("_", " ")) for token in tokenize(text, format="text").split()
            )
            return " ".join(token.replace(" ", "_") for token in segmented if token)
    return fold_diacritics(text)


def default_tokenizer() -> str:
    return TOKENIZER_WORDS if _underthesea_tokenize() is not None else TOKENIZER_SYLLABLES


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415

    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    token_pattern=r"\S+",  # noqa: S106 - a regular expression, not a password
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=1,
                    lowercase=False,
                ),
            ),
            ("model", LogisticRegression(C=10.0, max_iter=2000, random_state=RANDOM_STATE)),
        ]
    )


def handled_cases_count() -> int:
    """How many handled cases could teach the classifier."""
    return Case.objects.filter(
        state__in=[CaseState.ANSWERED, CaseState.CLOSED],
        unit__isnull=False,
        unit__is_active=True,
        merged_into__isnull=True,
    ).count()


def handled_samples(limit: int = 20000) -> list[tuple[str, str]]:
    """(text, unit code) of handled cases: answered or closed, by the unit that answered."""
    rows = (
        Item.objects.filter(
            case__state__in=[CaseState.ANSWERED, CaseState.CLOSED],
            case__unit__isnull=False,
            case__unit__is_active=True,
            case__merged_into__isnull=True,
        )
        .order_by("-case__received_at", "case_id", "submitted_at")
        .values_list("case_id", "title", "body", "case__unit__code")[: limit * 2]
    )
    seen: set[int] = set()
    samples: list[tuple[str, str]] = []
    for case_id, title, body, code in rows:
        if case_id in seen:
            continue
        seen.add(case_id)
        samples.append((f"{title}\n{body}", code))
        if len(samples) >= limit:
            break
    return samples


def _check(samples: list[tuple[str, str]]) -> list[tuple[str, str]]:
    counts = Counter(code for _text, code in samples)
    usable = [(text, code) for text, code in samples if counts[code] >= MIN_PER_LABEL and text.strip()]
    labels = {code for _text, code in usable}
    if len(usable) < MIN_SAMPLES:
        raise TrainingSkipped(
            _("Chưa đủ dữ liệu: cần ít nhất %(min)d hồ sơ đã xử lý (có %(n)d).")
            % {"min": MIN_SAMPLES, "n": len(usable)}
        )
    if len(labels) < MIN_LABELS:
        raise TrainingSkipped(
            _("Chưa đủ dữ liệu: cần hồ sơ của ít nhất %(min)d đơn vị, mỗi đơn vị ít nhất %(per)d hồ sơ.")
            % {"min": MIN_LABELS, "per": MIN_PER_LABEL}
        )
    held_out = max(math.ceil(len(usable) * HELD_OUT_SHARE), len(labels))
    if len(usable) - held_out < len(labels):
        raise TrainingSkipped(
            _("Chưa đủ dữ liệu: %(n)d hồ sơ không đủ để vừa học vừa kiểm tra %(labels)d đơn vị.")
            % {"n": len(usable), "labels": len(labels)}
        )
    return usable


def routing_model_train(
    *, samples: list[tuple[str, str]] | None = None, actor: Any = None
) -> RoutingModel | None:
    """Train a new version from `samples` ((text, unit code) pairs; None = handled cases).

    Returns the stored version, or None when there is too little data (logged, with the
    reason). The new version becomes active when it is at least as accurate as the
    active one on its held-out part."""
    try:
        return routing_model_train_or_explain(samples=samples, actor=actor)
    except TrainingSkipped as skipped:
        logger.info("Routing model not trained: %s", skipped)
        return None


def routing_model_train_or_explain(
    *, samples: list[tuple[str, str]] | None = None, actor: Any = None
) -> RoutingModel:
    """As `routing_model_train`, but raises TrainingSkipped with the reason."""
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    usable = _check(handled_samples() if samples is None else list(samples))
    tokenizer = default_tokenizer()
    texts = [words(text, tokenizer) for text, _code in usable]
    labels = [code for _text, code in usable]
    label_set = sorted(set(labels))
    held_out = max(math.ceil(len(usable) * HELD_OUT_SHARE), len(label_set))
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=held_out, stratify=labels, random_state=RANDOM_STATE
    )
    evaluated = _pipeline().fit(train_x, train_y)
    correct = sum(1 for guess, truth in zip(evaluated.predict(test_x), test_y, strict=True) if guess == truth)
    accuracy = correct / len(test_y)
    # The stored model learns from every sample; its accuracy is the one measured above.
    final = _pipeline().fit(texts, labels)
    buffer = io.BytesIO()
    joblib.dump({"pipeline": final, "tokenizer": tokenizer, "labels": label_set}, buffer, compress=3)
    with transaction.atomic():
        active = RoutingModel.objects.select_for_update().filter(is_active=True).first()
        version = (RoutingModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        activate = active is None or accuracy >= active.accuracy
        if activate:
            active_version.changed()
        if activate and active is not None:
            RoutingModel.objects.filter(pk=active.pk).update(is_active=False)
        model = RoutingModel.objects.create(
            version=version,
            trained_at=timezone.now(),
            trained_on=len(train_y),
            held_out=len(test_y),
            accuracy=accuracy,
            label_count=len(label_set),
            labels=label_set,
            algorithm=f"tfidf(1-2)+logistic-regression; tokenizer={tokenizer}",
            payload=buffer.getvalue(),
            is_active=activate,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=model,
            after={
                "version": version,
                "samples": len(usable),
                "held_out": len(test_y),
                "accuracy": round(accuracy, 4),
                "labels": len(label_set),
                "active": activate,
                "previous_active": active.version if active else None,
                "previous_accuracy": round(active.accuracy, 4) if active else None,
            },
        )
    return model


@dataclass(frozen=True)
class _Loaded:
    key: tuple[Any, ...]  # (pk, version, trained_at): a version number alone may repeat after a rollback
    version: int
    pipeline: Any
    tokenizer: str


_lock = threading.Lock()
_loaded: _Loaded | None = None


def _active_row() -> tuple[Any, ...] | None:
    return RoutingModel.objects.filter(is_active=True).values_list("pk", "version", "trained_at").first()


# Which version is active, re-checked at most once a second (a query per routed item
# otherwise); training in this process changes it at once (docs/decisions/0037).
active_version = Rechecked(_active_row)


def active_model() -> _Loaded | None:
    """The active version, loaded once per process; which one is active is checked with one
    small query at most once a second."""
    global _loaded  # noqa: PLW0603 - a per-process cache
    row = active_version.get()
    if row is None:
        return None
    current = _loaded
    if current is not None and current.key == row:
        return current
    with _lock:
        if _loaded is None or _loaded.key != row:
            payload = RoutingModel.objects.filter(pk=row[0]).values_list("payload", flat=True).first()
            if payload is None:
                return None
            # Our own job wrote this payload (see the module docstring); never user input.
            content = joblib.load(io.BytesIO(bytes(payload)))
            _loaded = _Loaded(row, row[1], content["pipeline"], content["tokenizer"])
        return _loaded


def classifier_predict(text: str) -> list[tuple[str, float]]:
    """Unit codes with probabilities, most likely first ([] when no model is active)."""
    return classifier_predict_with_version(text)[1]


Prediction = tuple[int | None, list[tuple[str, float]]]


def classifier_predict_with_version(text: str, limit: int = 5) -> Prediction:
    return classifier_predict_many([text], limit)[0]


def classifier_predict_many(texts: list[str], limit: int = 5) -> list[Prediction]:
    """`classifier_predict_with_version` for several texts in one call of the model: the
    intake processor predicts a group of cases at once (the per-call overhead of the
    pipeline is most of a single prediction's cost)."""
    loaded = active_model()
    if loaded is None:
        return [(None, []) for _text in texts]
    wanted = [index for index, text in enumerate(texts) if text.strip()]
    results: list[Prediction] = [(None, []) for _text in texts]
    if not wanted:
        return results
    from sklearn import config_context  # noqa: PLC0415 - heavy import, only when a model is active

    # Our own pipeline over our own text features: scikit-learn's input and parameter checks
    # cost a fifth of a prediction and can find nothing here.
    with config_context(assume_finite=True, skip_parameter_validation=True):
        rows = loaded.pipeline.predict_proba([words(texts[index], loaded.tokenizer) for index in wanted])
    classes = loaded.pipeline.classes_
    for index, probabilities in zip(wanted, rows, strict=True):
        ranked = sorted(zip(classes, probabilities, strict=True), key=lambda pair: -pair[1])[:limit]
        results[index] = (loaded.version, [(str(code), float(p)) for code, p in ranked])
    return results
