"""A fresh labelling round drawn at random from the shared texts nobody has labelled.

Run:
  python bench/triage_kind_fresh_round.py sample --n 400 --slices 4 --out /tmp/round
  (annotators label each slice blind, writing source,row_id,kind CSVs)
  python bench/triage_kind_fresh_round.py merge --round 2026-12g \
      --first /tmp/round/first_*.csv --second /tmp/round/second_*.csv
The slices hold only the text and where it came from, never a model's output. `merge` appends
the first annotators' kinds to kind_labels.csv (a `skip` is left out) and the second
annotators' to kind_labels_second.csv, refusing a row that is already labelled.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from complaintdesk.triage import datasets  # noqa: E402
from complaintdesk.triage.kind import KINDS  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from triage_kind_teacher import unlabelled_rows  # noqa: E402

# Fixed before each round was drawn, so a sample depends on nothing but the data: round 2026-12g
# used 20261204, 2026-12h 20261205, 2026-12i 20261206 (each drawn after the one before was
# labelled, so no two share a row).
SEED = 20261204


def sample(*, n: int, slices: int, out: Path, seed: int) -> None:
    rows = random.Random(seed).sample(unlabelled_rows(), n)
    out.mkdir(parents=True, exist_ok=True)
    for index in range(slices):
        path = out / f"slice_{index}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for source, row_id, text in rows[index::slices]:
                handle.write(json.dumps({"source": source, "row_id": row_id, "text": text},
                                        ensure_ascii=False) + "\n")
        print(f"{path}: {len(rows[index::slices])} rows")
    print("sources:", dict(Counter(source for source, _, _ in rows)))


def _read(paths: list[Path]) -> list[tuple[str, int, str]]:
    rows = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                kind = row["kind"].strip().lower()
                if kind not in KINDS and kind != "skip":
                    raise SystemExit(f"{path}:{number}: unknown kind {kind!r}")
                rows.append((row["source"].strip(), int(row["row_id"]), kind))
    return rows


def merge(*, round_name: str, first: list[Path], second: list[Path]) -> None:
    labelled = {(source, row_id) for source, row_id, _, _ in datasets.read_kind_labels()}
    first_rows = _read(first)
    clash = [(s, r) for s, r, _ in first_rows if (s, r) in labelled]
    if clash:
        raise SystemExit(f"already labelled: {clash[:5]}")
    kept = [(s, r, k) for s, r, k in first_rows if k != "skip"]
    with datasets.KIND_LABELS_PATH.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows((s, r, k, round_name) for s, r, k in kept)
    second_known = datasets.read_second_annotator_labels()
    second_rows = [(s, r, k) for s, r, k in _read(second) if (s, r) not in second_known]
    with datasets.SECOND_ANNOTATOR_PATH.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(second_rows)
    print(f"{len(kept)} rows added to round {round_name} "
          f"({len(first_rows) - len(kept)} skipped); {len(second_rows)} second labels")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    draw = commands.add_parser("sample")
    draw.add_argument("--n", type=int, default=400)
    draw.add_argument("--slices", type=int, default=4)
    draw.add_argument("--out", type=Path, required=True)
    draw.add_argument("--seed", type=int, default=SEED)
    join = commands.add_parser("merge")
    join.add_argument("--round", required=True)
    join.add_argument("--first", type=Path, nargs="+", required=True)
    join.add_argument("--second", type=Path, nargs="*", default=[])
    args = parser.parse_args()
    if args.command == "sample":
        sample(n=args.n, slices=args.slices, out=args.out, seed=args.seed)
    else:
        merge(round_name=args.round, first=args.first, second=args.second)


if __name__ == "__main__":
    main()
