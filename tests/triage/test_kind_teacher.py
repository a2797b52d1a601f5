"""Teacher labels: the encoder blend's kinds of unlabelled shared texts, as extra training rows."""

import csv
from pathlib import Path

import pytest

from complaintdesk.triage import datasets
from complaintdesk.triage.datasets import read_kind_examples, shared_data_dir, teacher_labelled_rows
from complaintdesk.triage.kind import KINDS, KindModel

needs_shared_data = pytest.mark.skipif(shared_data_dir() is None, reason="shared data not available")


def test_teacher_file_names_rows_by_source_and_id_with_a_kind_and_its_probabilities() -> None:
    with datasets.KIND_TEACHER_PATH.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 5000
    assert {row["source"] for row in rows} <= set(datasets.SOURCES)
    for row in rows[:200]:
        by_kind = {kind: float(row[f"p_{kind}"]) for kind in KINDS}
        assert row["kind"] == max(by_kind, key=by_kind.__getitem__)
        assert float(row["confidence"]) == by_kind[row["kind"]]
        assert sum(by_kind.values()) == pytest.approx(1.0, abs=0.01)


@needs_shared_data
def test_no_teacher_row_repeats_a_text_a_person_labelled_held_out_rows_included() -> None:
    teacher = teacher_labelled_rows(min_probability=0.05)
    labelled = {datasets._text_key(r.text) for r in datasets.labelled_real_rows(split="all")}
    held_out = {datasets._text_key(r.text) for r in datasets.labelled_real_rows(split="test")}
    # Rounds 2026-12g..12i labelled 3,200 of the teacher's texts since: those rows are gone.
    assert len(teacher) > 2000 and held_out
    assert not {datasets._text_key(r.text) for r in teacher} & labelled


@needs_shared_data
def test_a_row_a_person_labels_later_leaves_the_teacher_rows_and_the_rest_are_soft_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, row_id, _, _ = datasets.read_kind_labels()[0]
    unlabelled = teacher_labelled_rows(min_probability=0.05)[0]
    teacher_file = tmp_path / "teacher.csv"
    header = "source,row_id,kind,confidence,p_complaint,p_claim,p_question,p_suggestion,p_gratitude,teacher\n"
    teacher_file.write_text(
        header
        + f"{source},{row_id},question,0.900,0.025,0.025,0.9,0.025,0.025,t\n"
        + f"{unlabelled.source},{unlabelled.row_id},question,0.500,0.1,0.1,0.5,0.1,0.2,t\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(datasets, "KIND_TEACHER_PATH", teacher_file)
    soft = teacher_labelled_rows(min_probability=0.15)
    assert [(r.source, r.row_id, r.label, r.weight) for r in soft] == [
        (unlabelled.source, unlabelled.row_id, "question", 0.5),
        (unlabelled.source, unlabelled.row_id, "gratitude", 0.2),
    ]
    assert teacher_labelled_rows(min_probability=0.6) == []


def test_a_row_of_weight_zero_does_not_move_the_model_and_of_weight_one_does() -> None:
    examples = read_kind_examples()
    texts, labels = [e.text for e in examples], [e.label for e in examples]
    probe = ["Спасибо, но верните мне 300 рублей комиссии"]
    odd_text, odd_label = probe[0], "question"

    def question_probability(model: KindModel) -> float:
        return float(model.predict_proba(probe)[0, model.classes.index("question")])

    def fitted(weight: float) -> float:
        return question_probability(KindModel.train(
            texts + [odd_text], labels + [odd_label], sample_weight=[1.0] * len(texts) + [weight]))

    without = question_probability(KindModel.train(texts, labels))
    # Weight 0 still adds the text's n-grams to the vocabulary, hence "about".
    assert fitted(0.0) == pytest.approx(without, abs=0.02)
    assert fitted(1.0) > without + 0.1
