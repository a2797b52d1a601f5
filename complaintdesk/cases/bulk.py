"""Run one service function over many cases, reporting each success and failure."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import User
from complaintdesk.cases.models import Case
from complaintdesk.lib.errors import DomainError


def run_bulk(
    *, user: User, references: list[str], capability: str, action: Callable[[Case], object]
) -> dict:
    cases = {c.reference: c for c in Case.objects.filter(reference__in=references)}
    done: list[str] = []
    failed: dict[str, str] = {}
    for reference in dict.fromkeys(references):
        case = cases.get(reference)
        if case is None or not permissions.can_see_case(user, case):
            failed[reference] = _("no such case")
            continue
        try:
            permissions.require_case(user, case, capability)
            action(case)
        except (DomainError, PermissionDenied) as exc:
            failed[reference] = str(exc.detail if isinstance(exc, DomainError) else exc)
            continue
        done.append(reference)
    return {"done": done, "failed": failed}
