#!/bin/sh
# A 10,000-row import with triage on a fresh SQLite database: myfin (5,599 rows, XLSX) then the
# CFPB 2015-2020 register (4,680 rows, CSV), each in its own process. Prints wall and CPU time
# per file, the CPU spent inside triage (models, extraction, repeat check) per row, and the load.
#
# Run (from the repository root; needs ../shared/data):
#   sh bench/triage_import_bench.sh                 # triage as the importer calls it today
#   TRIAGE=batch sh bench/triage_import_bench.sh    # code from before create_cases only:
#                                                   # NewCase objects to triage_many
#   TRIAGE=off sh bench/triage_import_bench.sh      # TRIAGE_ON_CREATE=False: case creation only
#   CODE=/path/to/other/checkout sh bench/...       # the same run against other code
set -e
PY=${PY:-.venv/bin/python}
CODE=${CODE:-$(pwd)}
DATA=${COMPLAINTDESK_SHARED_DATA:-../shared/data}
export TRIAGE=${TRIAGE:-on} CODE
export COMPLAINTDESK_VAR_DIR=$(mktemp -d)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# The compiled-model cache lives in the var dir: seed it like a deployed server would have it
# (the first process after a deploy compiles once, ~1 s).
(cd "$CODE" && $PY -c "import sys; sys.path.insert(0, '.'); from complaintdesk.triage.kind import get_default_model; get_default_model()" 2>/dev/null || true)
$PY -m complaintdesk migrate -v0
echo "code: $CODE, triage: $TRIAGE, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for spec in "$DATA/myfin_bank_reviews_ru.xlsx myfin" "$DATA/cfpb_complaints_2015_2020.csv cfpb"; do
  set -- $spec
  /usr/bin/time -f "$2: wall %e s, user %U s, sys %S s, max RSS %M KB" $PY - "$1" "$2" <<'EOF'
import os
import sys
import time

sys.path.insert(0, os.environ["CODE"])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaintdesk.settings")
import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402

from complaintdesk.cases import importer  # noqa: E402
from complaintdesk.triage import service  # noqa: E402

assert importer.__file__.startswith(os.environ["CODE"]), importer.__file__
mode = os.environ["TRIAGE"]
if mode == "off":
    settings.COMPLAINTDESK["TRIAGE_ON_CREATE"] = False
spent = {"triage_many": 0.0, "triage_new_case": 0.0, "mark_repeats": 0.0}


def timed(name, function):
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - started
    return wrapper


# Both the importer and cases.services import these from the module at call time.
for name in spent:
    if hasattr(service, name):
        setattr(service, name, timed(name, getattr(service, name)))
if mode == "batch" and hasattr(importer, "_triage_batch"):
    # Code from before cases.services.create_cases (it batches repeats by itself):
    # What the integrator's change to cases/importer.py does: NewCase objects, not texts.
    def _triage_batch(items):
        if not items:
            return {}
        results = service.triage_many([data for data, _ in items])
        return {id(item): result for item, result in zip(items, results, strict=True)}
    importer._triage_batch = _triage_batch
started = time.process_time()
report = importer.import_file(importer.Path(sys.argv[1]),
                              mapping=importer.load_mapping(sys.argv[2]))
total = time.process_time() - started
rows = report.created + report.skipped_existing
triage = sum(spent.values())
print(f"{sys.argv[2]}: created {report.created}, skipped {report.skipped_existing}, "
      f"errors {len(report.errors)}; import CPU {total:.1f} s, of which triage {triage:.1f} s "
      f"(batch {spent['triage_many']:.1f}, per case {spent['triage_new_case']:.1f}, "
      f"repeats {spent['mark_repeats']:.1f}) = "
      f"{1000 * triage / max(rows, 1):.2f} ms per row")
EOF
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
$PY -m complaintdesk shell -c "from complaintdesk.cases.models import Case, Event; print('cases', Case.objects.count(), 'classified events', Event.objects.filter(type='classified').count(), 'repeats', Event.objects.filter(type='classified', data__explanation__icontains='repeat: ').count())"
rm -rf "$COMPLAINTDESK_VAR_DIR"
