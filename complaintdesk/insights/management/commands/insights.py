"""`complaintdesk insights spikes|themes`: run the insight engines on a CSV/XLSX export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaintdesk.insights.export import write_csv, write_xlsx
from complaintdesk.insights.spikes import detect_spikes_by_group
from complaintdesk.insights.themes import find_themes, theme_labels


def read_table(path: str) -> pd.DataFrame:
    """Read a CSV (UTF-8, BOM tolerated) or XLSX file as strings."""
    p = Path(path)
    if not p.exists():
        raise CommandError(f"input file not found: {path}")
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(p, dtype=str)
        return pd.read_csv(p, dtype=str, encoding="utf-8-sig")
    except Exception as exc:  # pandas raises many types; the user needs the file and reason
        raise CommandError(f"cannot read {path}: {exc}") from exc


def require_columns(df: pd.DataFrame, path: str, **columns: str | None) -> None:
    """CommandError naming each missing column (and listing the ones that exist)."""
    for option, name in columns.items():
        if name is not None and name not in df.columns:
            available = ", ".join(map(str, df.columns))
            raise CommandError(
                f"column {name!r} (--{option.replace('_', '-')}) not found in {path}; "
                f"columns are: {available}"
            )


class Command(BaseCommand):
    help = "Spike (mass-incident) detection and theme discovery on a CSV/XLSX file."
    # Works on files only, no database: model checks elsewhere must not block an analyst.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sp = sub.add_parser("spikes", help="volumes far above the seasonal baseline")
        sp.add_argument("--input", required=True)
        sp.add_argument("--date-col", required=True)
        sp.add_argument("--time-col")
        sp.add_argument("--group-col")
        sp.add_argument("--date-format", help="strftime format of the date column")
        sp.add_argument("--dayfirst", action="store_true")
        sp.add_argument("--freq", choices=["D", "H"], default="D")
        sp.add_argument("--z", type=float)
        sp.add_argument("--min-count", type=int)
        sp.add_argument("--season", type=int)
        sp.add_argument("--history", type=int)
        sp.add_argument("--total", action="store_true", help="also the all-groups series")
        sp.add_argument("--output", help="write the spikes as .csv or .xlsx")
        sp.add_argument("--json", action="store_true")

        th = sub.add_parser("themes", help="cluster texts into themes")
        th.add_argument("--input", required=True)
        th.add_argument("--text-col", required=True)
        th.add_argument("--id-col")
        th.add_argument("--date-col")
        th.add_argument("--label-col", help="known topic column: prints AMI against it")
        th.add_argument("--k", type=int)
        th.add_argument("--language", choices=["ru", "en", "mixed"])
        th.add_argument("--output", help="write the themes as .csv or .xlsx")
        th.add_argument("--json", action="store_true")

        ro = sub.add_parser("rollup", help="refresh the dashboards' daily roll-up (database)")
        ro.add_argument("--rebuild", action="store_true",
                        help="recompute every day from all cases (else: the days touched)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "rollup":
            self._rollup(opts)
        elif opts["action"] == "spikes":
            self._spikes(opts)
        else:
            self._themes(opts)

    def _timestamps(self, df: pd.DataFrame, opts: dict[str, Any]) -> pd.Series:
        raw = df[opts["date_col"]].astype(str).str.strip()
        if opts.get("time_col"):
            raw = raw + " " + df[opts["time_col"]].astype(str).str.strip()
        fmt = opts.get("date_format")
        if fmt and opts.get("time_col"):
            fmt = None  # the time part has its own format; let pandas infer the whole string
        ts = pd.to_datetime(
            raw, format=fmt or "mixed", dayfirst=opts.get("dayfirst", False), errors="coerce"
        )
        if ts.notna().sum() == 0:
            raise CommandError(f"no parseable dates in column {opts['date_col']!r}")
        return ts

    def _spikes(self, opts: dict[str, Any]) -> None:
        path = opts["input"]
        df = read_table(path)
        require_columns(
            df, path, date_col=opts["date_col"], time_col=opts.get("time_col"),
            group_col=opts.get("group_col"),
        )
        ts = self._timestamps(df, opts)
        groups = df[opts["group_col"]].fillna("(blank)") if opts.get("group_col") else None
        keys = groups if groups is not None else pd.Series("(all)", index=df.index)
        mask = ts.notna()
        tuning = {
            k: opts.get(k) for k in ("z", "min_count", "season", "history")
            if opts.get(k) is not None
        }
        result = detect_spikes_by_group(
            zip(ts[mask], keys[mask], strict=True), freq=opts["freq"],
            include_total=bool(opts.get("total")) and groups is not None, **tuning,
        )
        spikes = sorted(
            (s for lst in result.values() for s in lst), key=lambda s: (s.start, str(s.group))
        )
        rows = [s.as_dict() for s in spikes]
        if opts.get("output"):
            header = ["group", "start", "end", "peak", "observed", "expected", "excess", "score"]
            self._write(opts["output"], header, [[r[h] for h in header] for r in rows])
        if opts.get("json"):
            self.stdout.write(json.dumps({"spikes": rows}, ensure_ascii=False, indent=2))
            return
        skipped = int((~mask).sum())
        self.stdout.write(f"{len(rows)} spike(s); {skipped} row(s) without a parseable date")
        for r in rows:
            self.stdout.write(
                f"{r['group']}\t{r['start']} .. {r['end']}\tobserved {r['observed']}"
                f"\texpected {r['expected']}\tscore {r['score']}"
            )

    def _themes(self, opts: dict[str, Any]) -> None:
        path = opts["input"]
        df = read_table(path)
        require_columns(
            df, path, text_col=opts["text_col"], id_col=opts.get("id_col"),
            date_col=opts.get("date_col"), label_col=opts.get("label_col"),
        )
        df = df[df[opts["text_col"]].notna()]
        ids = df[opts["id_col"]].astype(str) if opts.get("id_col") else df.index.astype(str)
        ids = list(ids)
        stamps: list[Any] = [None] * len(df)
        if opts.get("date_col"):
            stamps = list(pd.to_datetime(df[opts["date_col"]], format="mixed", errors="coerce"))
        items = list(zip(ids, df[opts["text_col"]].astype(str), stamps, strict=True))
        themes = find_themes(items, k=opts.get("k"), language=opts.get("language"))
        ami = None
        if opts.get("label_col"):
            from sklearn.metrics import adjusted_mutual_info_score

            known = df[opts["label_col"]].fillna("(blank)").astype(str).tolist()
            ami = float(adjusted_mutual_info_score(known, theme_labels(themes, ids)))
        if opts.get("output"):
            header = ["theme", "label", "size", "share", "key_phrases", "example_ids"]
            self._write(
                opts["output"], header,
                [[t.id, t.label, t.size, round(t.share, 4), "; ".join(t.key_phrases),
                  " ".join(map(str, t.case_ids))] for t in themes],
            )
        if opts.get("json"):
            out: dict[str, Any] = {"themes": [t.as_dict() for t in themes]}
            if ami is not None:
                out["ami"] = round(ami, 4)
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{len(themes)} theme(s) over {len(items)} text(s)")
        if ami is not None:
            self.stdout.write(f"AMI vs {opts['label_col']}: {ami:.3f}")
        for t in themes:
            self.stdout.write(
                f"[{t.id}] {t.size:>6}  {t.label}  | {', '.join(t.key_phrases[3:8])}"
                f"  | e.g. {', '.join(map(str, t.case_ids[:3]))}"
            )

    def _rollup(self, opts: dict[str, Any]) -> None:
        import time

        from complaintdesk.insights import rollup

        t0 = time.perf_counter()
        if opts.get("rebuild"):
            rows = rollup.rebuild()
            self.stdout.write(f"roll-up rebuilt: {rows} day rows in {time.perf_counter() - t0:.1f} s")
        else:
            done = rollup.refresh()
            self.stdout.write(f"roll-up refreshed: {done} in {time.perf_counter() - t0:.1f} s")

    def _write(self, output: str, header: list[str], rows: list[list[Any]]) -> None:
        if output.lower().endswith(".xlsx"):
            write_xlsx(output, header, rows)
        elif output.lower().endswith(".csv"):
            write_csv(output, header, rows)
        else:
            raise CommandError(f"--output must end with .csv or .xlsx: {output}")
        self.stderr.write(f"wrote {output}")
