"""What `triage calibrate-claims` buys a deployment, simulated on the held-out rows in two halves.

Run: python bench/triage_kind_calibration_sim.py [--encoder] [--target 0.9]
The held-out rows stand in for a deployment's confirmed cases: the prior is chosen on one half
(by the command's own sweep and rule) and scored on the other, both ways round, so no figure is
scored on rows that chose it. The halves are fixed by a hash of the text, never by a model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from complaintdesk.triage.calibration import PRIORS, choose, sweep  # noqa: E402
from complaintdesk.triage.datasets import labelled_real_rows  # noqa: E402
from complaintdesk.triage.kind import ARTEFACT_PATH, KindModel, with_encoder  # noqa: E402


class FixedRows:
    """A model whose probabilities at each prior were computed once for every held-out row."""

    def __init__(self, model: KindModel, texts: list[str]) -> None:
        self.classes = model.classes
        self.claim_prior = model.claim_prior
        self._rows = {text: i for i, text in enumerate(texts)}
        self._at = model.predict_proba_at_priors(texts, sorted({*PRIORS, model.claim_prior}))

    def predict_proba_at_priors(self, texts, priors):  # noqa: ANN001, ANN201
        index = np.array([self._rows[text] for text in texts])
        return {prior: self._at[prior][index] for prior in priors}


def half(text: str) -> int:
    return hashlib.sha1(" ".join(text.lower().split()).encode()).digest()[0] % 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", action="store_true", help="the blend (extra encoder)")
    parser.add_argument("--target", type=float, default=0.9)
    args = parser.parse_args()
    rows = labelled_real_rows(split="test")
    if not rows:
        sys.exit("shared data not found: set COMPLAINTDESK_SHARED_DATA")
    model = KindModel.load(ARTEFACT_PATH)
    if args.encoder:
        from complaintdesk.triage.encoder import KindEncoder

        model = with_encoder(model, KindEncoder.load())
    fixed = FixedRows(model, [r.text for r in rows])
    halves = [[r for r in rows if half(r.text) == h] for h in (0, 1)]
    report: dict[str, object] = {"model": model.version, "shipped_prior": model.claim_prior,
                                 "target_recall": args.target}
    for name, (chooser, scored) in {"choose on A, score B": halves,
                                    "choose on B, score A": halves[::-1]}.items():
        figures = sweep(fixed, [r.text for r in chooser], [r.label for r in chooser])
        chosen = choose(figures, target_recall=args.target)
        prior = chosen.prior if chosen else max(PRIORS)
        [at_chosen] = sweep(fixed, [r.text for r in scored], [r.label for r in scored],
                            priors=(prior,))
        [at_shipped] = sweep(fixed, [r.text for r in scored], [r.label for r in scored],
                             priors=(model.claim_prior,))
        report[name] = {
            "rows": [len(chooser), len(scored)],
            "chosen_prior": prior,
            "calibrated": {"claim_recall": round(at_chosen.claim_recall, 3),
                           "macro_f1": round(at_chosen.macro_f1, 3),
                           "claim_precision": round(at_chosen.claim_precision, 3)},
            "shipped_prior": {"claim_recall": round(at_shipped.claim_recall, 3),
                              "macro_f1": round(at_shipped.macro_f1, 3),
                              "claim_precision": round(at_shipped.claim_precision, 3)},
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
