"""Support-structure what-if: route topics through lines, cost each line, price a move to L1.

Each topic's monthly volume enters the first line; a share is transferred to the next line, and
so on. Workload = volume reaching a line × that line's AHT; FTE = workload hours ÷ productive
hours per FTE per month; cost = FTE × monthly cost per FTE. Moving a topic to the first line
means training L1 (one-off cost), a new L1 AHT and a lower transfer rate. No Django import.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Line:
    """One support line, e.g. 1st line, 2nd line, claims department."""

    key: str
    name: str
    cost_per_fte_month: float


@dataclass(frozen=True)
class Topic:
    """A contact topic with its volume, route parameters and the skills it needs."""

    name: str
    monthly_volume: float
    aht_minutes: dict[str, float]  # per line key
    transfer_rates: dict[str, float]  # share passed from a line to the next one
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Move:
    """What-if: the first line learns a topic and resolves more of it."""

    topic: str
    first_line_aht_minutes: float
    first_line_transfer_rate: float = 0.0
    training_cost_per_agent: float = 0.0
    training_cost: float = 0.0  # any fixed one-off cost (course design, knowledge base)


@dataclass(frozen=True)
class Structure:
    """Lines in routing order, topics, productive hours per FTE and the candidate moves."""

    lines: tuple[Line, ...]
    topics: tuple[Topic, ...]
    productive_hours_per_fte_month: float
    moves: dict[str, Move] = field(default_factory=dict)
    currency: str = ""


def _number(raw: Any, where: str, *, low: float = 0.0, high: float = math.inf) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a number, got {raw!r}") from None
    if not low <= value <= high or math.isnan(value):
        raise ValueError(f"{where}: {value} is outside [{low}, {high}]")
    return value


def structure_from_dict(data: dict[str, Any]) -> Structure:
    """Validate and build a Structure from the JSON layout of examples/structure_example.json."""
    try:
        raw_lines = data["lines"]
        raw_topics = data["topics"]
    except KeyError as missing:
        raise ValueError(f"structure is missing the {missing} section") from None
    lines = tuple(
        Line(
            key=str(item["key"]),
            name=str(item.get("name", item["key"])),
            cost_per_fte_month=_number(item["cost_per_fte_month"], f"line {item['key']} cost"),
        )
        for item in raw_lines
    )
    keys = [line.key for line in lines]
    if not lines or len(set(keys)) != len(keys):
        raise ValueError("lines must be a non-empty list with distinct keys")
    topics = []
    for item in raw_topics:
        name = str(item["name"])
        aht = {k: _number(v, f"{name} AHT on {k}", low=0.0) for k, v in item["aht_minutes"].items()}
        transfer = {
            k: _number(v, f"{name} transfer rate from {k}", high=1.0)
            for k, v in item.get("transfer_rates", {}).items()
        }
        for key in list(aht) + list(transfer):
            if key not in keys:
                raise ValueError(f"topic {name}: unknown line {key!r} (lines: {', '.join(keys)})")
        topics.append(
            Topic(
                name=name,
                monthly_volume=_number(item["monthly_volume"], f"{name} monthly volume"),
                aht_minutes=aht,
                transfer_rates=transfer,
                skills=tuple(item.get("skills", ())),
            )
        )
    names = {t.name for t in topics}
    moves = {}
    for item in data.get("moves", []):
        if item["topic"] not in names:
            raise ValueError(f"move: unknown topic {item['topic']!r}")
        moves[item["topic"]] = Move(
            topic=item["topic"],
            first_line_aht_minutes=_number(item["first_line_aht_minutes"], "move AHT"),
            first_line_transfer_rate=_number(
                item.get("first_line_transfer_rate", 0.0), "move transfer rate", high=1.0
            ),
            training_cost_per_agent=_number(item.get("training_cost_per_agent", 0), "training"),
            training_cost=_number(item.get("training_cost", 0), "training cost"),
        )
    return Structure(
        lines=lines,
        topics=tuple(topics),
        productive_hours_per_fte_month=_number(
            data.get("productive_hours_per_fte_month", 120), "productive hours", low=1.0
        ),
        moves=moves,
        currency=str(data.get("currency", "")),
    )


def load_structure(path: str | Path) -> Structure:
    """Read a structure JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    return structure_from_dict(data)


def route_volumes(topic: Topic, line_keys: list[str]) -> dict[str, float]:
    """Contacts of a topic reaching each line per month, first line first."""
    volumes: dict[str, float] = {}
    reaching = topic.monthly_volume
    for key in line_keys:
        volumes[key] = reaching
        reaching *= topic.transfer_rates.get(key, 0.0)
    return volumes


def evaluate(structure: Structure) -> dict[str, Any]:
    """Workload, FTE, monthly cost and skills per line, plus per-topic volumes per line."""
    keys = [line.key for line in structure.lines]
    hours = dict.fromkeys(keys, 0.0)
    contacts = dict.fromkeys(keys, 0.0)
    skills: dict[str, set[str]] = {k: set() for k in keys}
    per_topic = {}
    for topic in structure.topics:
        volumes = route_volumes(topic, keys)
        per_topic[topic.name] = volumes
        for key, volume in volumes.items():
            if volume <= 0:
                continue
            contacts[key] += volume
            hours[key] += volume * topic.aht_minutes.get(key, 0.0) / 60.0
            skills[key].update(topic.skills)
    lines = []
    for line in structure.lines:
        fte = hours[line.key] / structure.productive_hours_per_fte_month
        lines.append(
            {
                "line": line.key,
                "name": line.name,
                "contacts_per_month": contacts[line.key],
                "workload_hours_per_month": hours[line.key],
                "fte": fte,
                "cost_per_month": fte * line.cost_per_fte_month,
                "skills": sorted(skills[line.key]),
            }
        )
    return {
        "lines": lines,
        "total_fte": sum(row["fte"] for row in lines),
        "total_cost_per_month": sum(row["cost_per_month"] for row in lines),
        "topics": per_topic,
    }


def what_if(structure: Structure, *, move: list[str] | None = None) -> dict[str, Any]:
    """Compare today with moving `move` topics (default: every listed move) to the first line.

    Saving per year = 12 × monthly cost difference − one-off training; payback in months.
    """
    chosen = list(structure.moves) if move is None else move
    for name in chosen:
        if name not in structure.moves:
            known = ", ".join(structure.moves) or "none defined"
            raise ValueError(f"no move defined for topic {name!r} (moves: {known})")
    first = structure.lines[0].key
    moved_topics = []
    for topic in structure.topics:
        if topic.name in chosen:
            m = structure.moves[topic.name]
            topic = Topic(
                name=topic.name,
                monthly_volume=topic.monthly_volume,
                aht_minutes={**topic.aht_minutes, first: m.first_line_aht_minutes},
                transfer_rates={**topic.transfer_rates, first: m.first_line_transfer_rate},
                skills=topic.skills,
            )
        moved_topics.append(topic)
    after_structure = Structure(
        lines=structure.lines,
        topics=tuple(moved_topics),
        productive_hours_per_fte_month=structure.productive_hours_per_fte_month,
        currency=structure.currency,
    )
    before, after = evaluate(structure), evaluate(after_structure)
    first_line_agents = math.ceil(after["lines"][0]["fte"] - 1e-9)
    training = sum(
        structure.moves[name].training_cost
        + structure.moves[name].training_cost_per_agent * first_line_agents
        for name in chosen
    )
    monthly_saving = before["total_cost_per_month"] - after["total_cost_per_month"]
    return {
        "moved_topics": chosen,
        "currency": structure.currency,
        "before": before,
        "after": after,
        "fte_saved": before["total_fte"] - after["total_fte"],
        "saving_per_month": monthly_saving,
        "training_cost": training,
        "saving_first_year": 12 * monthly_saving - training,
        "saving_per_year_after_first": 12 * monthly_saving,
        "payback_months": training / monthly_saving if monthly_saving > 0 else None,
    }


def lines_csv(report: dict[str, Any]) -> str:
    """Per-line before/after table of a what_if report as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["line", "name", "fte_before", "fte_after", "cost_per_month_before", "cost_per_month_after"]
    )
    for old, new in zip(report["before"]["lines"], report["after"]["lines"], strict=True):
        writer.writerow(
            [
                old["line"],
                old["name"],
                f"{old['fte']:.2f}",
                f"{new['fte']:.2f}",
                f"{old['cost_per_month']:.0f}",
                f"{new['cost_per_month']:.0f}",
            ]
        )
    return out.getvalue()
