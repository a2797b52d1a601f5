"""Topic models: train on (texts, labels), save with version + metadata, load offline."""

import json
from pathlib import Path

from complaintdesk.triage.topic import TopicModel, cross_validate, evaluate_with_baseline

TEXTS = [
    "не работает мобильное приложение, ошибка входа",
    "приложение вылетает при оплате",
    "обновление приложения сломало вход",
    "в приложении не отображается баланс",
    "кредит одобрили, но ставка выше обещанной",
    "досрочное погашение кредита не учли",
    "кредитный договор с ошибкой в сумме",
    "просрочка по кредиту начислена неверно",
    "обменник выдал неверную сдачу при обмене валюты",
    "курс обмена валюты в кассе не совпал с сайтом",
    "в пункте обмена нет долларов",
    "обмен валюты занял час",
]
LABELS = ["app"] * 4 + ["loan"] * 4 + ["exchange"] * 4


def test_trained_model_predicts_topics_with_probabilities() -> None:
    model = TopicModel.train(TEXTS, LABELS, name="bank")
    prediction = model.predict(["приложение не открывается"])[0]
    assert prediction.topic == "app"
    assert 0.0 < prediction.confidence <= 1.0


def test_saved_model_loads_offline_with_version_and_metadata(tmp_path: Path) -> None:
    model = TopicModel.train(TEXTS, LABELS, name="bank", version="bank-v1")
    path = model.save(tmp_path)
    metadata = json.loads((tmp_path / "bank.json").read_text(encoding="utf-8"))
    assert metadata["version"] == "bank-v1"
    assert metadata["labels"] == ["app", "exchange", "loan"]
    assert metadata["n_samples"] == 12
    loaded = TopicModel.load(path)
    assert loaded.version == "bank-v1"
    assert loaded.predict(["курс валюты в обменнике"])[0].topic == "exchange"


def test_cross_validation_reports_per_class_figures_and_confusion() -> None:
    report = cross_validate(TEXTS, LABELS, folds=3)
    assert set(report["per_class"]) == {"app", "loan", "exchange"}
    assert len(report["confusion"]) == 3
    assert 0.0 <= report["macro_f1"] <= 1.0


def test_evaluation_puts_the_linearsvc_baseline_beside_the_model() -> None:
    report = evaluate_with_baseline(TEXTS, LABELS, folds=3)
    assert {"model", "baseline_tfidf_linearsvc"} <= set(report)


def _sklearn_pipeline(texts, labels):
    from complaintdesk.triage.topic import _min_class_count, build_topic_pipeline

    return build_topic_pipeline(
        n_samples=len(texts), min_class_count=_min_class_count(labels)
    ).fit(texts, labels)


def test_compiled_pipeline_gives_scikit_learns_probabilities() -> None:
    import numpy as np

    from complaintdesk.triage.compiled import compile_pipeline

    queries = [*TEXTS, "приложение не открывается", "курс в кассе", "", "zzz неизвестное слово"]
    cases = [
        (TEXTS, LABELS),  # calibrated LinearSVC, 3 classes
        (TEXTS[:8], LABELS[:8]),  # binary calibrated LinearSVC
        (TEXTS[:9], LABELS[:9]),  # a topic with 1 example: logistic regression fallback
    ]
    for texts, labels in cases:
        pipeline = _sklearn_pipeline(texts, labels)
        compiled = compile_pipeline(pipeline)
        assert list(compiled.classes_) == list(pipeline.classes_)
        assert np.array_equal(compiled.predict_proba(queries), pipeline.predict_proba(queries))


def test_a_pickled_scikit_learn_model_loads_compiled(tmp_path: Path) -> None:
    import joblib
    import numpy as np

    from complaintdesk.triage.compiled import CompiledPipeline

    pipeline = _sklearn_pipeline(TEXTS, LABELS)
    joblib.dump({"pipeline": pipeline, "version": "old-1"}, tmp_path / "old.joblib", compress=3)
    loaded = TopicModel.load(tmp_path / "old.joblib")
    assert isinstance(loaded.pipeline, CompiledPipeline) and loaded.version == "old-1"
    assert np.array_equal(loaded.pipeline.predict_proba(TEXTS), pipeline.predict_proba(TEXTS))


def test_loading_a_saved_model_does_not_import_scikit_learn(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = TopicModel.train(TEXTS, LABELS, name="bank").save(tmp_path)
    code = (
        "import sys; from complaintdesk.triage.topic import TopicModel; "
        f"m = TopicModel.load({str(path)!r}); m.predict(['обмен валюты']); "
        "print(any(name.split('.')[0] in ('sklearn', 'scipy') for name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
