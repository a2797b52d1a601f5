"""The model registry, topic and repeat triage at case creation, training from the database,
corrections export and the explanation fragment."""

import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string

from complaintdesk.cases import services
from complaintdesk.cases.models import Event, EventType, Topic
from complaintdesk.cases.services import NewCase
from complaintdesk.lib import configcache
from complaintdesk.triage import registry
from complaintdesk.triage.models import TriageModel
from complaintdesk.triage.topic import TopicModel
from complaintdesk.triage.training import topic_training_rows

APP = ["приложение не работает", "ошибка в приложении", "приложение вылетает при входе",
       "мобильное приложение зависает"]
LOAN = ["кредит неверно рассчитан", "ставка по кредиту выросла", "кредит не погашен вовремя",
        "график платежей по кредиту неверный"]


def case_data(**fields) -> NewCase:
    return NewCase(channel="email", customer_name="Anna", **fields)


def tiny_model(name: str, version: str, labels=("bank-app", "bank-loan")) -> TopicModel:
    return TopicModel.train(APP + LOAN, [labels[0]] * 4 + [labels[1]] * 4, name=name,
                            version=version)


@pytest.fixture(autouse=True)
def _fresh_caches():
    configcache.clear()
    registry.clear()
    yield
    configcache.clear()
    registry.clear()


@pytest.fixture
def topics(queues):
    parent = Topic.objects.create(code="bank", name="Bank")
    return {code: Topic.objects.create(code=code, name=code, parent=parent)
            for code in ("bank-app", "bank-loan")}


def classified(case) -> Event:
    return case.events.filter(type=EventType.CLASSIFIED).latest("id")


@pytest.mark.django_db
def test_registry_serves_the_active_model_and_switches_when_another_is_activated(settings):
    first = TriageModel.register_topic_model(tiny_model("t", "v1"), activate=True)
    second = TriageModel.register_topic_model(tiny_model("t", "v2"), store_bytes=True)
    assert registry.active_topic_model().version == "v1"
    assert (Path(settings.MEDIA_ROOT) / first.artefact_path).exists()
    second.activate()
    assert registry.active_topic_model().version == "v2"
    assert list(TriageModel.objects.filter(active=True)) == [second]


@pytest.mark.django_db
def test_no_active_model_means_no_topic():
    TriageModel.register_topic_model(tiny_model("t", "v1"))
    assert registry.active_topic_model() is None


def test_new_case_gets_the_active_models_topic_and_the_reason_is_recorded(topics):
    TriageModel.register_topic_model(tiny_model("t", "v1"), activate=True)
    case, _ = services.create_case(
        data=case_data(text="Приложение снова не работает, ошибка при входе"),
        actor=None)
    assert case.topic.code == "bank-app"
    event = classified(case)
    assert event.data["model_version"].endswith("+v1")
    assert any(item.startswith("topic: bank-app") for item in event.data["explanation"])


def test_a_predicted_topic_missing_from_the_register_is_skipped(topics):
    model = tiny_model("t", "v1", labels=("no-such-topic", "bank-loan"))
    TriageModel.register_topic_model(model, activate=True)
    case, _ = services.create_case(
        data=case_data(text="Приложение не работает"), actor=None)
    assert case.topic is None


def test_a_persons_topic_at_intake_is_kept(topics):
    TriageModel.register_topic_model(tiny_model("t", "v1"), activate=True)
    case, _ = services.create_case(
        data=case_data(text="Приложение не работает", topic="bank-loan"),
        actor=None)
    assert case.topic.code == "bank-loan"


def test_a_similar_text_from_the_same_customer_within_30_days_is_flagged_as_repeat(queues, frozen):
    text = "Банкомат не выдал 200 рублей, но списал их с карты. Верните деньги."
    first, _ = services.create_case(
        data=case_data(text=text, customer_email="ivan@example.com"), actor=None)
    again, _ = services.create_case(
        data=case_data(text=text + " Пишу повторно!",
                     customer_email="IVAN@example.com"), actor=None)
    other, _ = services.create_case(
        data=case_data(text=text, customer_email="maria@example.com"), actor=None)
    assert not any(e.startswith("repeat:") for e in classified(first).data["explanation"])
    notes = [e for e in classified(again).data["explanation"] if e.startswith("repeat:")]
    assert notes and first.reference in notes[0]
    assert not any(e.startswith("repeat:") for e in classified(other).data["explanation"])


def test_train_from_db_uses_persons_corrections_and_skips_model_guesses(topics, owner, tmp_path):
    cases = []
    for text in APP + LOAN:
        topic = "bank-app" if text in APP else "bank-loan"
        case, _ = services.create_case(data=case_data(text=text, topic=topic),
                                       actor=None)
        cases.append(case)
    # A person moves a loan text to "app": the correction is the label from now on.
    services.reclassify(case=cases[-1], actor=owner, topic=topics["bank-app"])
    texts, labels, stats = topic_training_rows()
    assert labels[texts.index(LOAN[-1])] == "bank-app"
    assert stats["from_corrections"] == 1

    # A topic the model filled in by itself is not training data.
    TriageModel.register_topic_model(tiny_model("t", "v1"), activate=True)
    guessed, _ = services.create_case(data=case_data(text="приложение глючит"),
                                      actor=None)
    assert guessed.topic is not None
    texts, _, stats = topic_training_rows()
    assert "приложение глючит" not in texts and stats["skipped_model_assigned"] == 1

    out = io.StringIO()
    call_command("triage", "train", "--from-db", "--name", "desk", "--min-per-class", "3",
                 "--folds", "3", "--activate", stdout=out)
    report = json.loads(out.getvalue())
    row = TriageModel.objects.get(pk=report["registry_id"])
    assert row.active and row.n_samples == 8 and row.labels == ["bank-app", "bank-loan"]
    assert "baseline_tfidf_linearsvc" in row.metrics and "macro_f1" in row.metrics["model"]

    export = tmp_path / "corrections.csv"
    call_command("triage", "corrections", "--export", str(export), stdout=io.StringIO())
    rows = list(csv.DictReader(export.open(encoding="utf-8")))
    assert [(r["field"], r["before"], r["after"]) for r in rows] == [
        ("topic", "bank-loan", "bank-app")]
    assert rows[0]["text"] == LOAN[-1] and rows[0]["corrected_by"]


@pytest.mark.django_db
def test_train_from_db_refuses_when_too_few_labelled_cases():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least two topics"):
        call_command("triage", "train", "--from-db", stdout=io.StringIO())


def test_explanation_fragment_shows_the_decision_and_escapes_text(queues):
    case, _ = services.create_case(
        data=case_data(text="Списали 500 рублей дважды, верните деньги!"),
        actor=None)
    html = render_to_string("triage/explanation.html", {"case": case})
    assert case.get_kind_display() in html and "kind-2026" in html
    assert "data-confidence" in html

    event = SimpleNamespace(
        at=None, after={"kind": "claim", "amount": "500", "currency": "RUB", "remedy": "money_back"},
        data={"confidence": 0.42, "model_version": "kind-x<y>",
              "explanation": ['"<script>alert(1)</script>"', "signal: asks for money back",
                              "repeat: similar to CD-1 (2 d earlier)"],
              "signals": [{"category": "media", "phrase": "<b>СМИ</b>"}],
              "probabilities": {"claim": 0.42, "complaint": 0.4}})
    case.needs_review = True
    html = render_to_string("triage/explanation.html", {"case": case, "event": event})
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html and "kind-x&lt;y&gt;" in html
    assert 'data-needs-review="1"' in html and 'data-repeat="1"' in html
    assert "500 RUB" in html and "asks for money back" in html and "42%" in html


def test_admin_lists_models_with_cv_figures_and_activates_the_chosen_one(queues, client):
    from complaintdesk.accounts.models import User

    root = User.objects.create_superuser(username="root", password="pw-root-123",
                                         email="root@example.com")
    client.force_login(root)
    admin_client = client
    first = TriageModel.register_topic_model(
        tiny_model("t", "v1"), activate=True,
        metrics={"model": {"macro_f1": 0.9}, "baseline_tfidf_linearsvc": {"macro_f1": 0.8}})
    second = TriageModel.register_topic_model(tiny_model("t", "v2"))
    page = admin_client.get("/admin/triage/triagemodel/")
    assert page.status_code == 200 and b"0.9" in page.content and b"v2" in page.content
    admin_client.post("/admin/triage/triagemodel/", {
        "action": "make_active", "_selected_action": [second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.active and not first.active


def test_explanation_fragment_shows_a_structured_repeat_key_too(queues):
    case, _ = services.create_case(data=case_data(text="Где мои деньги?"), actor=None)
    event = SimpleNamespace(at=None, after={}, data={"repeat_of": "CD-2026-000009",
                                                     "explanation": []})
    html = render_to_string("triage/explanation.html", {"case": case, "event": event})
    assert 'data-repeat="1"' in html and "CD-2026-000009" in html


def sklearn_artefact_row(version: str) -> TriageModel:
    """A registry row as older releases stored it: scikit-learn's own pipeline, pickled."""
    import joblib

    from complaintdesk.triage.topic import build_topic_pipeline

    pipeline = build_topic_pipeline(C=0.5, n_samples=8, min_class_count=4)
    pipeline.fit(APP + LOAN, ["bank-app"] * 4 + ["bank-loan"] * 4)
    buffer = io.BytesIO()
    joblib.dump({"pipeline": pipeline, "version": version}, buffer)
    return TriageModel.objects.create(kind="topic", name="t", version=version,
                                      artefact_bytes=buffer.getvalue())


@pytest.mark.django_db
def test_a_scikit_learn_registry_row_loads_compiled_and_predicts_as_scikit_learn_does(
        monkeypatch, tmp_path):
    monkeypatch.setenv("COMPLAINTDESK_VAR_DIR", str(tmp_path))
    row = sklearn_artefact_row("v1")
    loaded = TriageModel.objects.get(pk=row.pk).load()
    texts = ["приложение вылетает", "ставка по кредиту", "непонятно что"]
    import joblib

    reference = joblib.load(io.BytesIO(bytes(row.artefact_bytes)))["pipeline"]
    assert [p.topic for p in loaded.predict(texts)] == list(reference.predict(texts))
    assert type(loaded.pipeline).__module__ == "complaintdesk.triage.compiled"
    assert len(list((tmp_path / "model-cache").glob("*.pickle"))) == 1


@pytest.mark.django_db
def test_the_model_cache_keeps_only_the_most_recently_used_compiled_models(
        monkeypatch, tmp_path):
    from complaintdesk.triage import compiled

    monkeypatch.setenv("COMPLAINTDESK_VAR_DIR", str(tmp_path))
    monkeypatch.setattr(compiled, "CACHE_KEEP", 3)
    folder = tmp_path / "model-cache"
    rows = [sklearn_artefact_row(f"v{i}") for i in range(5)]
    rows[0].load()
    first_entry = next(folder.glob("*.pickle"))
    for row in rows[1:3]:
        row.load()
    rows[0].load()  # used again: it must outlive entries written after it
    for row in rows[3:]:
        row.load()
    kept = set(folder.glob("*.pickle"))
    assert len(kept) == 3 and first_entry in kept
