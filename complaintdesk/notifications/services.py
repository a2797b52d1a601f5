"""Every state change of notifications, preferences and saved views, once."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import Role, User
from complaintdesk.cases import notifications as texts
from complaintdesk.cases.models import Case, Outbox, Queue
from complaintdesk.cases.services import enqueue
from complaintdesk.lib.errors import InvalidInput
from complaintdesk.notifications.models import Notification, NotificationPreference, SavedView

EMAIL_FIELDS = {
    Notification.Kind.ASSIGNED: "email_assigned",
    Notification.Kind.CUSTOMER_REPLIED: "email_customer_replied",
    Notification.Kind.ESCALATED: "email_escalated",
}


def unread_count(user: User) -> int:
    """The bell: one COUNT over the partial index notification_unread_user."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def visible_notifications(user: User) -> QuerySet:
    """A user's notifications about cases they may still see (queue membership can change)."""
    return Notification.objects.filter(
        user=user, case__in=permissions.cases_visible_to(user, Case.objects.all()).values("pk"))


def wants_email(user: User, kind: str) -> bool:
    field = EMAIL_FIELDS.get(kind)
    if field is None or not user.email:
        return False
    pref = NotificationPreference.objects.filter(user=user).first()
    return getattr(pref, field) if pref is not None else True


def notify(*, user: User, case: Case, kind: str, actor_label: str = "", email: bool) -> Notification:
    from complaintdesk.notifications.receivers import HEADLINES

    note = Notification.objects.create(user=user, case=case, kind=kind, actor_label=actor_label)
    if email:
        subject, body = texts.staff_alert(case, headline=HEADLINES[kind], recipient=user)
        enqueue(case=case, purpose=Outbox.Purpose.ALERT, recipient=user.email, subject=subject,
                body=body, dedupe_key=f"notification:{note.pk}")
    return note


def forget_invisible(*, case: Case) -> int:
    """After a case changes queue: drop notifications of people who may no longer see it."""
    gone = [n.pk for n in Notification.objects.filter(case=case).select_related("user")
            if not permissions.can_see_case(n.user, case)]
    if gone:
        Notification.objects.filter(pk__in=gone).delete()
    return len(gone)


def mark_case_read(*, user: User, case: Case) -> int:
    """Opening a case reads its notifications."""
    return Notification.objects.filter(user_id=user.pk, case_id=case.pk,
                                       read_at__isnull=True).update(read_at=timezone.now())


def mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark these (or all) of the user's unread notifications read."""
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def set_preferences(*, user: User, email_assigned: bool, email_customer_replied: bool,
                    email_escalated: bool, language: str = "") -> NotificationPreference:
    """Which notifications come by e-mail, and in which language every staff e-mail is written
    (the account's language, which cases.notifications.staff_language reads)."""
    if language not in ("", "ru", "en"):
        raise InvalidInput(_("language: 'ru', 'en' or empty"))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_assigned": email_assigned,
                             "email_customer_replied": email_customer_replied,
                             "email_escalated": email_escalated})
    return pref


# ---------------------------------------------------------------- saved views

# Parameters of the queue page a view keeps; the page number and anything else are dropped.
VIEW_PARAMS = ("tab", "sort", "kind", "status", "topic", "channel", "review", "customer", "q")


def clean_query(params: QueryDict) -> str:
    return urlencode([(k, v) for k in VIEW_PARAMS for v in params.getlist(k) if v.strip()])


def views_for(user: User) -> QuerySet:
    """Own views, team views for everyone, and team views of queues the user may see."""
    team = Q(scope=SavedView.Scope.TEAM) & Q(queue__isnull=True)
    queue_ids = permissions.visible_queue_ids(user)
    team_of_queue = Q(scope=SavedView.Scope.TEAM) & Q(queue__isnull=False)
    if queue_ids is not None:
        team_of_queue &= Q(queue_id__in=queue_ids)
    return SavedView.objects.filter(Q(owner=user, scope=SavedView.Scope.PERSONAL) | team
                                    | team_of_queue | Q(owner=user))


def may_share(user: User) -> bool:
    """Team views are a supervisor's (or an administrator's) to create."""
    return user.is_superuser or user.role in (Role.SUPERVISOR, Role.ADMIN)


def save_view(*, owner: User, name: str, params: QueryDict, scope: str,
              queue: Queue | None = None) -> SavedView:
    name = name.strip()
    if not name:
        raise InvalidInput(_("name: give the view a name"))
    if scope not in SavedView.Scope.values:
        raise InvalidInput(_("scope: 'personal' or 'team'"))
    if scope == SavedView.Scope.TEAM:
        if not may_share(owner):
            raise PermissionDenied(_("Only supervisors create team views."))
        if queue is not None and not permissions.can_see_case(owner, _InQueue(queue.pk)):
            raise PermissionDenied(_("You have no access to this case's queue."))
    else:
        queue = None
    return SavedView.objects.create(owner=owner, name=name[:60], query=clean_query(params)[:1000],
                                    scope=scope, queue=queue)


class _InQueue:
    """Anything with a queue id, for permissions.can_see_case."""

    def __init__(self, queue_id: int) -> None:
        self.queue_id = queue_id


def delete_view(*, user: User, view: SavedView) -> None:
    if view.owner_id != user.pk:
        raise PermissionDenied(_("You may delete only your own views."))
    view.delete()
