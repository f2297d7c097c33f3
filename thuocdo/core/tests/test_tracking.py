from hypothesis import given
from hypothesis import strategies as st

from thuocdo.core.tracking import TRACKING_ALPHABET, tracking_code_new, tracking_code_normalize


def test_codes_avoid_confusable_characters() -> None:
    for _ in range(200):
        code = tracking_code_new("KN")
        body = code.replace("-", "")[2:]
        assert not set(body) & set("0O1IL")
        assert len(body) == 10


def test_codes_are_different() -> None:
    assert len({tracking_code_new("PA") for _ in range(1000)}) == 1000


@given(
    st.sampled_from(["PA", "KN", "SK", "GP"]), st.text(alphabet=TRACKING_ALPHABET, min_size=10, max_size=10)
)
def test_typed_variants_normalize_to_the_code(prefix: str, body: str) -> None:
    code = f"{prefix}-{body[:5]}-{body[5:]}"
    assert tracking_code_normalize(code) == code
    assert tracking_code_normalize(code.lower()) == code
    assert tracking_code_normalize(code.replace("-", " ")) == code
    assert tracking_code_normalize(code.replace("-", "")) == code


def test_garbage_is_not_a_code() -> None:
    for raw in ["", "KN", "KN-00000-00000", "KN-ABCDE-ABCD", "<script>", "KN-ABCDE-ABCDEF"]:
        assert tracking_code_normalize(raw) is None
