"""Claims metrics, aggregated by the database: time to decision and to money, share decided
automatically, money auto-paid against each matrix's monthly cap, loss observed in audits."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from complaintdesk.cases.models import Case, Kind
from complaintdesk.claims.models import AuditResult, DecisionMatrix, Payout

DONE = (Payout.Status.PAID, Payout.Status.INSTRUCTED)
ZERO = Decimal("0")


def _duration(end: str, start: str = "received_at") -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 2)


def time_to_decision(*, since: datetime) -> list[dict]:
    """Average hours from receipt to decision, claims apart from complaints."""
    rows = (Case.objects.filter(kind__in=(Kind.CLAIM, Kind.COMPLAINT), decided_at__gte=since)
            .values("kind").annotate(n=Count("pk"), avg=Avg(_duration("decided_at")))
            .order_by("kind"))
    labels = dict(Kind.choices)
    return [{"kind": r["kind"], "kind_label": labels.get(r["kind"], r["kind"]), "decided": r["n"],
             "hours": _hours(r["avg"])} for r in rows]


def claims_summary(*, since: datetime) -> dict:
    """Share auto-decided and time to money, automatic payouts vs people's decisions."""
    decided = Case.objects.filter(kind=Kind.CLAIM, decided_at__gte=since)
    counts = decided.aggregate(
        decided=Count("pk"),
        auto=Count("pk", filter=Q(payout__isnull=False)),
        manual_money=Count("pk", filter=Q(payout__isnull=True, decision_amount__gt=0)),
        manual_money_avg=Avg(_duration("decided_at"),
                             filter=Q(payout__isnull=True, decision_amount__gt=0)),
    )
    auto_money = Payout.objects.filter(created_at__gte=since, status__in=DONE).aggregate(
        n=Count("pk"), avg=Avg(_duration("completed_at", "case__received_at")))
    return {
        "decided": counts["decided"],
        "auto_decided": counts["auto"],
        "share_auto": counts["auto"] / counts["decided"] if counts["decided"] else None,
        "money_hours_auto": _hours(auto_money["avg"]),
        "money_auto_n": auto_money["n"],
        # Without a payout integration a person's decision is when the money is instructed.
        "money_hours_manual": _hours(counts["manual_money_avg"]),
        "money_manual_n": counts["manual_money"],
    }


def budget_by_month(*, since: datetime) -> list[dict]:
    """Money committed automatically per topic matrix and calendar month, against the cap."""
    rows = (Payout.objects.filter(created_at__gte=since).exclude(status=Payout.Status.FAILED)
            .annotate(month=TruncMonth("created_at"))
            .values("matrix__topic_id", "matrix__topic__code", "matrix__topic__name", "month",
                    "currency")
            .annotate(n=Count("pk"), paid=Sum("amount")).order_by("-month", "matrix__topic__code"))
    caps = dict(DecisionMatrix.objects.filter(active=True).values_list("topic_id", "monthly_cap"))
    out = []
    for r in rows:
        cap = caps.get(r["matrix__topic_id"])
        out.append({"topic": r["matrix__topic__code"], "topic_name": r["matrix__topic__name"],
                    "month": r["month"], "n": r["n"],
                    "paid": r["paid"], "currency": r["currency"], "cap": cap,
                    "used": float(r["paid"] / cap) if cap else None})
    return out


def audit_loss() -> list[dict]:
    """Per topic: observed loss = unfounded audited money / audited money, extrapolated to all
    money auto-paid, next to the accepted loss rate."""
    money = DecimalField(max_digits=16, decimal_places=2)
    audited = Q(audit_result__in=(AuditResult.FOUNDED, AuditResult.UNFOUNDED))
    rows = (Payout.objects.exclude(status=Payout.Status.FAILED)
            .values("matrix__topic_id", "matrix__topic__code", "matrix__topic__name")
            .annotate(
                auto_paid=Sum("amount"),
                sampled=Count("pk", filter=Q(audit_selected=True)),
                audited=Count("pk", filter=audited),
                audited_money=Coalesce(Sum("amount", filter=audited), ZERO, output_field=money),
                unfounded_money=Coalesce(Sum("amount", filter=Q(audit_result=AuditResult.UNFOUNDED)),
                                         ZERO, output_field=money),
            ).order_by("matrix__topic__code"))
    accepted = dict(DecisionMatrix.objects.filter(active=True)
                    .values_list("topic_id", "accepted_loss_rate"))
    out = []
    for r in rows:
        rate = (float(r["unfounded_money"] / r["audited_money"]) if r["audited_money"] else None)
        out.append({
            "topic": r["matrix__topic__code"], "topic_name": r["matrix__topic__name"],
            "auto_paid": r["auto_paid"],
            "sampled": r["sampled"], "audited": r["audited"],
            "audited_money": r["audited_money"], "unfounded_money": r["unfounded_money"],
            "loss_rate": rate,
            "extrapolated_loss": None if rate is None else round(float(r["auto_paid"]) * rate, 2),
            "accepted_loss_rate": accepted.get(r["matrix__topic_id"]),
        })
    return out


def all_metrics(*, days: int = 90, now: datetime | None = None) -> dict:
    since = (now or timezone.now()) - timedelta(days=days)
    return {
        "days": days,
        "time_to_decision": time_to_decision(since=since),
        "claims": claims_summary(since=since),
        "budget": budget_by_month(since=since),
        "audit": audit_loss(),
    }
