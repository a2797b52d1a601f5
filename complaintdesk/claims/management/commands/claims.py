"""`complaintdesk claims simulate|generate|validate`: the claim decision matrix from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaintdesk.claims.matrix import validate_matrix
from complaintdesk.claims.simulate import HistoryError, SimulationResult, rule_to_matrix, simulate
from complaintdesk.claims.synthetic import PROFILES, generate


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    # Files in, files out (or --from-db): a half-migrated project must not block the simulator.
    requires_system_checks: list[str] = []
    help = "Simulate auto-approve rules on past claims, generate synthetic claims, check a matrix."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sim = actions.add_parser("simulate", help="is it cheaper to just pay? (per topic)")
        source = sim.add_mutually_exclusive_group(required=True)
        source.add_argument("--history", type=Path, help="claims CSV")
        source.add_argument("--from-db", action="store_true",
                            help="the decided claims in this installation's database")
        sim.add_argument("--topic", default="",
                         help="with --from-db: only this topic code (or its sub-topics)")
        sim.add_argument("--investigation-cost", type=float, default=300.0,
                         help="cost of one investigation where the CSV gives none (default 300)")
        sim.add_argument("--accepted-risk", type=_fraction, default=0.01,
                         help="highest acceptable loss / money auto-paid (default 0.01)")
        sim.add_argument("--json", action="store_true", help="print the full result as JSON")
        sim.add_argument("--html", type=Path, help="write the trade-off report here")
        sim.add_argument("--matrix-dir", type=Path,
                         help="write each topic's recommended rule as <topic>.json matrix here")
        gen = actions.add_parser("generate", help="write a synthetic claim history CSV")
        gen.add_argument("--profile", choices=sorted(PROFILES), default="atm")
        gen.add_argument("--rows", type=int, required=True)
        gen.add_argument("--seed", type=int, default=0)
        gen.add_argument("--out", type=Path, required=True)
        check = actions.add_parser("validate", help="check a decision matrix JSON file")
        check.add_argument("matrix", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "simulate":
            self._simulate(options)
        elif action == "generate":
            self._generate(options)
        else:
            self._validate(options["matrix"])

    def _simulate(self, options: dict[str, Any]) -> None:
        if options["from_db"]:
            from complaintdesk.claims.history import claims_history

            path = "database"
            history = claims_history(topic=options["topic"])
            if history.empty:
                raise CommandError("no decided claims with an amount in the database"
                                   + (f" for topic {options['topic']!r}" if options["topic"] else ""))
        else:
            if options["topic"]:
                raise CommandError("--topic goes with --from-db")
            path = options["history"]
            try:
                # Read everything as text: the simulator's own parsing reports bad cells by row.
                history = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
            except FileNotFoundError as error:
                raise CommandError(f"no such history file: {path}") from error
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
                raise CommandError(f"cannot read {path} as CSV: {error}") from error
        try:
            result = simulate(history, investigation_cost=options["investigation_cost"],
                              accepted_risk=options["accepted_risk"])
        except HistoryError as error:
            raise CommandError(f"{path}: {error} (rows count data lines after the header, "
                               f"from 1)") from error
        if options["html"]:
            from complaintdesk.claims.report import write_html  # plotly only when asked

            write_html(result, path=options["html"])
        if options["matrix_dir"]:
            self._write_matrices(result, options["matrix_dir"], options["accepted_risk"])
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(self._summary(result))

    def _write_matrices(self, result: SimulationResult, folder: Path, accepted: float) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for topic in result.topics:
            if topic.recommended is not None:
                matrix = rule_to_matrix(topic.recommended.rule, accepted_loss_rate=accepted)
                target = folder / f"{topic.topic}.json"
                target.write_text(json.dumps(matrix, indent=2, ensure_ascii=False) + "\n")

    @staticmethod
    def _summary(result: SimulationResult) -> str:
        lines = [f"accepted risk {result.accepted_risk:.2%}; factors searched: "
                 f"{', '.join(result.factors_searched) or 'none'}"]
        for topic in result.topics:
            lines.append(f"\n{topic.topic}: {topic.claims} claims, upheld {topic.upheld_share:.1%},"
                         f" investigate-everything cost {topic.baseline_investigation_cost:,.0f}")
            best = topic.recommended
            if best is None:
                lines.append("  no rule saves money within the accepted risk: investigate all")
                continue
            lines += [
                f"  recommended: auto-approve when {best.description}",
                f"  auto-decided {best.share_auto_decided:.1%} ({best.auto_decided} claims), "
                f"paid {best.auto_paid:,.0f}, loss {best.loss:,.0f} ({best.loss_rate:.2%})",
                f"  investigation cost saved {best.investigation_cost_saved:,.0f}, "
                f"net saving {best.net_saving:,.0f}",
            ]
            if best.time_to_money_before_hours is not None:
                lines.append(f"  time to money {best.time_to_money_before_hours / 24:.1f} days"
                             f" -> 5 minutes")
        return "\n".join(lines)

    def _generate(self, options: dict[str, Any]) -> None:
        if options["rows"] < 1:
            raise CommandError("--rows must be at least 1")
        history = generate(profile=options["profile"], rows=options["rows"], seed=options["seed"])
        history.to_csv(options["out"], index=False)
        self.stdout.write(f"wrote {len(history)} {options['profile']} claims to {options['out']}")

    def _validate(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise CommandError(f"no such matrix file: {path}") from error
        except json.JSONDecodeError as error:
            raise CommandError(f"{path}: not JSON: {error}") from error
        problems = validate_matrix(data)
        if problems:
            raise CommandError(f"{path}: invalid decision matrix:\n"
                               + "\n".join(f"  - {p}" for p in problems))
        self.stdout.write(f"{path}: valid matrix for {data['topic']!r}, version {data['version']}, "
                          f"{len(data['rules'])} rule(s)")
