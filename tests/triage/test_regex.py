"""Speed-only rewrites of the kind model's text preparation keep every match."""

from hypothesis import given, settings
from hypothesis import strategies as st

from complaintdesk.triage import kind

_PIECES = ["XX", "X", "XXXX", "/", "{$", "{", "}", "$", " ", "a", "списали", "сняли с карты",
           "charged", "fee", "fees", "unapplied", "misapplied", "charges on my", "пеня", "\n",
           "Дважды", "UNAUTHORIZED"]
_texts = st.lists(st.sampled_from(_PIECES), max_size=20).map("".join)


@settings(max_examples=300, deadline=None)
@given(_texts)
def test_money_loss_with_its_first_character_check_finds_the_same(text: str) -> None:
    lowered = text.lower()
    assert [m.span() for m in kind._MONEY_LOSS_CHECKED.finditer(lowered)] == [
        m.span() for m in kind._MONEY_LOSS.finditer(lowered)]


@settings(max_examples=300, deadline=None)
@given(_texts)
def test_prepared_text_is_the_plain_mask_substitution(text: str) -> None:
    signals = kind.TextSignals(None, None)
    expected = kind._MASK.sub(" ", text).lower() + " " + " ".join(kind.signal_tokens(text, signals))
    assert kind.prepare_text(text, signals) == expected
