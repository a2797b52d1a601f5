"""Which claim prior reaches a claim-recall target on cases people labelled: sweep and choice.

No Django here: `triage calibrate-claims` reads the cases (training.person_kind_labels) and
passes their texts and kinds. The shipped model never saw this deployment's cases, so the
figures are honest ones for the deployment's own mix of cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

PRIORS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0)


@dataclass(frozen=True, slots=True)
class PriorFigures:
    """How the kind model does at one claim prior on the labelled cases."""

    prior: float
    claim_recall: float
    claim_precision: float
    macro_f1: float
    predicted_claims: int


def sweep(
    model: Any, texts: Sequence[str], kinds: Sequence[str], *, priors: Sequence[float] = PRIORS
) -> list[PriorFigures]:
    """The model's figures at each prior, lowest prior first."""
    from sklearn.metrics import f1_score

    truth = np.asarray(kinds)
    present = sorted(set(kinds))
    classes = np.asarray(model.classes)
    claims = truth == "claim"
    rows: list[PriorFigures] = []
    for prior, probabilities in sorted(model.predict_proba_at_priors(texts, priors).items()):
        predicted = classes[probabilities.argmax(axis=1)]
        flagged = predicted == "claim"
        rows.append(PriorFigures(
            prior=prior,
            claim_recall=float(flagged[claims].mean()) if claims.any() else 0.0,
            claim_precision=float((flagged & claims).sum() / flagged.sum()) if flagged.any() else 0.0,
            macro_f1=float(f1_score(truth, predicted, labels=present, average="macro",
                                    zero_division=0)),
            predicted_claims=int(flagged.sum()),
        ))
    return rows


def choose(figures: Sequence[PriorFigures], *, target_recall: float) -> PriorFigures | None:
    """The best macro-F1 among the priors that reach the target (the lower prior on a tie)."""
    reaching = [row for row in figures if row.claim_recall >= target_recall]
    if not reaching:
        return None
    return max(reaching, key=lambda row: (row.macro_f1, -row.prior))
