#!/bin/sh
# A 10,000-row import with triage on a fresh SQLite database: myfin (5,599 rows, XLSX) then the
# CFPB 2015-2020 register (4,680 rows, CSV). Prints wall and CPU time per file and the load.
# Run: sh bench/triage_import_bench.sh   (from the repository root; needs ../shared/data)
set -e
PY=${PY:-/work/venv-shared/bin/python}
DATA=${COMPLAINTDESK_SHARED_DATA:-../shared/data}
export COMPLAINTDESK_VAR_DIR=$(mktemp -d)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
$PY -m complaintdesk migrate -v0
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for spec in "$DATA/myfin_bank_reviews_ru.xlsx myfin" "$DATA/cfpb_complaints_2015_2020.csv cfpb"; do
  set -- $spec
  /usr/bin/time -f "$2: wall %e s, user %U s, sys %S s, max RSS %M KB" \
    $PY -m complaintdesk import "$1" --mapping "$2" --no-progress | tail -2
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
$PY -m complaintdesk shell -c "from complaintdesk.cases.models import Case, Event; print('cases', Case.objects.count(), 'classified events', Event.objects.filter(type='classified').count(), 'repeats', Event.objects.filter(type='classified', data__explanation__icontains='repeat: ').count())"
rm -rf "$COMPLAINTDESK_VAR_DIR"
