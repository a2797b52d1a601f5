"""Read the shared real-data files by source and row id, and the repo's own labels.

The shared files are read-only and may be absent (a fresh checkout, CI): every loader
returns None or an empty result then, and callers fall back to the written examples.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
KIND_LABELS_PATH = DATA_DIR / "kind_labels.csv"
KIND_EXAMPLES_PATH = DATA_DIR / "kind_examples.csv"
MONEY_LABELS_PATH = DATA_DIR / "money_labels.csv"
# A second annotator's blind labels of every held-out row of rounds 2026-11 to 2026-12e, who saw
# neither the first labels nor any model: the agreement between people bounds what a model can
# score against one of them.
SECOND_ANNOTATOR_PATH = DATA_DIR / "kind_labels_second.csv"
# The encoder blend's labels of the unlabelled shared texts (bench/triage_kind_teacher.py): more
# in-domain rows for the fast model, never a held-out text.
KIND_TEACHER_PATH = DATA_DIR / "kind_teacher_labels.csv"

# Which share of labelled real rows is held out for the honest test figures. Each labelling
# round has its own held-out split, computed over that round's rows only, so adding a round
# never moves a row of an earlier split between train and test. Within a round the split is
# stratified by kind: each kind holds out its round's share of rows, but at least
# MIN_TEST_PER_KIND (at most half of the kind) so rare kinds are measured on enough rows.
# Which rows go is fixed by a hash of the normalised text, so duplicates share a side and the
# split never depends on any model's output.
FIRST_ROUND = "2026-11"
# The 2026-12 round's test split was drawn before any model was trained on that round, as a
# fresh check on rows nobody has tuned on; it takes a larger share because the round is small.
# Rounds 2026-12b and 2026-12c (random rows, labelled after 2026-12's split had been looked at)
# hold out half, each fixed before any model was trained on the round. Round 2026-12d (random
# rows and rows with money or suggestion words, labelled by two annotators who saw no model)
# also holds out half; round 2026-12e (866 rows, 60 % picked by money words, six annotators)
# holds out 30 %, as it was made mostly to teach the claim/complaint boundary. Round 2026-12f
# (243 myfin reviews picked by wish and proposal words, two annotators who saw no model) holds
# out half, fixed before any model was trained on it. Round 2026-12g (400 texts drawn at random
# from the unlabelled shared texts, eight annotators who saw no model) is held out whole: it
# measures the kinds as they arrive, and no model is trained or tuned on it. Round 2026-12h (800
# more random texts, one blind annotator each) holds out half, fixed before any model ran on it;
# round 2026-12i (2,000 more, mostly to train) holds out 20 %, fixed the same way.
TEST_SHARE_PERCENT = {
    "2026-11": 25, "2026-12": 40, "2026-12b": 50, "2026-12c": 50, "2026-12d": 50, "2026-12e": 30,
    "2026-12f": 50, "2026-12g": 100, "2026-12h": 50, "2026-12i": 20,
}
DEFAULT_TEST_SHARE_PERCENT = 25
MIN_TEST_PER_KIND = 20
SPLITS = ("train", "test", "all") + tuple(f"test_{r}" for r in TEST_SHARE_PERCENT)

SOURCES = {
    "myfin": ("myfin_bank_reviews_ru.xlsx", "id", "review_text", "ru"),
    "cfpb_narratives": (
        "cfpb_narratives_by_product.csv",
        "Unnamed: 0",
        "Consumer complaint narrative",
        "en",
    ),
    "rutube": ("rutube_support_tickets_ru.xlsx", None, "Вопрос пользователя", "ru"),
}


@dataclass(frozen=True, slots=True)
class LabelledText:
    """A text with its label and where it came from."""

    source: str
    row_id: int
    text: str
    label: str
    language: str
    round: str = FIRST_ROUND
    # A person's label counts 1; a teacher's soft label counts its probability.
    weight: float = 1.0


def shared_data_dir() -> Path | None:
    """The shared data folder, or None when it is not available.

    $COMPLAINTDESK_SHARED_DATA decides alone when set (an empty or missing folder means
    "no shared data"); otherwise ../shared/data beside the repository is used if present.
    """
    configured = os.environ.get("COMPLAINTDESK_SHARED_DATA")
    if configured is not None:
        return Path(configured) if configured and Path(configured).is_dir() else None
    candidate = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


@lru_cache(maxsize=8)
def load_source_texts(source: str) -> dict[int, str] | None:
    """Row id -> text for one shared source, or None when the file is not available."""
    folder = shared_data_dir()
    if folder is None or source not in SOURCES:
        return None
    filename, id_column, text_column, _ = SOURCES[source]
    path = folder / filename
    if not path.exists():
        return None
    import pandas as pd  # deferred: pandas is only needed when shared data is read

    frame = pd.read_excel(path) if path.suffix == ".xlsx" else pd.read_csv(path)
    ids = frame.index if id_column is None else frame[id_column]
    return {
        int(row_id): str(text)
        for row_id, text in zip(ids, frame[text_column], strict=True)
        if isinstance(text, str)
    }


def read_kind_labels() -> list[tuple[str, int, str, str]]:
    """(source, row_id, kind, labelling round) rows from the repo's label file."""
    with KIND_LABELS_PATH.open(encoding="utf-8") as handle:
        return [
            (row["source"], int(row["row_id"]), row["kind"], row.get("round") or FIRST_ROUND)
            for row in csv.DictReader(handle)
        ]


def read_second_annotator_labels() -> dict[tuple[str, int], str]:
    """(source, row_id) -> the second annotator's kind ("skip" where they could not decide)."""
    with SECOND_ANNOTATOR_PATH.open(encoding="utf-8") as handle:
        return {(row["source"], int(row["row_id"])): row["kind"] for row in csv.DictReader(handle)}


def read_kind_examples() -> list[LabelledText]:
    """The examples written for this project, usable with no shared data."""
    with KIND_EXAMPLES_PATH.open(encoding="utf-8") as handle:
        return [
            LabelledText("written", index, row["text"], row["kind"], row["language"])
            for index, row in enumerate(csv.DictReader(handle))
        ]


def _text_key(text: str) -> str:
    normalised = " ".join(text.lower().split())
    return hashlib.sha1(normalised.encode()).hexdigest()


def _test_keys(rows: list[LabelledText], share_percent: int) -> set[str]:
    """Text hashes of the held-out rows: per kind, the lowest hashes up to the kind's quota."""
    by_kind: dict[str, list[str]] = {}
    for row in rows:
        by_kind.setdefault(row.label, []).append(_text_key(row.text))
    chosen: set[str] = set()
    for keys in by_kind.values():
        unique = sorted(set(keys))
        quota = max(-(-len(unique) * share_percent // 100),
                    min(MIN_TEST_PER_KIND, len(unique) // 2))
        chosen.update(unique[:quota])
    return chosen


def _held_out_rounds(rows: list[LabelledText]) -> dict[str, str]:
    """Text hash -> the round whose test split holds it; earlier rounds win for duplicates."""
    rounds = sorted({row.round for row in rows})
    held: dict[str, str] = {}
    seen: set[str] = set()
    for name in rounds:
        members = [row for row in rows if row.round == name]
        share = TEST_SHARE_PERCENT.get(name, DEFAULT_TEST_SHARE_PERCENT)
        # A later round's text already seen in an earlier round keeps the earlier side, so a
        # duplicate can never sit in one round's training rows and another's test rows.
        fresh = [row for row in members if _text_key(row.text) not in seen]
        for key in _test_keys(fresh, share):
            held[key] = name
        seen.update(_text_key(row.text) for row in members)
    return held


def labelled_real_rows(*, split: str) -> list[LabelledText]:
    """Labelled shared rows of one split; empty without the data.

    'train', 'all', 'test' (every held-out row of every round) or 'test_<round>' (one
    round's held-out rows, e.g. 'test_2026-11' is the split of the first round).
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; one of {', '.join(SPLITS)}")
    rows: list[LabelledText] = []
    for source, row_id, kind, round_name in read_kind_labels():
        texts = load_source_texts(source)
        if texts is None or row_id not in texts:
            continue
        rows.append(
            LabelledText(source, row_id, texts[row_id], kind, SOURCES[source][3], round_name)
        )
    if split == "all":
        return rows
    held = _held_out_rounds(rows)
    if split == "train":
        return [row for row in rows if _text_key(row.text) not in held]
    wanted = split.removeprefix("test_") if split != "test" else None
    return [
        row for row in rows
        if _text_key(row.text) in held and (wanted is None or held[_text_key(row.text)] == wanted)
    ]


def teacher_labelled_rows(*, min_probability: float) -> list[LabelledText]:
    """Unlabelled shared rows with the encoder blend's kinds: one row per kind it gives at least
    ``min_probability``, weighted by that probability (soft labels).

    A row whose text any label file now holds (a later labelling round, a held-out row) is
    left out, so a person's label always wins and no held-out text ever trains.
    """
    if not KIND_TEACHER_PATH.exists():
        return []
    labelled = {_text_key(row.text) for row in labelled_real_rows(split="all")}
    rows: list[LabelledText] = []
    with KIND_TEACHER_PATH.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            texts = load_source_texts(row["source"])
            row_id = int(row["row_id"])
            if texts is None or row_id not in texts or _text_key(texts[row_id]) in labelled:
                continue
            for name, value in row.items():
                if name.startswith("p_") and float(value) >= min_probability:
                    rows.append(LabelledText(row["source"], row_id, texts[row_id], name[2:],
                                             SOURCES[row["source"]][3], "teacher", float(value)))
    return rows


def read_table(path: str | Path, *, columns: Iterable[str]) -> dict[str, list[object]]:
    """Columns of a CSV or XLSX file as lists, for the train/eval commands."""
    import pandas as pd

    path = Path(path)
    frame = pd.read_excel(path) if path.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(path)
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise KeyError(f"{path.name}: no column(s) {', '.join(missing)}; has {list(frame.columns)}")
    frame = frame.dropna(subset=list(columns))
    return {column: frame[column].tolist() for column in columns}
