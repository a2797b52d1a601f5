"""How far two people agree on the kind of the held-out rows, and the model beside them.

Run: python bench/triage_kind_agreement.py [--json]
A second annotator labelled the held-out rows blind (no first labels, no model output): rounds
2026-11..2026-12c in one pass, rounds 2026-12d and 2026-12e in a later one by three other
annotators, the random round 2026-12g by four more. Their agreement is the ceiling a model
can reach against one of them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from sklearn.metrics import cohen_kappa_score, f1_score  # noqa: E402

from complaintdesk.triage.datasets import labelled_real_rows, read_second_annotator_labels  # noqa: E402
from complaintdesk.triage.kind import KINDS, KindModel, get_default_model  # noqa: E402

# The two second-annotation passes, reported apart: the later rounds were picked mostly by
# money words, so they hold more of the claim/complaint boundary.
ROUND_GROUPS = {
    "rounds 2026-11..12c": {"2026-11", "2026-12", "2026-12b", "2026-12c"},
    "rounds 2026-12d, 12e": {"2026-12d", "2026-12e"},
    "round 2026-12g (random, natural mix)": {"2026-12g"},
}


def compare(first: list[str], second: list[str]) -> dict[str, object]:
    a, b = np.array(first), np.array(second)
    present = sorted(set(first))
    return {
        "n": len(first),
        "agreement": round(float(np.mean(a == b)), 3),
        "kappa": round(float(cohen_kappa_score(a, b)), 3),
        "macro_f1": round(float(f1_score(a, b, labels=present, average="macro", zero_division=0)), 3),
        "claim_recall": round(float(np.mean(b[a == "claim"] == "claim")), 3),
        "f1_per_class": {
            kind: round(float(f), 3)
            for kind, f in zip(present, f1_score(a, b, labels=present, average=None,
                                                 zero_division=0), strict=True)
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    second = read_second_annotator_labels()
    rows = [
        r for r in labelled_real_rows(split="test")
        if second.get((r.source, r.row_id), "skip") != "skip"
    ]
    if not rows:
        sys.exit("shared data not found: set COMPLAINTDESK_SHARED_DATA")
    model: KindModel = get_default_model()
    predicted = [p.kind for p in model.predict([r.text for r in rows], explain=False)]
    first = [r.label for r in rows]
    other = [second[(r.source, r.row_id)] for r in rows]
    groups = {"all rounds": {r.round for r in rows}, **ROUND_GROUPS}
    report: dict[str, object] = {"model": model.version}
    for group, rounds in groups.items():
        keep = [r.round in rounds for r in rows]
        if not any(keep):
            continue
        a = [f for f, k in zip(first, keep, strict=True) if k]
        b = [o for o, k in zip(other, keep, strict=True) if k]
        m = [p for p, k in zip(predicted, keep, strict=True) if k]
        report[f"{group}: second annotator vs first"] = compare(a, b)
        report[f"{group}: model vs first annotator"] = compare(a, m)
        report[f"{group}: model vs second annotator"] = compare(b, m)
        report[f"{group}: model vs rows both annotators agree on"] = compare(
            [f for f, o in zip(a, b, strict=True) if f == o],
            [p for p, f, o in zip(m, a, b, strict=True) if f == o],
        )
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{len(rows)} held-out rows labelled by both annotators; kinds {', '.join(KINDS)}")
    for name, figures in report.items():
        if isinstance(figures, dict):
            print(f"{name:55} {json.dumps(figures)}")


if __name__ == "__main__":
    main()
