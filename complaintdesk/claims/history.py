"""The claims in the database as a simulator history (one row per decided claim)."""

from __future__ import annotations

import pandas as pd
from django.db.models import Q

from complaintdesk.cases.models import Case, Kind
from complaintdesk.cases.models import Outcome as CaseOutcome
from complaintdesk.claims.models import AuditResult

COLUMNS = ["claim_id", "customer_id", "received_at", "topic", "amount", "upheld", "resolved_at",
           "segment", "channel", "product", "serial_claimant"]


def claims_history(*, topic: str = "") -> pd.DataFrame:
    """Decided claims with an amount. An automatically approved claim enters only once audited
    (its "upheld" is the audit's verdict); unaudited ones were never investigated, so whether
    investigation would have refused them is unknown."""
    qs = Case.objects.filter(kind=Kind.CLAIM, decided_at__isnull=False,
                             amount_claimed__isnull=False, topic__isnull=False)
    qs = qs.filter(Q(payout__isnull=True)
                   | Q(payout__audit_result__in=(AuditResult.FOUNDED, AuditResult.UNFOUNDED)))
    if topic:
        qs = qs.filter(Q(topic__code=topic) | Q(topic__parent__code=topic))
    rows = list(qs.order_by("received_at", "pk").values_list(
        "reference", "customer_id", "received_at", "topic__code", "amount_claimed", "decision",
        "decided_at", "customer__segment", "channel", "product", "customer__serial_claimant",
        "payout__audit_result"))
    frame = pd.DataFrame(rows, columns=[*COLUMNS[:5], "decision", "resolved_at", *COLUMNS[7:],
                                        "audit"])
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    audited = frame["audit"].fillna("") != ""
    frame["upheld"] = frame["decision"].isin([CaseOutcome.UPHELD, CaseOutcome.PARTLY])
    frame.loc[audited, "upheld"] = frame.loc[audited, "audit"] == AuditResult.FOUNDED
    frame["amount"] = frame["amount"].astype(float)
    frame["customer_id"] = frame["customer_id"].astype(str)
    for column in ("segment", "product"):
        frame[column] = frame[column].replace("", None)
    return frame[COLUMNS]
