import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from complaintdesk.accounts.models import AuditEntry
from complaintdesk.cases.importer import ImportFileError, import_file, load_mapping, read_rows


class Command(BaseCommand):
    help = "Import cases from CSV or XLSX with a mapping (shipped: cfpb, myfin, or a JSON file)."
    # The system checks import every URLconf (and with it the analytics stack: ~3 s) and
    # check nothing an import relies on; `migrate` and `serve` still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--mapping", required=True, help="cfpb | myfin | path/to/mapping.json")
        parser.add_argument("--encoding", default=None,
                            help="of a CSV file, e.g. cp1251; detected when left out "
                                 "(byte-order mark, UTF-8, else cp1251)")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--max-errors-shown", type=int, default=50)

    def handle(self, *args, file, mapping, no_progress, max_errors_shown, encoding=None,
               **options):
        path = Path(file)
        try:
            spec = load_mapping(mapping)
            _, _, total = read_rows(path, encoding=encoding)
        except (ImportFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        with tqdm(total=total, unit="row", disable=no_progress or not sys.stderr.isatty(),
                  file=sys.stderr) as bar:
            report = import_file(path, mapping=spec, progress=bar.update, encoding=encoding)
        for number, reason in report.errors[:max_errors_shown]:
            self.stderr.write(f"row {number}: {reason}")
        if len(report.errors) > max_errors_shown:
            self.stderr.write(f"… and {len(report.errors) - max_errors_shown} more bad rows")
        AuditEntry.objects.create(actor=None, actor_label="cli", action="cases.imported", detail={
            "file": path.name, "mapping": spec["source"], "created": report.created,
            "skipped_existing": report.skipped_existing, "bad_rows": len(report.errors),
        })
        self.stdout.write(
            f"{report.created} created, {report.skipped_existing} already imported, "
            f"{len(report.errors)} bad rows (of {report.rows})"
        )
