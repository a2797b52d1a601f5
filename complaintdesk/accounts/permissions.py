"""Who may see and do what: roles plus per-queue membership. Used by UI, API and worker alike."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

from complaintdesk.accounts.models import QueueMembership, Role, User

# What each role may do on cases of queues it can see.
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OPERATOR: frozenset({"view", "create", "transition", "assign_self", "message", "note",
                              "classify"}),
    Role.SPECIALIST: frozenset({"view", "create", "transition", "assign_self", "message", "note",
                                "classify", "decide", "escalate", "link"}),
    Role.SUPERVISOR: frozenset({"view", "create", "transition", "assign", "assign_self", "message",
                                "note", "classify", "decide", "escalate", "link", "move",
                                "incident", "bulk", "answers"}),
    Role.ANALYST: frozenset({"view", "export"}),
    Role.ADMIN: frozenset({"view", "create", "transition", "assign", "assign_self", "message",
                           "note", "classify", "decide", "escalate", "link", "move", "incident",
                           "bulk", "export", "import", "personal_data", "answers"}),
}
# What a refusal says a role may not do ("Your role, Operator, may not …").
CAPABILITY_NAMES = {
    "view": gettext_lazy("view cases"),
    "create": gettext_lazy("register cases"),
    "transition": gettext_lazy("change a case's status"),
    "assign_self": gettext_lazy("take cases"),
    "assign": gettext_lazy("assign cases to others"),
    "message": gettext_lazy("write to customers"),
    "note": gettext_lazy("add internal notes"),
    "classify": gettext_lazy("classify cases"),
    "decide": gettext_lazy("decide cases"),
    "escalate": gettext_lazy("escalate cases"),
    "link": gettext_lazy("link cases to incidents"),
    "move": gettext_lazy("change a case's priority or queue"),
    "incident": gettext_lazy("run incidents"),
    "bulk": gettext_lazy("act on many cases at once"),
    "export": gettext_lazy("export data"),
    "import": gettext_lazy("import cases"),
    "personal_data": gettext_lazy("see personal data"),
    "answers": gettext_lazy("manage canned answers"),
}
# Roles that see personal data (names, e-mails, phones) unmasked.
SEES_PERSONAL_DATA = frozenset({Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR, Role.ADMIN})


def can(user: User, capability: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return capability in CAPABILITIES.get(user.role, frozenset())


def require(user: User, capability: str) -> None:
    if not can(user, capability):
        raise PermissionDenied(gettext("Your role, %(role)s, may not %(action)s.") % {
            "role": user.get_role_display(),
            "action": CAPABILITY_NAMES.get(capability, capability.replace("_", " ")),
        })


def require_incident_reader(user: User) -> None:
    """Incidents (desk and API alike): whoever may link cases or run incidents; analysts and
    operators may not."""
    if not (can(user, "incident") or can(user, "link")):
        raise PermissionDenied(gettext("Incidents are for specialists and supervisors."))


def sees_all_queues(user: User) -> bool:
    return user.is_superuser or user.role in (Role.ADMIN, Role.ANALYST)


def _memberships(user: User) -> dict[int, bool]:
    """queue id → may write; read once per user object, i.e. once per request."""
    cached = getattr(user, "_cd_memberships", None)
    if cached is None:
        cached = dict(QueueMembership.objects.filter(user=user).values_list("queue_id", "can_write"))
        user._cd_memberships = cached
    return cached


def forget_memberships(user: User) -> None:
    """After changing a user's memberships within the same request or test."""
    user.__dict__.pop("_cd_memberships", None)


def visible_queue_ids(user: User) -> set[int] | None:
    """Queue ids the user may see; None means every queue."""
    if sees_all_queues(user):
        return None
    return set(_memberships(user))


def writable_queue_ids(user: User) -> set[int] | None:
    if user.is_superuser or user.role == Role.ADMIN:
        return None
    if user.role == Role.ANALYST:
        return set()
    return {queue_id for queue_id, write in _memberships(user).items() if write}


def cases_visible_to(user: User, queryset: QuerySet | None = None) -> QuerySet:
    from complaintdesk.cases.models import Case

    qs = queryset if queryset is not None else Case.objects.all()
    ids = visible_queue_ids(user)
    return qs if ids is None else qs.filter(queue_id__in=ids)


def can_see_case(user: User, case) -> bool:
    ids = visible_queue_ids(user)
    return ids is None or case.queue_id in ids


def require_case(user: User, case, capability: str) -> None:
    """Raise PermissionDenied unless the user may do `capability` on this case's queue."""
    if not can_see_case(user, case):
        raise PermissionDenied(gettext("You have no access to this case's queue."))
    require(user, capability)
    if capability != "view":
        ids = writable_queue_ids(user)
        if ids is not None and case.queue_id not in ids:
            raise PermissionDenied(gettext("You may read this queue but not change its cases."))


def sees_personal_data(user: User) -> bool:
    return user.is_superuser or user.role in SEES_PERSONAL_DATA


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return mask_text(value)
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    if len(digits) < 4:
        return "***" if value else ""
    return "*** " + "".join(digits[-2:])


def mask_text(value: str) -> str:
    if not value:
        return ""
    return value[:1] + "***"


def mask_account(value: str) -> str:
    """An account or contract number: the last four characters only, as on a receipt."""
    if not value:
        return ""
    return "*** " + value[-4:] if len(value) > 4 else "***"
