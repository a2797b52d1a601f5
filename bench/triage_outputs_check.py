"""Same triage outputs from two checkouts: every field of every result, on all the shared texts.

Speed work on triage must not change a single output. This dumps, for each text, the full
``TriageResult.as_dict()`` (kind, probabilities, explanation, topic, amount, currency, remedy,
resonance, language), the unrounded kind and topic probabilities and every ``find_amounts``
mention, for one checkout; ``compare`` then
reports the first differences between two dumps.

Run (from any checkout with a venv):
  python bench/triage_outputs_check.py dump --code /tmp/before before.jsonl
  python bench/triage_outputs_check.py dump --code . after.jsonl
  python bench/triage_outputs_check.py compare before.jsonl after.jsonl
The topic model is fitted once on myfin (review_tag) and saved next to the dump (reused by
later dumps through --topic-model), so both checkouts classify with the same model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

BATCH = 256
# Texts the shared data may lack: edge cases of lowering, masks, digits and lengths.
EDGE_CASES = [
    "", " ", "?", "1", "12 345", "İstanbul: списали 500 руб., ВЕРНИТЕ!",
    "ВЕРНИТЕ ДЕНЬГИ 1 500 РУБ. ЦБ РФ, суд, СМИ",
    "XXXX XX/XX/XXXX charged {$1,234.56} fee, refund please. CFPB, SEC, press",
    "Сняли 5 руб 50 коп комиссии, списали 1400 с карты, сняли 17 копеек",
    "Обменяла 60 тыс.российских рублей в Минске, выдали меньше на 3 млн",
    "I was charged $1,234.56 and 15k USD and €20 and £15 and 10 PLN and 5 злотых",
    "Ставка 27%, карта 4255 1234 5678 9012, тел. +375 29 123-45-67, 14.11.2023 в 10:30",
    "Ўсё добра, дзякуй банку! Спасибо" * 3,
    "a" * 3100 + " списали 600 рублей",
    "списали 600 рублей " * 300,
]


def shared_texts() -> list[tuple[str, str]]:
    """(source, text) for every text in the shared data, in file order, then the edge cases."""
    import pandas as pd

    from complaintdesk.triage.datasets import shared_data_dir

    folder = shared_data_dir()
    if folder is None:
        sys.exit("shared data not found: set COMPLAINTDESK_SHARED_DATA")
    out: list[tuple[str, str]] = []
    myfin = pd.read_excel(folder / "myfin_bank_reviews_ru.xlsx")
    out += [("myfin", str(t)) for t in myfin["review_text"]]
    cfpb = pd.read_csv(folder / "cfpb_complaints_2015_2020.csv", dtype=str)
    for narrative, issue, sub in zip(cfpb["Consumer complaint narrative"], cfpb["Issue"],
                                     cfpb["Sub-issue"], strict=True):
        # What the cfpb import mapping makes of a row: the narrative, else "Issue. Sub-issue".
        text = narrative if isinstance(narrative, str) else f"{issue}. {sub}"
        out.append(("cfpb", text))
    narratives = pd.read_csv(folder / "cfpb_narratives_by_product.csv", dtype=str)
    out += [("cfpb_narratives", str(t)) for t in narratives["Consumer complaint narrative"]]
    comcast = pd.read_csv(folder / "comcast_fcc_complaints_2015.csv", dtype=str)
    out += [("comcast", str(t)) for t in comcast["Customer Complaint"]]
    rutube = pd.read_excel(folder / "rutube_support_tickets_ru.xlsx")
    out += [("rutube", str(t)) for t in rutube.iloc[:, 0]]
    out += [("edge", t) for t in EDGE_CASES]
    return out


def fit_topic_model(path: Path) -> None:
    import joblib

    from complaintdesk.triage.datasets import read_table, shared_data_dir
    from complaintdesk.triage.topic import TopicModel

    folder = shared_data_dir()
    assert folder is not None
    table = read_table(folder / "myfin_bank_reviews_ru.xlsx", columns=["review_text", "review_tag"])
    model = TopicModel.train(table["review_text"], table["review_tag"], name="check", version="check-1")
    joblib.dump({"pipeline": model.pipeline, "version": "check-1"}, path, compress=3)


def dump(code: Path, out: Path, topic_path: Path | None) -> None:
    sys.path.insert(0, str(code.resolve()))
    os.environ.setdefault("COMPLAINTDESK_VAR_DIR", tempfile.mkdtemp())
    # The data beside this script's checkout, wherever the measured checkout lives.
    os.environ.setdefault("COMPLAINTDESK_SHARED_DATA",
                          str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    from complaintdesk.triage import money, pipeline
    from complaintdesk.triage.kind import get_default_model
    from complaintdesk.triage.topic import TopicModel

    assert pipeline.__file__.startswith(str(code.resolve())), pipeline.__file__
    if topic_path is None:
        topic_path = out.with_name(out.stem + "-topic.joblib")
        if not topic_path.exists():
            fit_topic_model(topic_path)
    topic = TopicModel.load(topic_path)
    kind_model = get_default_model()
    texts = shared_texts()
    with out.open("w", encoding="utf-8") as handle:
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            results = pipeline.classify_many([t for _, t in batch], topic_model=topic)
            # The probabilities before rounding, bit for bit (as hex).
            raw_kind = kind_model.predict_proba([t for _, t in batch])
            raw_topic = topic.pipeline.predict_proba([t for _, t in batch])
            for row, ((source, text), result) in enumerate(zip(batch, results, strict=True)):
                mentions = {
                    currency or "default": [
                        [str(m.amount), m.currency, m.start, m.end, m.score]
                        for m in money.find_amounts(text, rouble_currency=currency)
                    ]
                    for currency in (None, "BYN")
                }
                raw = {"kind": [float(v).hex() for v in raw_kind[row]],
                       "topic": [float(v).hex() for v in raw_topic[row]]}
                record = {"source": source, "result": result.as_dict(), "mentions": mentions,
                          "raw": raw}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(texts)} texts -> {out}")


def compare(first: Path, second: Path) -> None:
    a = first.read_text(encoding="utf-8").splitlines()
    b = second.read_text(encoding="utf-8").splitlines()
    if len(a) != len(b):
        sys.exit(f"different numbers of texts: {len(a)} vs {len(b)}")
    differing = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    for i in differing[:10]:
        x, y = json.loads(a[i]), json.loads(b[i])
        for part in ("result", "mentions", "raw"):
            for key in x[part]:
                if x[part][key] != y[part].get(key):
                    print(f"line {i + 1} ({x['source']}) {part}.{key}: "
                          f"{x[part][key]!r} != {y[part].get(key)!r}")
    by_source: dict[str, int] = {}
    for line in a:
        source = json.loads(line)["source"]
        by_source[source] = by_source.get(source, 0) + 1
    print(f"{len(a)} texts ({', '.join(f'{k} {v}' for k, v in by_source.items())}): "
          f"{len(differing)} differ")
    sys.exit(1 if differing else 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    actions = parser.add_subparsers(dest="action", required=True)
    dumping = actions.add_parser("dump")
    dumping.add_argument("out", type=Path)
    dumping.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    dumping.add_argument("--topic-model", type=Path)
    comparing = actions.add_parser("compare")
    comparing.add_argument("first", type=Path)
    comparing.add_argument("second", type=Path)
    args = parser.parse_args()
    if args.action == "dump":
        dump(args.code, args.out, args.topic_model)
    else:
        compare(args.first, args.second)


if __name__ == "__main__":
    main()
