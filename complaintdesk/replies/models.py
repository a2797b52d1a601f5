from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaintdesk.cases.models import Kind, Outcome, Status

# Statuses an answer may set when its reply is sent: reachable by transition() alone
# ("decided" needs a decision, "closed" the customer's acceptance, "received" is only the start).
SETTABLE_STATUSES = [(v, label) for v, label in Status.choices
                     if v in (Status.ACKNOWLEDGED, Status.ASSESSMENT, Status.INVESTIGATION,
                              Status.WAITING_CUSTOMER)]


class CannedAnswer(models.Model):
    """A ready text for replies to customers, with placeholders filled from the case."""

    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    kind = models.CharField(_("kind"), max_length=20, blank=True,
                            choices=[c for c in Kind.choices if c[0] != Kind.UNCLASSIFIED])
    topic = models.ForeignKey("cases.Topic", verbose_name=_("topic"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("decision outcome"), max_length=10, blank=True,
                               choices=Outcome.choices)
    body = models.TextField(_("text"))
    set_status = models.CharField(_("set the status when sent"), max_length=20, blank=True,
                                  choices=SETTABLE_STATUSES)
    active = models.BooleanField(_("active"), default=True)
    uses = models.PositiveIntegerField(_("times used"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "title"]
        verbose_name = pgettext_lazy("model name", "canned answer")
        verbose_name_plural = pgettext_lazy("model name", "canned answers")

    def __str__(self) -> str:
        return self.title
