"""Text helpers for Vietnamese: search that ignores diacritics and case."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s&/]")
# Combining Diacritical Marks (U+0300-U+036F, all of category Mn): every mark Vietnamese
# uses. Removing them with one regex is much faster than testing each character.
_COMMON_MARKS = re.compile("[\u0300-\u036f]+")


def fold_diacritics(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics (đ counts as d), collapse whitespace.

    "Phường Ba Đình" -> "phuong ba dinh". The same function folds stored names and
    typed queries, so search behaves identically on SQLite and PostgreSQL.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = _COMMON_MARKS.sub("", decomposed)
    if not stripped.isascii():  # other scripts' marks, typographic quotes, ...: the full test
        stripped = "".join(ch for ch in stripped if unicodedata.category(ch) != "Mn")
    cleaned = _NON_WORD.sub(" ", stripped.lower())
    return _SPACES.sub(" ", cleaned).strip()


def nfc(text: str) -> str:
    """Normalise to NFC: text pasted from Word or PDFs often arrives decomposed."""
    return unicodedata.normalize("NFC", text).strip()


# Abbreviations people type for unit types: "tp hcm", "p. Ba Đình", "x Ba Vì".
_TYPE_ABBREVIATIONS = {
    "tp": "thanh pho",
    "tx": "thi xa",
    "p": "phuong",
    "x": "xa",
    "q": "quan",
    "h": "huyen",
    "t": "tinh",
    "dk": "dac khu",
}


def search_words(query: str) -> list[str]:
    """The folded words of a typed query, with unit-type abbreviations spelled out."""
    words: list[str] = []
    for word in fold_diacritics(query).split():
        words.extend(_TYPE_ABBREVIATIONS.get(word, word).split())
    return words


def search_document(*parts: str) -> str:
    """Stored search text: folded, padded with spaces so that a word start is ' word'."""
    return f" {fold_diacritics(' '.join(p for p in parts if p))} "
