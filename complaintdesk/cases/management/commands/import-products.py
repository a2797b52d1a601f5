from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from complaintdesk.accounts.models import AuditEntry
from complaintdesk.cases.importer import ImportFileError
from complaintdesk.cases.product_import import import_products


class Command(BaseCommand):
    help = ("Import customers' products from CSV (UTF-8 or cp1251): customer_id / external_id / "
            "email, code, name, account_number, opened_on, status. Re-running updates, never "
            "duplicates.")
    # As for `import`: the system checks load every URLconf and check nothing this relies on.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--max-errors-shown", type=int, default=50)

    def handle(self, *args, file, max_errors_shown, **options):
        path = Path(file)
        try:
            report = import_products(path.read_bytes(), actor=None)
        except (ImportFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        for number, reason in report.errors[:max_errors_shown]:
            self.stderr.write(f"row {number}: {reason}")
        if len(report.errors) > max_errors_shown:
            self.stderr.write(f"… and {len(report.errors) - max_errors_shown} more bad rows")
        AuditEntry.objects.create(actor=None, actor_label="cli", action="customers.products_imported",
                                  detail={"file": path.name, "created": report.created,
                                          "updated": report.updated,
                                          "bad_rows": len(report.errors)})
        self.stdout.write(f"{report.created} created, {report.updated} updated, "
                          f"{len(report.errors)} bad rows (of {report.rows})")
