"""Turn the register's timeline events into notifications for the people they concern."""

from django.utils.translation import gettext_noop

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import User
from complaintdesk.cases.models import Case, Event, EventType
from complaintdesk.notifications import services
from complaintdesk.notifications.models import Notification

# Headlines of the e-mails (msgids, translated for the recipient by cases.notifications).
HEADLINES = {
    Notification.Kind.ASSIGNED: gettext_noop("Assigned to you"),
    Notification.Kind.CUSTOMER_REPLIED: gettext_noop("The customer replied"),
    Notification.Kind.ESCALATED: gettext_noop("Your case is escalated"),
}


def on_case_changed(sender, *, case: Case, event: Event, **kwargs) -> None:
    if event.type == EventType.QUEUE_CHANGED:
        services.forget_invisible(case=case)
        return
    kind, people = _concerned(case, event)
    if kind is None:
        return
    for user in people:
        # Nobody hears about their own action, nor about a case they may not see.
        if user.pk == event.actor_id or not user.is_active or not permissions.can_see_case(user, case):
            continue
        services.notify(user=user, case=case, kind=kind, actor_label=event.actor_label,
                        email=_email_wanted(user, case, kind, event))


def _concerned(case: Case, event: Event) -> tuple[str | None, list[User]]:
    assignee = [case.assignee] if case.assignee_id else []
    if event.type == EventType.ASSIGNED:
        return Notification.Kind.ASSIGNED, assignee
    if event.type == EventType.MESSAGE_IN:
        return Notification.Kind.CUSTOMER_REPLIED, assignee
    if event.type in (EventType.ESCALATED, EventType.SLA_WARNING):
        notified = (event.after or {}).get("notified")
        people = list(assignee)
        if notified and notified not in {u.get_username() for u in people}:
            people += list(User.objects.filter(username=notified))
        kind = (Notification.Kind.ESCALATED if event.type == EventType.ESCALATED
                else Notification.Kind.SLA_WARNING)
        return kind, people
    return None, []


def _email_wanted(user: User, case: Case, kind: str, event: Event) -> bool:
    """Deadline warnings and escalations already e-mail the person the SLA rules name (the
    worker's alerts, folded into digests); that person gets no second e-mail from here."""
    if kind == Notification.Kind.SLA_WARNING:
        return False
    if kind == Notification.Kind.ESCALATED and (event.after or {}).get("notified") == user.get_username():
        return False
    return services.wants_email(user, kind)
