"""`complaintdesk staffing …`: Erlang C/A, expected wait, forecast, plan and structure what-if."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from complaintdesk.staffing import erlang, ewt, forecast, plan, structure


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction between 0 and 1")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} must be a number > 0")
    return value


def _clean(value: Any) -> Any:
    """JSON cannot hold inf/NaN: report them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


class Command(BaseCommand):
    help = "Workforce planning: Erlang C/A staffing, expected wait, forecasts, plans, structure."
    # Mostly computation on files and numbers; --from-db reads cases but needs no checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        for name, helptext in (
            ("erlang-c", "agents for one interval, callers wait forever (Erlang C)"),
            ("erlang-a", "agents for one interval, callers abandon (Erlang A)"),
        ):
            p = sub.add_parser(name, help=helptext)
            p.add_argument("--calls", type=float, required=True, help="calls in the interval")
            p.add_argument("--interval-seconds", type=_positive, default=1800.0)
            p.add_argument("--aht-seconds", type=_positive, required=True)
            p.add_argument("--answer-seconds", type=float, default=20.0, help="SL threshold t")
            target = p.add_mutually_exclusive_group(required=True)
            target.add_argument("--target-sl", type=_fraction, help="e.g. 0.8 for 80%% in t")
            target.add_argument("--agents", type=int, help="rate this many agents instead")
            p.add_argument("--shrinkage", type=_fraction, default=0.0)
            p.add_argument("--max-occupancy", type=_fraction)
            p.add_argument("--json", action="store_true")
            if name == "erlang-a":
                p.add_argument("--patience-seconds", type=_positive, required=True)
                p.add_argument("--max-abandon", type=_fraction)

        p = sub.add_parser("ewt", help="expected wait for a caller with N callers ahead")
        p.add_argument("--ahead", type=int, help="callers queued ahead")
        p.add_argument("--agents", type=int, help="agents serving the queue")
        p.add_argument("--aht-seconds", type=_positive)
        p.add_argument("--patience-seconds", type=_positive, help="use Erlang A (abandonment)")
        p.add_argument(
            "--answered-waits", help="comma-separated recent answered waits (delay history)"
        )
        p.add_argument("--window", type=int, default=1, help="answered waits to average")
        p.add_argument("--callback-threshold", type=float, default=600.0)
        p.add_argument("--json", action="store_true")

        p = sub.add_parser("forecast", help="forecast arrivals per day or intra-day interval")
        self._history_arguments(p)
        p.add_argument("--horizon", type=int, required=True, help="days (D) or days of intervals")
        p.add_argument("--method", default="profile", choices=sorted(forecast.METHODS))
        p.add_argument("--backtest", action="store_true", help="rolling-origin WAPE/MAPE (daily)")
        p.add_argument("--json", action="store_true")

        p = sub.add_parser("plan", help="agents per interval and FTE per day")
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("--input", help="CSV: interval_start, calls[, aht_seconds]")
        source.add_argument("--from-db", action="store_true",
                            help="forecast from the cases of --queue (and --channel)")
        p.add_argument("--queue", help="queue code (with --from-db)")
        p.add_argument("--channel", default="", help="one channel only, e.g. phone (--from-db)")
        p.add_argument("--days", type=int, default=28, help="days of history (--from-db)")
        p.add_argument("--horizon-days", type=int, default=7, help="days to plan (--from-db)")
        p.add_argument("--interval", choices=["15min", "30min", "60min"], default="30min",
                       help="interval length (--from-db)")
        p.add_argument("--aht-seconds", type=_positive, help="when the CSV has no aht_seconds")
        p.add_argument("--interval-seconds", type=_positive)
        p.add_argument("--answer-seconds", type=float)
        p.add_argument("--target-sl", type=_fraction)
        p.add_argument("--model", choices=["erlang-c", "erlang-a", "erlang_c", "erlang_a"])
        p.add_argument("--patience-seconds", type=_positive)
        p.add_argument("--max-abandon", type=_fraction)
        p.add_argument("--shrinkage", type=_fraction)
        p.add_argument("--max-occupancy", type=_fraction)
        p.add_argument("--paid-hours-per-day", type=_positive, default=8.0)
        p.add_argument(
            "--forecast-days",
            type=int,
            help="treat the CSV as history of interval counts and plan this many days ahead",
        )
        p.add_argument("--json", action="store_true")
        p.add_argument("--csv", metavar="OUT", help="also write the intervals as CSV to OUT")

        p = sub.add_parser("structure", help="support-structure cost and move-to-L1 what-if")
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("--input", help="structure JSON (see examples/)")
        source.add_argument("--from-db", action="store_true",
                            help="topic volumes and line routing from the cases")
        p.add_argument("--months", type=int, default=3, help="whole months of cases (--from-db)")
        p.add_argument("--dump", action="store_true",
                       help="print the structure JSON built from the cases (to edit, then --input)")
        p.add_argument("--move", nargs="*", metavar="TOPIC", help="topics to move to line 1")
        p.add_argument("--csv", action="store_true", help="per-line CSV instead of JSON")

    @staticmethod
    def _history_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--input", required=True, help="CSV with one row per contact or count")
        p.add_argument("--date-col", required=True, help="column holding the date/time")
        p.add_argument("--time-col", help="separate time-of-day column, if any")
        p.add_argument("--date-format", help="strftime format of --date-col (default: guess)")
        p.add_argument("--count-col", help="column with counts (default: one row = one call)")
        p.add_argument("--freq", default="D", choices=["D", "15min", "30min", "60min"])
        p.add_argument("--holidays", help="comma-separated YYYY-MM-DD dates")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, "_" + options["action"].replace("-", "_"))
        try:
            handler(options)
        except (ValueError, FileNotFoundError, KeyError, OSError) as exc:
            raise CommandError(str(exc)) from exc

    # ---- output helpers -------------------------------------------------------------------

    def _emit(self, payload: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(_clean(payload), indent=2, default=str))
            return
        for key, value in payload.items():
            shown = f"{value:.6g}" if isinstance(value, float) else value
            self.stdout.write(f"{key:>24}: {shown}")

    # ---- sub-commands ---------------------------------------------------------------------

    def _erlang_c(self, o: dict[str, Any]) -> None:
        result = erlang.erlang_c_staffing(
            calls=o["calls"],
            interval_seconds=o["interval_seconds"],
            aht_seconds=o["aht_seconds"],
            answer_seconds=o["answer_seconds"],
            target_sl=o["target_sl"],
            agents=o["agents"],
            shrinkage=o["shrinkage"],
            max_occupancy=o["max_occupancy"],
        )
        self._emit(result.as_dict(), o["json"])

    def _erlang_a(self, o: dict[str, Any]) -> None:
        result = erlang.erlang_a_staffing(
            calls=o["calls"],
            interval_seconds=o["interval_seconds"],
            aht_seconds=o["aht_seconds"],
            patience_seconds=o["patience_seconds"],
            answer_seconds=o["answer_seconds"],
            target_sl=o["target_sl"],
            agents=o["agents"],
            shrinkage=o["shrinkage"],
            max_occupancy=o["max_occupancy"],
            max_abandon=o["max_abandon"],
        )
        self._emit(result.as_dict(), o["json"])

    def _ewt(self, o: dict[str, Any]) -> None:
        if o["answered_waits"]:
            waits = [float(w) for w in o["answered_waits"].split(",") if w.strip()]
            seconds = ewt.ewt_last_to_enter_service(
                answered_waits_seconds=waits, window=o["window"]
            )
            method = "last_to_enter_service"
        else:
            if o["ahead"] is None or o["agents"] is None or o["aht_seconds"] is None:
                raise ValueError("give --ahead, --agents and --aht-seconds (or --answered-waits)")
            if o["patience_seconds"]:
                seconds = ewt.ewt_erlang_a(
                    ahead=o["ahead"],
                    agents=o["agents"],
                    aht_seconds=o["aht_seconds"],
                    patience_seconds=o["patience_seconds"],
                )
                method = "erlang_a"
            else:
                seconds = ewt.ewt_erlang_c(
                    ahead=o["ahead"], agents=o["agents"], aht_seconds=o["aht_seconds"]
                )
                method = "erlang_c"
        advice = ewt.ewt_advice(
            ewt_seconds=seconds, callback_threshold_seconds=o["callback_threshold"]
        )
        self._emit({"method": method, **advice.as_dict()}, o["json"])

    def _read_history(self, o: dict[str, Any]) -> pd.Series:
        path = Path(o["input"])
        if not path.exists():
            raise ValueError(f"input file not found: {path}")
        frame = pd.read_csv(path)
        for column in (o["date_col"], o["time_col"], o["count_col"]):
            if column and column not in frame.columns:
                raise ValueError(f"{path}: no column {column!r} (have {', '.join(frame.columns)})")
        text = frame[o["date_col"]].astype(str)
        if o["time_col"]:
            text = text + " " + frame[o["time_col"]].astype(str)
        stamps = pd.to_datetime(text, format=o["date_format"], errors="coerce")
        if stamps.isna().any():
            bad = text[stamps.isna()].iloc[0]
            raise ValueError(f"{path}: cannot read {bad!r} as a date (try --date-format)")
        counts = frame[o["count_col"]].astype(float) if o["count_col"] else 1.0
        events = pd.Series(counts, index=pd.DatetimeIndex(stamps)).sort_index()
        if o["freq"] == "D":
            series = events.groupby(events.index.normalize()).sum().asfreq("D", fill_value=0)
        else:
            grouped = events.groupby(events.index.floor(o["freq"])).sum()
            start = grouped.index[0].normalize()
            end = grouped.index[-1].normalize() + pd.Timedelta(days=1) - pd.Timedelta(o["freq"])
            full = pd.date_range(start, end, freq=o["freq"])
            series = grouped.reindex(full, fill_value=0)
        return series.astype(float)

    @staticmethod
    def _holidays(o: dict[str, Any]) -> list[Any] | None:
        if not o.get("holidays"):
            return None
        return [pd.Timestamp(d.strip()).date() for d in o["holidays"].split(",") if d.strip()]

    def _forecast(self, o: dict[str, Any]) -> None:
        history = self._read_history(o)
        holidays = self._holidays(o)
        if o["freq"] == "D":
            predicted = forecast.forecast_daily(
                history, horizon=o["horizon"], method=o["method"], holidays=holidays
            )
        else:
            predicted = forecast.forecast_intraday(
                history, horizon_days=o["horizon"], method=o["method"], holidays=holidays
            )
        payload: dict[str, Any] = {
            "forecast": {str(k): round(float(v), 3) for k, v in predicted.items()}
        }
        if o["backtest"]:
            daily = history if o["freq"] == "D" else history.resample("D").sum()
            payload["backtest"] = forecast.backtest(
                daily, method=o["method"], holidays=holidays
            ).as_dict()
        if o["json"]:
            self._emit(payload, True)
            return
        for stamp, value in payload["forecast"].items():
            self.stdout.write(f"{stamp},{value}")
        if "backtest" in payload:
            b = payload["backtest"]
            self.stdout.write(
                f"# backtest {b['method']}: WAPE {b['wape']:.1%} MAPE {b['mape']:.1%} | "
                f"seasonal naive WAPE {b['baseline_wape']:.1%} MAPE {b['baseline_mape']:.1%}"
            )

    def _plan(self, o: dict[str, Any]) -> None:
        if o["from_db"]:
            self._plan_from_db(o)
            return
        frame = plan.read_interval_csv(o["input"])
        model = (o["model"] or "erlang_c").replace("-", "_")
        o["shrinkage"] = o["shrinkage"] or 0.0
        options: dict[str, Any] = {
            "interval_seconds": o["interval_seconds"],
            "answer_seconds": 20.0 if o["answer_seconds"] is None else o["answer_seconds"],
            "target_sl": 0.8 if o["target_sl"] is None else o["target_sl"],
            "model": model,
            "patience_seconds": o["patience_seconds"],
            "shrinkage": o["shrinkage"],
            "max_occupancy": o["max_occupancy"],
            "max_abandon": o["max_abandon"],
        }
        if "aht_seconds" in frame.columns:
            aht: Any = frame["aht_seconds"].astype(float)
        elif o["aht_seconds"]:
            aht = o["aht_seconds"]
        else:
            raise ValueError("the CSV has no aht_seconds column: pass --aht-seconds")
        if o["forecast_days"]:
            if not isinstance(aht, float):
                aht = float(aht.mean())
            options["interval_seconds"] = None
            table = plan.plan_from_history(
                frame["calls"].astype(float),
                horizon_days=o["forecast_days"],
                aht_seconds=aht,
                **options,
            )
        else:
            table = plan.plan_intervals(frame["calls"].astype(float), aht_seconds=aht, **options)
        days = plan.daily_fte(
            table,
            interval_seconds=o["interval_seconds"],
            shrinkage=o["shrinkage"],
            paid_hours_per_fte_day=o["paid_hours_per_day"],
        )
        self._plan_output(o, table, days, {})

    def _plan_output(
        self, o: dict[str, Any], table: pd.DataFrame, days: pd.DataFrame, head: dict[str, Any]
    ) -> None:
        if o["csv"]:
            Path(o["csv"]).write_text(
                table.to_csv(float_format="%.4f", index_label="interval_start"), encoding="utf-8"
            )
        if o["json"]:
            intervals = table.reset_index(names="interval_start")
            intervals["interval_start"] = intervals["interval_start"].astype(str)
            daily = days.reset_index()
            daily["day"] = daily["day"].dt.date.astype(str)
            self._emit(
                {
                    **head,
                    "intervals": intervals.to_dict(orient="records"),
                    "days": daily.to_dict(orient="records"),
                },
                True,
            )
            return
        if o["csv"]:
            self.stdout.write(days.to_csv(float_format="%.2f"))
            return
        self.stdout.write(table.to_csv(float_format="%.4f", index_label="interval_start"))
        self.stdout.write(days.to_csv(float_format="%.2f"))

    def _plan_from_db(self, o: dict[str, Any]) -> None:
        from complaintdesk.cases.models import Queue
        from complaintdesk.staffing import services

        if not o["queue"]:
            raise ValueError("--from-db needs --queue CODE")
        queue = Queue.objects.filter(code=o["queue"]).first()
        if queue is None:
            known = ", ".join(Queue.objects.order_by("code").values_list("code", flat=True))
            raise ValueError(f"no queue {o['queue']!r} (queues: {known or 'none'})")
        setting = services.settings_or_defaults(queue, o["channel"])
        inputs = services.PlanInputs.from_settings(
            setting,
            interval=o["interval"],
            days=o["days"],
            horizon_days=o["horizon_days"],
            model=o["model"],
            aht_seconds=o["aht_seconds"],
            patience_seconds=o["patience_seconds"],
            target_sl=o["target_sl"],
            answer_seconds=o["answer_seconds"],
            shrinkage=o["shrinkage"],
            max_occupancy=o["max_occupancy"],
            paid_hours_per_day=o["paid_hours_per_day"],
        )
        result = services.plan_from_db(queue, o["channel"], inputs=inputs)
        head = {
            "queue": queue.code,
            "channel": o["channel"] or None,
            "settings": {k: v for k, v in vars(inputs).items()},
            "history": {
                "start": result.start.isoformat(),
                "end": result.end.isoformat(),
                "cases": int(result.history.sum()),
                "intervals": len(result.history),
            },
        }
        self._plan_output(o, result.intervals, result.days, head)

    def _structure(self, o: dict[str, Any]) -> None:
        if o["from_db"]:
            from complaintdesk.staffing import services

            data = services.structure_from_db(months=o["months"])
            if o["dump"]:
                self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
                return
            model = structure.structure_from_dict(data)
        else:
            model = structure.load_structure(o["input"])
        report = structure.what_if(model, move=o["move"] or None)
        if o["csv"]:
            self.stdout.write(structure.lines_csv(report))
        else:
            self.stdout.write(json.dumps(_clean(report), indent=2))
