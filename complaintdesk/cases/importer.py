"""Import a register of cases from CSV or XLSX through a column mapping.

Rows are registered 500 at a time by services.create_cases (what create_case does for one, in a
few statements for the batch). A bad row is reported by number and
skipped, the good ones are kept, and a row imported before is not imported again.
"""

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext

from complaintdesk.cases import services
from complaintdesk.cases.models import Case
from complaintdesk.lib.errors import DomainError

MAPPINGS_DIR = Path(__file__).parent / "mappings"
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class ImportFileError(Exception):
    """The file or mapping as a whole cannot be read."""


@dataclass
class ImportReport:
    created: int = 0
    skipped_existing: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.skipped_existing + len(self.errors)


def load_mapping(name_or_path: str) -> dict:
    path = Path(name_or_path)
    if not path.exists():
        path = MAPPINGS_DIR / f"{name_or_path}.json"
    if not path.exists():
        shipped = ", ".join(sorted(p.stem for p in MAPPINGS_DIR.glob("*.json")))
        raise ImportFileError(f"No mapping '{name_or_path}': give a JSON file or one of {shipped}")
    mapping = json.loads(path.read_text(encoding="utf-8"))
    for key in ("source", "id", "text", "received_at"):
        if key not in mapping:
            raise ImportFileError(f"Mapping {path.name} lacks '{key}'")
    return mapping


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# Excel on a Russian Windows saves "CSV" in the ANSI code page: cp1251.
FALLBACK_ENCODING = "cp1251"


def _decodes(path: Path, encoding: str) -> UnicodeDecodeError | None:
    """The first decoding error of the whole file, read in chunks; None if it decodes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            return error
    return None


def detect_encoding(path: Path) -> str:
    """A byte-order mark if there is one, else UTF-8 if the whole file decodes, else cp1251."""
    with path.open("rb") as handle:
        head = handle.read(4)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return "utf-8" if _decodes(path, "utf-8") is None else FALLBACK_ENCODING


def detect_bytes_encoding(raw: bytes) -> str:
    """The same rule for a file already in memory (an upload)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return FALLBACK_ENCODING
    return "utf-8"


def _checked_encoding(path: Path, encoding: str | None) -> str:
    if encoding is None:
        return detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportFileError(f"Unknown encoding '{encoding}'") from None
    error = _decodes(path, encoding)
    if error is not None:
        raise ImportFileError(
            f"{path.name} is not {encoding}: byte {error.start} cannot be read "
            f"(leave out --encoding to detect it)")
    return encoding


def read_rows(
    path: Path, *, encoding: str | None = None
) -> tuple[list[str], Iterator[tuple[int, dict]], int]:
    """Header, (row number as a person sees it, values) pairs, and the row count. A CSV file's
    encoding is detected (BOM, UTF-8, else cp1251) unless `encoding` names it."""
    if not path.exists():
        raise ImportFileError(f"No file {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = book.active
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
        total = max(0, (sheet.max_row or 1) - 1)

        def xlsx_rows():
            for number, values in enumerate(rows, start=2):
                if values and any(v not in (None, "") for v in values):
                    yield number, dict(zip(header, values, strict=False))
            book.close()

        return header, xlsx_rows(), total
    encoding = _checked_encoding(path, encoding)
    if encoding == "utf-8":
        encoding = "utf-8-sig"  # harmless without a BOM, and strips one a forced run finds
    # Only the detected fallback can meet a byte its code page lacks (0x98 in cp1251).
    errors = "replace" if encoding == FALLBACK_ENCODING else "strict"
    handle = path.open(newline="", encoding=encoding, errors=errors)
    reader = csv.DictReader(handle)
    header = [h.strip() for h in reader.fieldnames or []]
    with path.open(encoding=encoding, errors=errors) as lines:
        total = sum(1 for _ in lines) - 1

    def csv_rows():
        with handle:
            for number, values in enumerate(reader, start=2):
                yield number, {k.strip(): v for k, v in values.items() if k is not None}

    return header, csv_rows(), total


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _render(spec: str, row: dict) -> str:
    """A column name, or a template of {Column} placeholders (empty if every one is empty)."""
    if "{" not in spec:
        return _text(row.get(spec))
    names = _PLACEHOLDER.findall(spec)
    if not any(_text(row.get(n)) for n in names):
        return ""
    rendered = _PLACEHOLDER.sub(lambda m: _text(row.get(m.group(1))), spec)
    return re.sub(r"\s*\.\s*\.$|[\s.:]+$", "", rendered).strip()


def _choice(spec: dict | None, row: dict) -> str:
    if not spec:
        return ""
    raw = _text(row.get(spec["column"])) if "column" in spec else ""
    return spec.get("map", {}).get(raw, spec.get("default", raw))


def _datetime(spec: dict, row: dict) -> datetime:
    raw = row.get(spec["column"])
    zone = ZoneInfo(spec.get("tz", "UTC"))
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=zone)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, 12, tzinfo=zone)
    text = _text(raw)
    if not text:
        raise ValueError(gettext("%(column)s: empty date") % {"column": spec["column"]})
    formats = spec.get("formats", ["%Y-%m-%d"])
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt.count("%H") == 0:
            parsed = parsed.replace(hour=12)  # a date alone: midday keeps it on that date
        return parsed.replace(tzinfo=zone)
    raise ValueError(gettext("%(column)s: '%(text)s' is not a date (%(formats)s)") % {
        "column": spec["column"], "text": text, "formats": ", ".join(formats)})


def row_to_case(mapping: dict, row: dict) -> tuple[services.NewCase, str]:
    """The NewCase for a row, and the source's reply text if any."""
    source_id = _text(row.get(mapping["id"]))
    if not source_id:
        raise ValueError(gettext("%(column)s: empty id") % {"column": mapping["id"]})
    text = next((t for t in (_render(s, row) for s in mapping["text"]) if t), "")
    if not text:
        raise ValueError(gettext("no text in any of %(columns)s")
                         % {"columns": ", ".join(mapping["text"])})
    received_at = _datetime(mapping["received_at"], row)
    status = _choice(mapping.get("status"), row) or ""
    history = None
    if status:
        decision = _choice(mapping.get("decision"), row)
        history = services.HistoricalOutcome(
            status=status,
            decision=decision,
            decided_at=received_at if decision else None,
            closed_at=received_at if status == "closed" else None,
            customer_accepted=_choice(mapping.get("customer_accepted"), row) or "unknown",
        )
    data = services.NewCase(
        channel=_choice(mapping.get("channel"), row) or "api",
        text=text,
        subject=_render(mapping.get("subject", ""), row)[:300],
        received_at=received_at,
        customer_name=_render(mapping.get("customer_name", ""), row),
        customer_external_id=_render(mapping.get("customer_external_id", ""), row),
        kind=_choice(mapping.get("kind"), row) or "unclassified",
        product=_render(mapping.get("product", ""), row),
        language=mapping.get("language", ""),
        source=mapping["source"],
        source_id=source_id,
        history=history,
        extra={"row": {c: _text(row.get(c)) for c in mapping.get("extra", [])}},
    )
    return data, _render(mapping.get("reply", ""), row)


def import_file(
    path: Path,
    *,
    mapping: dict,
    progress: Callable[[int], None] | None = None,
    limit: int | None = None,
    shift: timedelta | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import the rows of a file; `shift` moves every date of them (the demo's recent desk);
    `encoding` forces the file's encoding instead of detecting it."""
    _, rows, _ = read_rows(path, encoding=encoding)
    if limit is not None:
        rows = (item for _, item in zip(range(limit), rows, strict=False))
    report = ImportReport()
    seen = set(
        Case.objects.filter(source=mapping["source"]).values_list("source_id", flat=True)
    )
    batch: list[tuple[int, dict]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= _BATCH_ROWS:
            _import_batch(batch, mapping=mapping, seen=seen, report=report, progress=progress,
                          shift=shift)
            batch = []
    _import_batch(batch, mapping=mapping, seen=seen, report=report, progress=progress,
                          shift=shift)
    report.errors.sort()
    return report


def _shifted(data: services.NewCase, shift: timedelta) -> services.NewCase:
    history = data.history
    if history is not None:
        history = replace(
            history,
            decided_at=history.decided_at + shift if history.decided_at else None,
            closed_at=history.closed_at + shift if history.closed_at else None,
        )
    return replace(data, received_at=data.received_at + shift, history=history)


# Rows are written in batches: a few statements and one commit per batch, not per row.
_BATCH_ROWS = 500


@transaction.atomic
def _import_batch(batch, *, mapping, seen, report, progress, shift=None) -> None:
    fresh: list[tuple[int, services.NewCase, str]] = []
    first_row_of: dict[str, int] = {}
    duplicates: list[tuple[int, str]] = []
    for number, row in batch:
        try:
            data, reply = row_to_case(mapping, row)
            if shift:
                data = _shifted(data, shift)
        except ValueError as exc:
            report.errors.append((number, str(exc)))
            continue
        if data.source_id in seen:
            report.skipped_existing += 1
        elif data.source_id in first_row_of:
            duplicates.append((number, data.source_id))
        else:
            first_row_of[data.source_id] = number
            fresh.append((number, data, reply))
    outcomes = services.create_cases([
        services.CaseRequest(data=data, actor=None, notify=False, reply=reply)
        for _, data, reply in fresh
    ])
    for (number, data, _), outcome in zip(fresh, outcomes, strict=True):
        if isinstance(outcome, tuple):
            _, created = outcome
            report.created += created
            report.skipped_existing += not created
            seen.add(data.source_id)
        else:
            detail = outcome.detail if isinstance(outcome, DomainError) else str(outcome)
            report.errors.append((number, detail))
    for number, source_id in duplicates:
        if source_id in seen:
            report.skipped_existing += 1
        else:
            report.errors.append((number, gettext("same id as row %(row)d, which was not imported")
                                  % {"row": first_row_of[source_id]}))
    if progress is not None:
        progress(len(batch))
