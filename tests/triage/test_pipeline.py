"""classify(): every triage field in one result; is_repeat(): same customer, similar text."""

from datetime import date, datetime
from decimal import Decimal

from complaintdesk.triage.kind import KindModel
from complaintdesk.triage.pipeline import classify, is_repeat, text_similarity
from complaintdesk.triage.topic import TopicModel


def test_classify_fills_kind_amount_remedy_resonance_and_language(kind_model: KindModel) -> None:
    result = classify(
        "Банкомат не зачислил 200 BYN на счёт. Верните деньги, иначе обращусь в Нацбанк.",
        kind_model=kind_model,
    )
    assert result.kind == "claim"
    assert (result.amount, result.currency) == (Decimal(200), "BYN")
    assert result.remedy == "money_back"
    assert [(s.category, s.phrase) for s in result.resonance] == [("regulator", "Нацбанк")]
    assert result.language == "ru"
    assert result.topic is None and result.model_version.startswith("kind-")
    assert result.explanation


def test_classify_uses_a_topic_model_when_given(kind_model: KindModel) -> None:
    topic_model = TopicModel.train(
        ["card blocked", "card not working", "loan rate wrong", "loan payment lost"],
        ["cards", "cards", "loans", "loans"],
        name="t",
        version="t-1",
    )
    result = classify("My card is blocked again", topic_model=topic_model, kind_model=kind_model)
    assert result.topic == "cards"
    assert result.topic_confidence is not None
    assert result.model_version.endswith("+t-1")
    assert result.as_dict()["topic"] == "cards"


def test_as_dict_is_json_ready_with_amount_as_string(kind_model: KindModel) -> None:
    data = classify("Refund the $35 fee", kind_model=kind_model).as_dict()
    assert data["amount"] == "35" and data["currency"] == "USD"


def test_similar_text_from_the_same_customer_within_30_days_is_a_repeat() -> None:
    history = [("Карта заблокирована, не могу снять деньги", date(2026, 11, 1))]
    text = "Карта снова заблокирована, не могу снять деньги!"
    assert is_repeat(text, history, now=date(2026, 11, 20))


def test_similar_text_older_than_the_window_is_not_a_repeat() -> None:
    history = [("Карта заблокирована, не могу снять деньги", datetime(2026, 9, 1, 12))]
    text = "Карта заблокирована, не могу снять деньги"
    assert not is_repeat(text, history, now=date(2026, 11, 20), days=30)


def test_a_different_text_is_not_a_repeat() -> None:
    history = [("Спасибо за быстрый кредит", date(2026, 11, 19))]
    assert not is_repeat("Карта заблокирована", history, now=date(2026, 11, 20))
    assert text_similarity("abc def", "abc def") == 1.0


def test_customer_history_sets_the_repeat_flag(kind_model: KindModel) -> None:
    result = classify(
        "Where is my refund of $40?",
        customer_history=[("Where is my refund of $40??", date(2026, 11, 10))],
        now=date(2026, 11, 12),
        kind_model=kind_model,
    )
    assert result.is_repeat is True


def test_triage_works_without_the_shared_data(monkeypatch, tmp_path) -> None:
    from complaintdesk.triage import datasets

    monkeypatch.setenv("COMPLAINTDESK_SHARED_DATA", str(tmp_path / "absent"))
    datasets.load_source_texts.cache_clear()
    try:
        assert datasets.shared_data_dir() is None
        assert datasets.labelled_real_rows(split="all") == []
        from complaintdesk.triage.kind import train_default_model

        model = train_default_model()  # written examples only
        assert model.metadata["n_samples"] == len(datasets.read_kind_examples())
        assert classify("Верните 50 рублей, списали дважды", kind_model=model).kind == "claim"
    finally:
        datasets.load_source_texts.cache_clear()


def test_char_features_equal_scikit_learns_also_after_the_word_store_restarts(
    monkeypatch,
) -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from complaintdesk.triage import features

    texts = ["карта заблокирована снова", "card blocked again and again", "банк вернул деньги",
             "the bank returned my money", "деньги не вернули", "a b c"]
    fitted = features.CharWordTfidf(2, 5, min_df=1).fit(texts)
    reference = TfidfVectorizer(analyzer=features.CharWordGrams(2, 5), sublinear_tf=True,
                                min_df=1).fit(texts)
    queries = [*texts, "новые слова: заблокировали карту", "", "unseen words here"]
    expected = reference.transform(queries).toarray()
    assert np.array_equal(fitted.transform(queries).toarray(), expected)
    monkeypatch.setattr(features, "WORD_LIMIT", 5)  # every batch now restarts the store
    compiled = features.CharTfidf(fitted.vectorizer_.vocabulary_, fitted.vectorizer_.idf_,
                                  min_n=2, max_n=5)
    for _ in range(2):
        assert np.array_equal(compiled.transform(queries).to_scipy().toarray(), expected)


def test_word_features_equal_scikit_learns_also_after_the_token_store_restarts(
    monkeypatch,
) -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from complaintdesk.triage import features

    texts = ["Карта заблокирована снова", "card blocked again and again", "банк вернул деньги",
             "the bank returned my money", "деньги не вернули", "a b c", "card card card"]
    fitted = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts)
    compiled = features.WordTfidf(fitted.vocabulary_, fitted.idf_, token_pattern=
                                  fitted.token_pattern, ngram_range=(1, 2), lowercase=True)
    queries = [*texts, "Новые слова: заблокировали карту", "", "bank card blocked"]
    expected = fitted.transform(queries).toarray()
    assert np.array_equal(compiled.transform(queries).to_scipy().toarray(), expected)
    monkeypatch.setattr(features, "WORD_LIMIT", 5)
    for _ in range(2):
        assert np.array_equal(compiled.transform(queries).to_scipy().toarray(), expected)
