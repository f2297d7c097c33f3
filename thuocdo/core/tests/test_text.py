"""Folding Vietnamese text for search: the same function folds stored names and queries."""

import re
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from thuocdo.core.text import fold_diacritics, nfc, search_document, search_words

VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
vietnamese_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " -.,&/0123456789\t\n"),
    max_size=60,
)
# Vietnamese text as it arrives from Word or PDFs: sometimes decomposed.
any_normal_form = st.tuples(vietnamese_text, st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"])).map(
    lambda pair: unicodedata.normalize(pair[1], pair[0])
)


def has_combining_mark(text: str) -> bool:
    return any(unicodedata.combining(ch) for ch in text)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Phường Ba Đình", "phuong ba dinh"),
        ("PHƯỜNG BA ĐÌNH", "phuong ba dinh"),
        ("Thành phố Hồ Chí Minh", "thanh pho ho chi minh"),
        ("đường", "duong"),
        ("Đặc khu Côn Đảo", "dac khu con dao"),
        ("  Bộ   KH&CN ", "bo kh&cn"),
        ("Bộ KH-CN", "bo kh cn"),
        ("Cục Chuyển đổi số - Cơ yếu", "cuc chuyen doi so co yeu"),
        ("", ""),
    ],
)
def test_fold_examples(text, folded):
    assert fold_diacritics(text) == folded


@given(any_normal_form)
def test_fold_is_idempotent_on_vietnamese(text):
    once = fold_diacritics(text)
    assert fold_diacritics(once) == once


@given(any_normal_form)
def test_fold_leaves_plain_ascii_lowercase_vietnamese(text):
    folded = fold_diacritics(text)
    assert not has_combining_mark(folded)
    assert "đ" not in folded
    assert folded == folded.lower()
    assert folded.isascii()
    assert folded == folded.strip()
    assert "  " not in folded


@given(vietnamese_text)
def test_fold_ignores_normal_form_and_case(text):
    expected = fold_diacritics(text)
    assert fold_diacritics(unicodedata.normalize("NFD", text)) == expected
    assert fold_diacritics(text.upper()) == expected
    assert fold_diacritics(text.lower()) == expected


@given(st.text(max_size=40))
@example("İstanbul")  # lowercasing after stripping would bring back a combining dot
@example("Ǆ̣")
@example("ᾼ")
def test_fold_is_idempotent_and_mark_free_on_any_text(text):
    once = fold_diacritics(text)
    assert not has_combining_mark(once)
    assert fold_diacritics(once) == once


@given(st.text(alphabet=st.sampled_from("đĐ"), min_size=1, max_size=10))
def test_đ_folds_to_d(text):
    assert fold_diacritics(text) == "d" * len(text)


def test_search_words_spell_out_unit_type_abbreviations():
    assert search_words("tp hcm") == ["thanh", "pho", "hcm"]
    assert search_words("P. Ba Đình") == ["phuong", "ba", "dinh"]
    assert search_words("x Ba Vì") == ["xa", "ba", "vi"]
    assert search_words("đk Côn Đảo") == ["dac", "khu", "con", "dao"]


def test_search_document_is_padded_so_words_start_after_a_space():
    assert search_document("Phường Ba Đình", "", "00004") == " phuong ba dinh 00004 "


def test_nfc_composes_and_strips():
    assert nfc(unicodedata.normalize("NFD", " Đình ")) == "Đình"


def _fold_reference(text: str) -> str:
    """The definition, one character at a time (`fold_diacritics` takes a faster path)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(re.sub(r"[^\w\s&/]", " ", stripped.lower()).split())


@given(st.one_of(any_normal_form, st.text()))
@example("Phường Ba Đình — “Hà Nội” ằ́ Ελληνικά नमस्ते")
def test_folding_matches_its_definition_on_any_text(text: str) -> None:
    assert fold_diacritics(text) == _fold_reference(text)
