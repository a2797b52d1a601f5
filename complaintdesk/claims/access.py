"""Who may see the claims page and audit automatic payouts (built on accounts.permissions)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from complaintdesk.accounts import permissions


def can_view_claims(user) -> bool:
    """Supervisors, analysts and administrators: the people who own the money and the numbers."""
    return permissions.can(user, "move") or permissions.can(user, "export")


def can_audit(user) -> bool:
    """Supervisors and administrators judge a paid claim founded or unfounded."""
    return permissions.can(user, "move") and permissions.can(user, "decide")


def require_view_claims(user) -> None:
    if not can_view_claims(user):
        raise PermissionDenied(_("The claims page is for supervisors, analysts and administrators."))


def require_audit(user) -> None:
    if not can_audit(user):
        raise PermissionDenied(_("Only supervisors and administrators audit automatic payouts."))
