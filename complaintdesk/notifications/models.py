"""What needs a staff member: notifications, their e-mail preferences, and saved queue views.

Saved views live here rather than in `desk` (floor 4, no models) or an app of their own: like
notifications they are one person's working state of the desk, and this app already sits on the
floor (3) that may hold models about users and queues.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaintdesk.cases.models import Case, Queue


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to you")
        CUSTOMER_REPLIED = "customer_replied", _("The customer replied")
        ESCALATED = "escalated", _("Escalated")
        SLA_WARNING = "sla_warning", _("Deadline approaching")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications", verbose_name=_("user"))
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The bell's poll: COUNT(*) WHERE user_id = ? AND read_at IS NULL, answered from this
            # small partial index alone; read notifications (most rows) are not in it.
            models.Index(fields=["user"], name="notification_unread_user",
                         condition=Q(read_at__isnull=True)),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["case", "user"], name="notification_case_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.case_id} → {self.user_id}"


class NotificationPreference(models.Model):
    """Which notifications also come by e-mail; no row means the defaults below."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference", verbose_name=_("user"))
    email_assigned = models.BooleanField(_("e-mail when a case is assigned to me"), default=True)
    email_customer_replied = models.BooleanField(
        _("e-mail when the customer replied on my case"), default=True)
    email_escalated = models.BooleanField(_("e-mail when my case is escalated"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}"


class SavedView(models.Model):
    """The queue page's filters (its query string) under a name, shown as a tab."""

    class Scope(models.TextChoices):
        PERSONAL = "personal", _("Only me")
        TEAM = "team", _("Team")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="saved_views", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    scope = models.CharField(_("visible to"), max_length=10, choices=Scope.choices,
                             default=Scope.PERSONAL)
    # A team view: the members of this queue, or everyone when empty.
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("queue"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["scope", "name", "pk"]
        indexes = [models.Index(fields=["owner", "scope"], name="savedview_owner_scope")]

    def __str__(self) -> str:
        return self.name
