"""Theme quality on the shared data: AMI of find_themes vs known products, beside two baselines.

Run: PYTHONPATH=. /work/venv-shared/bin/python bench/insights_themes_quality.py [--limit N]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import adjusted_mutual_info_score as ami

from complaintdesk.insights.themes import find_themes, theme_labels

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")

# Weak labels for Comcast short titles: there is no product column, so topic = first rule that
# matches. Circular with a bag-of-words model by construction: read its AMI as a sanity check.
COMCAST_RULES = [
    ("data cap", r"data\s*cap|cap|usage|overage"),
    ("billing", r"bill|charg|fee|price|pric|refund|payment|credit"),
    ("speed", r"speed|slow|throttl|mbps"),
    ("outage/service", r"outage|down|disconnect|intermittent|connect|service"),
    ("customer service", r"customer|rep|support|rude|contract|cancel"),
]


def comcast_topic(title: str) -> str:
    t = title.lower()
    for name, rx in COMCAST_RULES:
        if re.search(rx, t):
            return name
    return "other"


def load(name: str, limit: int | None) -> tuple[list[str], list[str], list[str]]:
    if name == "cfpb":
        d = pd.read_csv(DATA / "cfpb_narratives_by_product.csv")
        d = d.rename(columns={"Consumer complaint narrative": "text", "Product": "label"})
    elif name == "myfin":
        d = pd.read_excel(DATA / "myfin_bank_reviews_ru.xlsx")
        d = d.rename(columns={"review_text": "text", "review_tag": "label"})
    else:
        d = pd.read_csv(DATA / "comcast_fcc_complaints_2015.csv")
        d["text"] = d["Customer Complaint"].astype(str)
        d["label"] = d["text"].map(comcast_topic)
    d = d.dropna(subset=["text", "label"])
    if limit:
        d = d.sample(n=min(limit, len(d)), random_state=0)
    texts, labels = d["text"].astype(str).tolist(), d["label"].astype(str).tolist()
    return [str(i) for i in d.index], texts, labels


def raw_counts_kmeans(texts: list[str], k: int) -> np.ndarray:
    x = CountVectorizer(min_df=2).fit_transform(texts)
    return KMeans(n_clusters=k, random_state=0, n_init=3).fit_predict(x)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print("| data | n | labels | method | k | AMI | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name in ("cfpb", "myfin", "comcast"):
        ids, texts, labels = load(name, args.limit)
        n_labels = len(set(labels))
        items = [(i, t, None) for i, t in zip(ids, texts, strict=True)]
        for mode in ("auto", "labels"):
            t0 = time.perf_counter()
            themes = find_themes(items, k=None if mode == "auto" else n_labels)
            secs = time.perf_counter() - t0
            pred = theme_labels(themes, ids)
            k = len(themes)
            print(f"| {name} | {len(ids)} | {n_labels} | themes k={mode} | {k} "
                  f"| {ami(labels, pred):.3f} | {secs:.1f} |")
        # Baselines at the same k as the k=labels run.
        rand = [ami(labels, rng.permutation(pred)) for _ in range(20)]
        print(f"| {name} | {len(ids)} | {n_labels} | random, same sizes (mean of 20) | {k} "
              f"| {np.mean(rand):.3f} | - |")
        t0 = time.perf_counter()
        raw = raw_counts_kmeans(texts, n_labels)
        print(f"| {name} | {len(ids)} | {n_labels} | KMeans on raw counts | {n_labels} "
              f"| {ami(labels, raw):.3f} | {time.perf_counter() - t0:.1f} |")
        if name != "comcast":
            for t in themes[:6]:
                print(f"|   | | | theme {t.id}: {t.label} ({t.size}) | | | |")


if __name__ == "__main__":
    main()
