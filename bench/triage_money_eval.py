"""Exact amount+currency accuracy of money extraction on labelled real excerpts.

Run: python bench/triage_money_eval.py [-v]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from complaintdesk.triage.money_eval import evaluate  # noqa: E402

if __name__ == "__main__":
    for name in ("dev", "holdout", "all"):
        print(name, evaluate(split=name, verbose="-v" in sys.argv and name != "all"))
