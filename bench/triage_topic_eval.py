"""Topic model vs TF-IDF + LinearSVC by 5-fold cross-validation on the three shared datasets.

Run: python bench/triage_topic_eval.py [--folds 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from complaintdesk.triage.datasets import read_table, shared_data_dir  # noqa: E402
from complaintdesk.triage.topic import evaluate_with_baseline  # noqa: E402

DATASETS = [
    ("cfpb_narratives_by_product.csv", "Consumer complaint narrative", "Product"),
    ("myfin_bank_reviews_ru.xlsx", "review_text", "review_tag"),
    ("rutube_support_tickets_ru.xlsx", "Вопрос пользователя", "Классификатор 1 уровня"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    folder = shared_data_dir()
    if folder is None:
        sys.exit("shared data not found: set COMPLAINTDESK_SHARED_DATA")
    summary = {}
    for filename, text_column, label_column in DATASETS:
        started = time.perf_counter()
        table = read_table(folder / filename, columns=[text_column, label_column])
        result = evaluate_with_baseline(
            table[text_column], table[label_column], folds=args.folds
        )
        summary[filename] = {
            "model_macro_f1": result["model"]["macro_f1"],
            "baseline_macro_f1": result["baseline_tfidf_linearsvc"]["macro_f1"],
            "model_accuracy": result["model"]["accuracy"],
            "baseline_accuracy": result["baseline_tfidf_linearsvc"]["accuracy"],
            "n": result["model"]["n"],
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(filename, json.dumps(summary[filename], ensure_ascii=False), flush=True)
    print(json.dumps(summary, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
