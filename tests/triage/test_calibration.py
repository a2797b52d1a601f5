"""Claim calibration: the claim prior that reaches a recall target on cases people labelled."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from complaintdesk.cases import services
from complaintdesk.cases.models import Case
from complaintdesk.triage import kind
from complaintdesk.triage.calibration import PriorFigures, choose, sweep
from complaintdesk.triage.training import person_kind_labels

CLAIMS = [
    "Списали 300 рублей за услугу, которую я не подключал.",
    "Банк удержал комиссию 150 руб. за перевод, хотя обещали бесплатно.",
    "You charged me a $40 fee twice this month.",
    "Мой платёж 2 000 руб. не зачислили на счёт кредита.",
]
COMPLAINTS = [
    "Оператор был груб и бросил трубку.",
    "В отделении одна касса, очередь на час.",
    "The app keeps crashing when I open my statements.",
    "Курьер опоздал на три часа.",
]


def figures(prior: float, recall: float, macro: float) -> PriorFigures:
    return PriorFigures(prior=prior, claim_recall=recall, claim_precision=0.5, macro_f1=macro,
                        predicted_claims=1)


def test_choice_is_the_best_macro_f1_among_priors_reaching_the_target() -> None:
    rows = [figures(1, 0.80, 0.80), figures(2, 0.90, 0.78), figures(3, 0.95, 0.79),
            figures(4, 0.97, 0.70)]
    assert choose(rows, target_recall=0.9).prior == 3
    assert choose(rows, target_recall=0.96).prior == 4
    assert choose(rows, target_recall=0.99) is None


def test_choice_takes_the_lower_prior_on_a_tie() -> None:
    rows = [figures(2, 0.9, 0.8), figures(5, 1.0, 0.8)]
    assert choose(rows, target_recall=0.9).prior == 2


def test_a_higher_prior_never_lowers_claim_recall(kind_model: kind.KindModel) -> None:
    texts, kinds = CLAIMS + COMPLAINTS, ["claim"] * 4 + ["complaint"] * 4
    rows = sweep(kind_model, texts, kinds, priors=(0.01, 1.0, 4.0, 1000.0))
    recalls = [row.claim_recall for row in rows]
    assert recalls == sorted(recalls)
    assert rows[0].claim_recall < 1.0 and rows[-1].claim_recall == 1.0
    assert rows[-1].predicted_claims == len(texts)  # at 1000 everything is a claim


def test_the_sweep_leaves_the_models_own_prior_alone(kind_model: kind.KindModel) -> None:
    before = kind_model.claim_prior
    sweep(kind_model, CLAIMS, ["claim"] * 4, priors=(0.5, 9.0))
    assert kind_model.claim_prior == before


@pytest.mark.django_db
def test_labels_are_the_kinds_people_corrected_or_confirmed_and_the_last_word_wins(
    owner, make_case
) -> None:
    corrected = make_case(text=CLAIMS[0])
    services.reclassify(case=corrected, actor=owner, kind="complaint")
    services.reclassify(case=corrected, actor=owner, kind="claim")
    confirmed = make_case(text=COMPLAINTS[0])
    Case.objects.filter(pk=confirmed.pk).update(needs_review=True, kind="complaint")
    services.reclassify(case=Case.objects.get(pk=confirmed.pk), actor=owner, kind="complaint")
    make_case(text=COMPLAINTS[1])  # the model's word only: not a label
    assert person_kind_labels() == [(CLAIMS[0], "claim"), (COMPLAINTS[0], "complaint")]


@pytest.mark.django_db
def test_the_command_recommends_a_prior_that_reaches_the_target_on_these_cases(
    owner, make_case
) -> None:
    for text, label in [(t, "claim") for t in CLAIMS] + [(t, "complaint") for t in COMPLAINTS]:
        case = make_case(text=text)
        Case.objects.filter(pk=case.pk).update(needs_review=True)
        services.reclassify(case=Case.objects.get(pk=case.pk), actor=owner,
                            kind="complaint" if label == "claim" else "claim")
        services.reclassify(case=Case.objects.get(pk=case.pk), actor=owner, kind=label)
    out = StringIO()
    call_command("triage", "calibrate-claims", "--min-claims", "4", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["cases"], report["claims"]) == (8, 4)
    assert report["recommended"]["claim_recall"] >= 0.9
    assert report["setting"] == f"COMPLAINTDESK_KIND_CLAIM_PRIOR={report['recommended']['prior']:g}"
    assert report["current_prior"] in [row["prior"] for row in report["sweep"]]


@pytest.mark.django_db
def test_too_few_labelled_claims_is_a_clear_refusal(owner, make_case) -> None:
    with pytest.raises(CommandError, match="0 of the 0 cases .* at least 20"):
        call_command("triage", "calibrate-claims")
    with pytest.raises(CommandError, match="--target-recall"):
        call_command("triage", "calibrate-claims", "--target-recall", "1.5")


def test_the_prior_setting_changes_the_model_and_its_version(monkeypatch) -> None:
    monkeypatch.setattr(kind, "_default_model", None)
    monkeypatch.setenv("COMPLAINTDESK_KIND_CLAIM_PRIOR", "7.5")
    model = kind.get_default_model()
    monkeypatch.setattr(kind, "_default_model", None)  # the next caller gets the plain default
    assert model.claim_prior == 7.5 and model.version.endswith("+claim-prior-7.5")


@pytest.mark.parametrize("value", ["many", "0", "-2", "1000"])
def test_a_bad_prior_setting_is_refused_with_its_name(monkeypatch, value) -> None:
    monkeypatch.setattr(kind, "_default_model", None)
    monkeypatch.setenv("COMPLAINTDESK_KIND_CLAIM_PRIOR", value)
    with pytest.raises(RuntimeError, match="COMPLAINTDESK_KIND_CLAIM_PRIOR"):
        kind.get_default_model()
    monkeypatch.setattr(kind, "_default_model", None)
