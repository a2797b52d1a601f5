"""Label the unlabelled shared texts with the encoder blend, to teach the fast kind model.

Run (one process per core, then merge):
  COMPLAINTDESK_KIND_ENCODER=1 python bench/triage_kind_teacher.py --shard 0 --of 2 --out /tmp/t0.csv
  COMPLAINTDESK_KIND_ENCODER=1 python bench/triage_kind_teacher.py --shard 1 --of 2 --out /tmp/t1.csv
  python bench/triage_kind_teacher.py --merge /tmp/t0.csv /tmp/t1.csv
The teacher is `kind-2026.12-4-e5` (the shipped blend, trained on the train split only). Texts
that duplicate any labelled row, held-out rows included, are left out, so no held-out text
reaches the student even without its label.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from complaintdesk.triage import datasets  # noqa: E402
from complaintdesk.triage.kind import KINDS  # noqa: E402

FIELDS = ("source", "row_id", "kind", "confidence", *(f"p_{kind}" for kind in KINDS), "teacher")


def unlabelled_rows() -> list[tuple[str, int, str]]:
    """(source, row_id, text) of shared rows no label file names and no labelled text repeats."""
    labelled = {(source, row_id) for source, row_id, _, _ in datasets.read_kind_labels()}
    labelled_keys = {datasets._text_key(row.text) for row in datasets.labelled_real_rows(split="all")}
    rows, seen = [], set(labelled_keys)
    for source in datasets.SOURCES:
        for row_id, text in sorted((datasets.load_source_texts(source) or {}).items()):
            key = datasets._text_key(text)
            if (source, row_id) in labelled or key in seen or len(text.strip()) < 3:
                continue
            seen.add(key)
            rows.append((source, row_id, text))
    # Hash order mixes the sources, so a run stopped early still has a fair sample.
    return sorted(rows, key=lambda row: datasets._text_key(row[2]))


def label_shard(shard: int, of: int, out: Path, batch: int) -> None:
    from complaintdesk.triage.kind import get_default_model

    model = get_default_model()
    if model.finetuned is None:
        raise SystemExit("set COMPLAINTDESK_KIND_ENCODER=1 (and install the 'encoder' extra)")
    rows = unlabelled_rows()[shard::of]
    started = time.process_time()
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            probabilities = model.predict_proba([text for _, _, text in chunk])
            for (source, row_id, _), row in zip(chunk, probabilities, strict=True):
                by_kind = dict(zip(model.classes, row, strict=True))
                kind = max(by_kind, key=by_kind.__getitem__)
                writer.writerow([source, row_id, kind, f"{by_kind[kind]:.3f}",
                                 *(f"{by_kind[k]:.3f}" for k in KINDS), model.version])
            handle.flush()
            done = start + len(chunk)
            print(f"{done}/{len(rows)} {done / (time.process_time() - started):.2f} texts/CPU-s",
                  flush=True)


def merge(parts: list[Path]) -> None:
    merged: list[dict[str, str]] = []
    for part in parts:
        with part.open(encoding="utf-8") as handle:
            merged.extend(csv.DictReader(handle))
    merged.sort(key=lambda row: (row["source"], int(row["row_id"])))
    with datasets.KIND_TEACHER_PATH.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(merged)
    print(f"{len(merged)} rows -> {datasets.KIND_TEACHER_PATH}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shard", type=int, default=0)
    parser.add_argument("--of", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--merge", type=Path, nargs="+")
    args = parser.parse_args()
    if args.merge:
        merge(args.merge)
    else:
        label_shard(args.shard, args.of, args.out, args.batch)


if __name__ == "__main__":
    main()
