"""`complaintdesk triage eval|train|classify`: evaluate, train and run triage models offline."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Lines are classified in batches: the models cost the same per call whatever the batch
# size, so batching is what gets bulk classification past 1,000 texts a second.
BATCH_SIZE = 256


class Command(BaseCommand):
    help = "Triage models: eval (cross-validation vs baseline), train (topic model), classify."
    stealth_options = ("stdin",)
    # Triage touches no models or database, so it should run even while other apps'
    # models are half-built (and it starts faster without the checks).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        evaluate = actions.add_parser("eval", help="cross-validate a topic model on a file")
        evaluate.add_argument("file", help="CSV or XLSX file")
        evaluate.add_argument("--text-col", required=True)
        evaluate.add_argument("--label-col", required=True)
        evaluate.add_argument("--folds", type=int, default=5)
        evaluate.add_argument("--json", action="store_true", help="print JSON instead of tables")

        train = actions.add_parser(
            "train", help="train a topic model (from a file or the case database) and register it"
        )
        source = train.add_mutually_exclusive_group(required=True)
        source.add_argument("--input", help="CSV or XLSX file")
        source.add_argument("--from-db", action="store_true",
                            help="cases with a topic; persons' corrections override labels")
        train.add_argument("--text-col")
        train.add_argument("--label-col")
        train.add_argument("--name", help="model name (default: 'topics')")
        train.add_argument("--out", help="also write NAME.joblib/NAME.json into this folder")
        train.add_argument("--min-per-class", type=int, default=20,
                           help="topics with fewer labelled cases are left out (--from-db)")
        train.add_argument("--folds", type=int, default=5)
        train.add_argument("--activate", action="store_true", help="make it the active model")
        train.add_argument("--store-in-db", action="store_true",
                           help="keep the artefact bytes in the database, not under MEDIA_ROOT")
        train.add_argument("--no-register", action="store_true",
                           help="file mode only: save files, do not touch the database")

        corrections = actions.add_parser(
            "corrections", help="persons' corrections of kind/topic as training data"
        )
        corrections.add_argument("--export", required=True, help="CSV file to write")

        calibrate = actions.add_parser(
            "calibrate-claims",
            help="which claim prior reaches a claim-recall target on cases people labelled",
        )
        calibrate.add_argument("--target-recall", type=float, default=0.9)
        calibrate.add_argument("--min-claims", type=int, default=20,
                               help="fewer labelled claims than this give no figure")
        calibrate.add_argument("--json", action="store_true", help="print JSON instead of a table")

        classify = actions.add_parser("classify", help="classify JSON lines {id, text}")
        classify.add_argument("--input", help="JSON-lines file (default: stdin)")
        classify.add_argument("--topic-model", help="path to a saved topic model")
        classify.add_argument("--review-threshold", type=float, default=None)
        classify.add_argument(
            "--rouble-currency", default=None, help="what a bare 'рублей' means: RUB or BYN"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "eval":
            self._evaluate(options)
        elif action == "train":
            self._train(options)
        elif action == "corrections":
            self._corrections(options)
        elif action == "calibrate-claims":
            self._calibrate_claims(options)
        else:
            self._classify(options)

    def _read(self, path: str, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
        from complaintdesk.triage.datasets import read_table

        try:
            table = read_table(path, columns=[text_col, label_col])
        except (OSError, KeyError, ValueError) as error:
            raise CommandError(str(error)) from error
        texts = [str(text) for text in table[text_col]]
        labels = [str(label).strip() for label in table[label_col]]
        if len(set(labels)) < 2:
            raise CommandError("need at least two distinct labels")
        return texts, labels

    def _evaluate(self, options: dict[str, Any]) -> None:
        from complaintdesk.triage.topic import evaluate_with_baseline

        texts, labels = self._read(options["file"], options["text_col"], options["label_col"])
        report = evaluate_with_baseline(texts, labels, folds=options["folds"])
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        model, baseline = report["model"], report["baseline_tfidf_linearsvc"]
        self.stdout.write(f"{model['n']} texts, {model['folds']}-fold cross-validation\n")
        self.stdout.write(f"{'':28}{'model':>10}{'baseline':>10}")
        self.stdout.write(f"{'accuracy':28}{model['accuracy']:>10.3f}{baseline['accuracy']:>10.3f}")
        self.stdout.write(f"{'macro-F1':28}{model['macro_f1']:>10.3f}{baseline['macro_f1']:>10.3f}")
        self.stdout.write("\nper class (model | baseline)")
        self.stdout.write(f"{'label':28}{'prec':>7}{'rec':>7}{'f1':>7} |{'f1':>7}{'n':>7}")
        for label, figures in model["per_class"].items():
            base = baseline["per_class"][label]
            self.stdout.write(
                f"{label[:27]:28}{figures['precision']:>7.2f}{figures['recall']:>7.2f}"
                f"{figures['f1']:>7.2f} |{base['f1']:>7.2f}{figures['support']:>7}"
            )
        self.stdout.write("\nconfusion (rows: true, columns: predicted, model)")
        short = [label[:6] for label in model["labels"]]
        self.stdout.write(f"{'':28}" + "".join(f"{name:>8}" for name in short))
        for label, row in zip(model["labels"], model["confusion"], strict=True):
            self.stdout.write(f"{label[:27]:28}" + "".join(f"{value:>8}" for value in row))

    def _train(self, options: dict[str, Any]) -> None:
        from complaintdesk.triage.training import (
            drop_small_classes,
            topic_training_rows,
            train_and_register,
        )

        name = options.get("name") or "topics"
        stats: dict[str, Any] = {}
        if options.get("from_db"):
            texts, labels, stats = topic_training_rows()
            texts, labels, dropped = drop_small_classes(texts, labels, options["min_per_class"])
            stats["dropped_topics"] = dropped
            source = "database"
            if len(set(labels)) < 2:
                raise CommandError(
                    f"need at least two topics with >= {options['min_per_class']} labelled cases"
                    f" (found {len(set(labels))}; left out: {dropped})"
                )
        else:
            if not options.get("text_col") or not options.get("label_col"):
                raise CommandError("--input needs --text-col and --label-col")
            texts, labels = self._read(options["input"], options["text_col"], options["label_col"])
            source = options["input"]
        if options.get("no_register"):
            if not options.get("out"):
                raise CommandError("--no-register needs --out")
            from complaintdesk.triage.topic import TopicModel

            model = TopicModel.train(texts, labels, name=name, extra_metadata={"source": source})
            row = None
        else:
            row, model = train_and_register(
                texts, labels, name=name, source=source, folds=options["folds"],
                activate=options["activate"], store_bytes=options["store_in_db"],
                extra_metadata={"training": stats} if stats else None,
            )
        report: dict[str, Any] = {
            "version": model.version, "labels": model.metadata["labels"], "n_samples": len(texts),
        }
        if options.get("out"):
            report["saved"] = str(model.save(options["out"]))
        if row is not None:
            report.update(
                registry_id=row.pk, active=row.active,
                artefact=row.artefact_path or "(in database)",
                macro_f1=row.metrics.get("model", {}).get("macro_f1"),
                baseline_macro_f1=row.metrics.get("baseline_tfidf_linearsvc", {}).get("macro_f1"),
            )
        if stats:
            report["training"] = stats
        self.stdout.write(json.dumps(report, ensure_ascii=False))

    def _corrections(self, options: dict[str, Any]) -> None:
        import csv

        from complaintdesk.triage.training import person_corrections

        rows = person_corrections()
        with open(options["export"], "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["reference", "field", "before", "after", "corrected_at",
                             "corrected_by", "text"])
            for row in rows:
                writer.writerow([row.reference, row.field, row.before or "", row.after or "",
                                 row.at.isoformat(), row.by, row.text])
        self.stdout.write(json.dumps({"exported": len(rows), "file": options["export"]}))

    def _calibrate_claims(self, options: dict[str, Any]) -> None:
        from dataclasses import asdict

        from complaintdesk.triage.calibration import PRIORS, choose, sweep
        from complaintdesk.triage.kind import get_default_model
        from complaintdesk.triage.training import person_kind_labels

        target = options["target_recall"]
        if not 0 < target <= 1:
            raise CommandError("--target-recall: a share above 0, at most 1 (e.g. 0.9)")
        rows = person_kind_labels()
        claims = sum(1 for _, kind in rows if kind == "claim")
        if claims < options["min_claims"]:
            raise CommandError(
                f"{claims} of the {len(rows)} cases whose kind a person corrected or confirmed"
                f" are claims; at least {options['min_claims']} (--min-claims) are needed for"
                " a claim-recall figure to mean anything")
        model = get_default_model()
        priors = sorted({*PRIORS, model.claim_prior})
        figures = sweep(model, [text for text, _ in rows], [kind for _, kind in rows],
                        priors=priors)
        chosen = choose(figures, target_recall=target)
        report = {
            "cases": len(rows), "claims": claims, "model_version": model.version,
            "current_prior": model.claim_prior, "target_recall": target,
            "sweep": [asdict(row) for row in figures],
            "recommended": asdict(chosen) if chosen else None,
            "setting": f"COMPLAINTDESK_KIND_CLAIM_PRIOR={chosen.prior:g}" if chosen else None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        self.stdout.write(f"{len(rows)} cases a person corrected or confirmed, {claims} claims;"
                          f" model {model.version}, claim prior now {model.claim_prior:g}")
        self.stdout.write(f"{'prior':>6} {'recall':>7} {'precision':>9} {'macro-F1':>8} claims")
        for row in figures:
            mark = " <- now" if row.prior == model.claim_prior else ""
            self.stdout.write(f"{row.prior:>6g} {row.claim_recall:>7.3f} {row.claim_precision:>9.3f}"
                              f" {row.macro_f1:>8.3f} {row.predicted_claims:>6}{mark}")
        if chosen is None:
            self.stdout.write(f"no prior reaches claim recall {target:g} on these cases")
        else:
            self.stdout.write(f"set {report['setting']} to reach claim recall"
                              f" {chosen.claim_recall:.3f} (target {target:g}) here")

    def _classify(self, options: dict[str, Any]) -> None:
        from complaintdesk.triage.kind import DEFAULT_REVIEW_THRESHOLD
        from complaintdesk.triage.topic import TopicModel

        topic_model = None
        if options.get("topic_model"):
            try:
                topic_model = TopicModel.load(options["topic_model"])
            except (OSError, KeyError, ValueError) as error:
                raise CommandError(f"cannot load topic model: {error}") from error
        threshold = options.get("review_threshold")
        threshold = DEFAULT_REVIEW_THRESHOLD if threshold is None else threshold
        stream: TextIO
        if options.get("input"):
            stream = open(options["input"], encoding="utf-8")  # noqa: SIM115 - closed below
        else:
            stream = options.get("stdin") or sys.stdin
        try:
            numbered = enumerate(stream, start=1)
            for batch in _batches(numbered, BATCH_SIZE):
                self._classify_batch(batch, topic_model, threshold, options.get("rouble_currency"))
        finally:
            if options.get("input"):
                stream.close()

    def _classify_batch(
        self,
        batch: list[tuple[int, str]],
        topic_model: Any,
        threshold: float,
        rouble_currency: str | None,
    ) -> None:
        from complaintdesk.triage.pipeline import classify_many

        outputs: dict[int, dict[str, Any]] = {}
        good: list[tuple[int, Any, str]] = []
        for number, line in batch:
            if not line.strip():
                continue
            record, error = _parse_line(line)
            if error is not None:
                outputs[number] = {"line": number, "error": error}
                if isinstance(record, dict) and "id" in record:
                    outputs[number]["id"] = record["id"]
                continue
            good.append((number, record["id"], record["text"]))
        results = classify_many(
            [text for _, _, text in good],
            topic_model=topic_model,
            review_threshold=threshold,
            rouble_currency=rouble_currency,
        )
        for (number, record_id, _), result in zip(good, results, strict=True):
            outputs[number] = {"id": record_id, **result.as_dict()}
        for number in sorted(outputs):
            self.stdout.write(json.dumps(outputs[number], ensure_ascii=False))


def _parse_line(line: str) -> tuple[Any, str | None]:
    """The decoded record, or an error message saying what is wrong with the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"invalid JSON: {error.msg}"
    if not isinstance(record, dict):
        return record, "expected a JSON object with id and text"
    if "id" not in record:
        return record, "missing field: id"
    if not isinstance(record.get("text"), str):
        return record, "missing or non-string field: text"
    return record, None


def _batches(items: Iterator[tuple[int, str]] | Any, size: int) -> Iterator[list[tuple[int, str]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
