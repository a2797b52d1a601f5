"""Claims state changes outside the automatic path: post-payment audits."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaintdesk.accounts import permissions
from complaintdesk.cases import services
from complaintdesk.cases.models import EventType
from complaintdesk.claims.access import require_audit
from complaintdesk.claims.models import AuditResult, Payout
from complaintdesk.lib.errors import DomainError, InvalidInput

AUDIT_KIND = "claim_audit"


def record_audit(*, payout: Payout, result: str, actor, note: str = "") -> Payout:
    """An auditor's verdict on a sampled automatic payout: founded or unfounded."""
    require_audit(actor)
    if result not in (AuditResult.FOUNDED, AuditResult.UNFOUNDED):
        raise InvalidInput(_("result: 'founded' or 'unfounded'"))
    with transaction.atomic():
        payout = Payout.objects.select_for_update().select_related("case").get(pk=payout.pk)
        # A verdict changes the case's record: only for those who may change its queue.
        permissions.require_case(actor, payout.case, "decide")
        if not payout.audit_selected:
            raise DomainError(_("This payout was not sampled for audit."))
        if payout.audit_result:
            raise DomainError(_("Already audited: %(result)s.")
                              % {"result": payout.get_audit_result_display()})
        payout.audit_result, payout.audited_by = result, actor
        payout.audited_at, payout.audit_note = timezone.now(), note
        payout.save(update_fields=["audit_result", "audited_by", "audited_at", "audit_note",
                                   "updated_at"])
        services.record(payout.case, EventType.AUDIT, actor=actor, kind=AUDIT_KIND,
                        after={"audit": result, "amount": payout.amount},
                        reason=note or None)
    return payout
