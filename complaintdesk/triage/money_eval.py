"""Exact amount+currency accuracy of money.extract_amount on labelled real excerpts.

The labels (data/money_labels.csv) point at character spans of shared rows, so no customer
text is copied into the repo. Myfin reviews are about Belarusian banks: the organisation
setting rouble_currency=BYN says what a bare "рублей" means there.
"""

from __future__ import annotations

import csv
from decimal import Decimal

from complaintdesk.triage.datasets import MONEY_LABELS_PATH, load_source_texts
from complaintdesk.triage.money import extract_amount


def evaluate(*, split: str, verbose: bool = False) -> dict[str, object]:
    """Share of labelled excerpts of one split where amount and currency are exactly right.

    "dev" excerpts were used while writing money.py; "holdout" ones were labelled afterwards
    and never used to change the code, so they give the honest figure.
    """
    total = correct = 0
    per_source: dict[str, list[int]] = {}
    with MONEY_LABELS_PATH.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if split != "all" and row["split"] != split:
                continue
            texts = load_source_texts(row["source"])
            if texts is None:
                continue
            excerpt = texts[int(row["row_id"])][int(row["start"]) : int(row["end"])]
            found = extract_amount(excerpt, rouble_currency=row["rouble_currency"] or None)
            expected = (Decimal(row["amount"]), row["currency"])
            ok = found is not None and (found.amount, found.currency) == expected
            total += 1
            correct += ok
            per_source.setdefault(row["source"], [0, 0])
            per_source[row["source"]][0] += ok
            per_source[row["source"]][1] += 1
            if verbose and not ok:
                print(f"MISS {row['source']}:{row['row_id']} expected {expected} got {found}")
    return {
        "n": total,
        "exact": correct,
        "accuracy": round(correct / total, 3) if total else None,
        "per_source": {k: f"{v[0]}/{v[1]}" for k, v in per_source.items()},
    }
