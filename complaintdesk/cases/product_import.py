"""Import customers' products from CSV (the bank's CRM or core-system export).

Columns (header names, any order; comma, semicolon or tab separated; UTF-8 or cp1251):
  customer_id | external_id | email   — one of them finds the customer (first non-empty wins)
  code (or product_code), name (or product_name), account_number, opened_on
  (YYYY-MM-DD or DD.MM.YYYY), status (active, blocked, closed — or their Russian labels).
A row that cannot be used is reported by its number and skipped; a product that is already
there (same customer, code and account number) is updated, so a second run creates nothing.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from complaintdesk.accounts.models import User
from complaintdesk.cases import services
from complaintdesk.cases.importer import ImportFileError, detect_bytes_encoding
from complaintdesk.cases.models import Customer, ProductStatus
from complaintdesk.lib.errors import DomainError

BATCH = 500
MAX_FIELD = {"code": 50, "name": 200, "account_number": 64}
ALIASES = {"product_code": "code", "product_name": "name", "account": "account_number",
           "opened": "opened_on"}


@dataclass
class ProductImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + len(self.errors)


# How Russian exports write a product's state, besides the labels the desk shows.
RUSSIAN_STATUS_WORDS = {"активен": "active", "активный": "active", "действует": "active",
                        "открыт": "active", "заблокирован": "blocked", "блокирован": "blocked",
                        "закрыт": "closed"}


def _status_words() -> dict[str, str]:
    words = dict(RUSSIAN_STATUS_WORDS)
    for value, label in ProductStatus.choices:
        words[value] = value
        for language in ("en", "ru"):
            with translation.override(language):
                words[str(label).strip().lower()] = value
    return words


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("opened_on: %(value)s is not a date (YYYY-MM-DD or DD.MM.YYYY)")
                     % {"value": value})


def decode(raw: bytes) -> str:
    return raw.decode(detect_bytes_encoding(raw))


def _reader(text: str) -> csv.DictReader:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in reader.fieldnames or []]
    if "code" not in header or not {"customer_id", "external_id", "email"} & set(header):
        raise ImportFileError(_("The file needs a code column and one of customer_id, "
                                "external_id or email."))
    reader.fieldnames = header
    return reader


class _Customers:
    """Finds customers by id, external id or e-mail, remembering each answer for the run."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], Customer | None] = {}

    def find(self, row: dict[str, str]) -> Customer | None:
        for key in ("customer_id", "external_id", "email"):
            value = (row.get(key) or "").strip()
            if not value:
                continue
            if (key, value) not in self.cache:
                qs = Customer.objects.all()
                if key == "customer_id":
                    qs = qs.filter(pk=int(value)) if value.isdigit() else qs.none()
                elif key == "external_id":
                    qs = qs.filter(external_id=value)
                else:
                    qs = qs.filter(email__iexact=value)
                found = list(qs.order_by("pk")[:2])
                # Two records with the same identifier: the row cannot say which one is meant.
                self.cache[(key, value)] = found[0] if len(found) == 1 else None
            return self.cache[(key, value)]
        return None


def _row_data(row: dict[str, str], statuses: dict[str, str]) -> services.ProductData:
    values = {k: (row.get(k) or "").strip() for k in ("code", "name", "account_number")}
    for key, limit in MAX_FIELD.items():
        if len(values[key]) > limit:
            raise ValueError(_("%(field)s: longer than %(n)d characters") % {"field": key,
                                                                             "n": limit})
    status_text = (row.get("status") or "").strip().lower()
    status = statuses.get(status_text) if status_text else ProductStatus.ACTIVE
    if status is None:
        raise ValueError(_("status: unknown product status %(status)s") % {"status": status_text})
    return services.ProductData(code=values["code"], name=values["name"],
                                account_number=values["account_number"],
                                opened_on=_parse_date(row.get("opened_on") or ""), status=status)


def import_products(raw: bytes, *, actor: User | None) -> ProductImportReport:
    """Import the file's bytes; actor None for the command line (the operator's own machine)."""
    if actor is not None:
        from complaintdesk.accounts import permissions

        permissions.require(actor, "import")
    try:
        text = decode(raw)
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The file is neither UTF-8 nor cp1251 text.")) from exc
    reader = _reader(text)
    report = ProductImportReport()
    statuses = _status_words()
    customers = _Customers()
    rows = enumerate(reader, start=2)
    while True:
        batch = [item for _, item in zip(range(BATCH), rows, strict=False)]
        if not batch:
            break
        with transaction.atomic():
            for number, row in batch:
                try:
                    data = _row_data(row, statuses)
                    customer = customers.find(row)
                    if customer is None:
                        raise ValueError(_("no single customer has this customer_id, "
                                           "external_id or email"))
                    _product, created = services.save_customer_product(
                        customer=customer, data=data, actor=None)
                except (ValueError, DomainError) as exc:
                    report.errors.append((number, getattr(exc, "detail", None) or str(exc)))
                    continue
                if created:
                    report.created += 1
                else:
                    report.updated += 1
    return report

