"""Throughput of `triage classify` (kind + topic + extraction) on one core, and model load time.

Goals: >= 1,000 texts/s on median-length texts, also on the first pass of a fresh process;
model load < 2 s.
Run: python bench/triage_bench.py [--n 2000] [--repeat 3] [--before DIR]
``--before DIR`` runs the same measurements against another checkout (e.g. `git worktree add
/tmp/before main`) in the same run, so before/after are compared under the same load.
Needs the shared data for realistic texts (median-length myfin reviews).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One core, no hidden BLAS threads: the figure must hold on a busy shared box.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from complaintdesk.triage.datasets import read_table, shared_data_dir  # noqa: E402

# Runs in a fresh interpreter: load both models, then `triage classify` twice on the same
# lines. The first pass meets every word for the first time (what a new worker or an import
# process sees); the second is a long-running process. CPU seconds of the process are the
# figure for "one core" on a shared box; wall time is printed beside.
PASSES = r"""
import io, json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaintdesk.settings")
import django
django.setup()
from django.core.management import call_command
from complaintdesk.triage.kind import get_default_model
from complaintdesk.triage.topic import TopicModel
lines_path, topic_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
get_default_model()
loaded = TopicModel.load(topic_path)
TopicModel.load = classmethod(lambda cls, path: loaded)  # the command reuses it
lines = open(lines_path, encoding="utf-8").read()
figures = []
for _ in range(2):
    out = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    call_command("triage", "classify", "--topic-model", topic_path,
                 stdin=io.StringIO(lines), stdout=out)
    figures.append((time.perf_counter() - started, time.process_time() - cpu))
    assert len(out.getvalue().splitlines()) == n
print(json.dumps(figures))
"""


def median_length_texts(n: int) -> tuple[list[str], float]:
    """Real texts around the median length of the myfin reviews (a typical case text)."""
    folder = shared_data_dir()
    if folder is None:
        sys.exit("shared data not found: set COMPLAINTDESK_SHARED_DATA")
    texts = [str(t) for t in read_table(folder / "myfin_bank_reviews_ru.xlsx",
                                        columns=["review_text"])["review_text"]]
    median = statistics.median(len(t) for t in texts)
    near = [t for t in texts if 0.8 * median <= len(t) <= 1.2 * median]
    return (near * (n // len(near) + 1))[:n], median


def _child(code: Path, args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + sys) of a fresh interpreter in ``code``, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], check=True, cwd=code, capture_output=True,
                          text=True, env={**os.environ, **env})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - started, cpu, done.stdout


def load_seconds(code: Path, snippet: str, env: dict[str, str], repeat: int) -> dict:
    """Fresh interpreter importing and loading a model, minus bare start-up (best of runs)."""
    bare = [_child(code, ["-c", "pass"], env) for _ in range(repeat)]
    runs = [_child(code, ["-c", f"import sys; sys.path.insert(0, '.'); {snippet}"], env)
            for _ in range(repeat)]
    return {"wall": round(min(r[0] for r in runs) - min(b[0] for b in bare), 2),
            "cpu": round(min(r[1] for r in runs) - min(b[1] for b in bare), 2)}


def measure(code: Path, lines: Path, topic_path: Path, n: int, repeat: int,
            compact_topic: Path | None) -> dict:
    var = tempfile.mkdtemp()  # its own compiled-model cache, filled by the first run
    env = {"COMPLAINTDESK_VAR_DIR": var}
    passes = [json.loads(_child(code, ["-c", PASSES, str(lines), str(topic_path), str(n)],
                                env)[2]) for _ in range(repeat)]
    first = sorted(n / cpu for (_, cpu), _ in passes)
    warm = sorted(n / cpu for _, (_, cpu) in passes)
    result = {
        "first_pass_texts_per_cpu_second": {"median": round(statistics.median(first)),
                                            "best": round(first[-1])},
        "first_pass_texts_per_second_wall": round(statistics.median(
            n / wall for (wall, _), _ in passes)),
        "warm_texts_per_cpu_second": {"median": round(statistics.median(warm)),
                                      "best": round(warm[-1])},
        "warm_texts_per_second_wall": round(statistics.median(
            n / wall for _, (wall, _) in passes)),
    }
    kind = "from complaintdesk.triage.kind import KindModel; KindModel.load()"
    topic = f"from complaintdesk.triage.topic import TopicModel; TopicModel.load({str(topic_path)!r})"
    result["kind_load_seconds"] = load_seconds(code, kind, env, repeat)
    result["topic_load_seconds_sklearn_artefact"] = load_seconds(code, topic, env, repeat)
    if compact_topic is not None and (code / "complaintdesk/triage/compiled.py").exists():
        compact = topic.replace(str(topic_path), str(compact_topic))
        result["topic_load_seconds_compact_artefact"] = load_seconds(code, compact, env, repeat)
        # No compiled copy yet: what the very first process after a deploy pays.
        result["kind_load_seconds_first_ever"] = load_seconds(
            code, kind, {"COMPLAINTDESK_VAR_DIR": tempfile.mkdtemp()}, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--before", type=Path, help="another checkout to measure alike")
    args = parser.parse_args()
    import joblib

    from complaintdesk.triage.topic import TopicModel

    texts, median = median_length_texts(args.n)
    folder = shared_data_dir()
    assert folder is not None
    table = read_table(folder / "myfin_bank_reviews_ru.xlsx", columns=["review_text", "review_tag"])
    pipeline = TopicModel.train(table["review_text"], table["review_tag"], name="myfin_bench",
                                version="myfin_bench-1").pipeline
    model_dir = Path(tempfile.mkdtemp())
    # A scikit-learn pickle any checkout can load, and this checkout's compact format.
    topic_path = model_dir / "myfin_bench.joblib"
    joblib.dump({"pipeline": pipeline, "version": "myfin_bench-1"}, topic_path, compress=3)
    compact = TopicModel(pipeline, name="myfin_compact", version="myfin_bench-1", metadata={})
    compact_path = compact.save(model_dir)
    lines = model_dir / "lines.jsonl"
    lines.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                               for i, t in enumerate(texts)), encoding="utf-8")
    report: dict = {
        "texts": len(texts), "median_chars": median, "repeat": args.repeat,
        "load_average_start": os.getloadavg()[0],
        "topic_model_bytes": {"sklearn": topic_path.stat().st_size,
                              "compact": compact_path.stat().st_size},
        "python": platform.python_version(), "cpus": os.cpu_count(),
    }
    codes = {"after": ROOT}
    if args.before is not None:
        codes = {"before": args.before.resolve(), **codes}
    for name, code in codes.items():
        report[name] = measure(code, lines, topic_path, len(texts), args.repeat, compact_path)
    report["load_average_end"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
