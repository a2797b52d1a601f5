import copy
import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaintdesk.cases.times import site_time
from complaintdesk.lib import configcache

# How long a process trusts a token it has checked. Revoking a token or deactivating its user
# takes effect at once in the process that saves it, and within this many seconds elsewhere.
TOKEN_CACHE_SECONDS = 10.0


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator (1st line)")
    SPECIALIST = "specialist", _("Specialist (2nd line, claims)")
    SUPERVISOR = "supervisor", _("Supervisor")
    ANALYST = "analyst", _("CX analyst")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OPERATOR)
    # The language of the e-mails the system sends this person (cases.notifications.staff_language);
    # empty: the site's language.
    language = models.CharField(_("language of e-mails"), max_length=5, blank=True,
                                choices=[("ru", "Русский"), ("en", "English")])

    @property
    def is_org_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN


class QueueMembership(models.Model):
    """Per-queue permission: a user sees and works the cases of the queues they belong to."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    queue = models.ForeignKey("cases.Queue", on_delete=models.CASCADE, related_name="memberships")
    can_write = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "queue"], name="uniq_membership_user_queue")
        ]
        verbose_name = pgettext_lazy("model name", "queue membership")
        verbose_name_plural = pgettext_lazy("model name", "queue memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.queue}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token; only its hash is stored, the raw value is shown once on creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "API token")
        verbose_name_plural = pgettext_lazy("model name", "API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, *, user: User, name: str = "") -> tuple["ApiToken", str]:
        raw = "cd_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:10], key_hash=_hash_token(raw))
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        """The token's user, or None. A valid token is remembered for a few seconds, so an
        integration posting many cases does not pay a query per request."""
        key_hash = _hash_token(raw)
        token = configcache.cached(f"token:{key_hash}", lambda: cls._valid(key_hash),
                                   ttl=TOKEN_CACHE_SECONDS)
        if token is None:
            configcache.forget(f"token:{key_hash}")  # an unknown token is never remembered
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            token.last_used_at = now
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        # A copy per request: permission helpers memoise memberships on the user object.
        return copy.copy(token.user)

    @classmethod
    def _valid(cls, key_hash: str) -> "ApiToken | None":
        return (
            cls.objects.select_related("user")
            .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
            .first()
        )


def _forget_tokens(**_kwargs: object) -> None:
    configcache.forget_prefix("token:")


for _model in (User, ApiToken):
    post_save.connect(_forget_tokens, sender=_model, weak=False)
    post_delete.connect(_forget_tokens, sender=_model, weak=False)


class AuditEntry(models.Model):
    """Append-only record of who did what outside a case timeline (tokens, exports, imports)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = pgettext_lazy("model name", "audit entry")
        verbose_name_plural = pgettext_lazy("model name", "audit entries")

    def __str__(self) -> str:
        return f"{site_time(self.at, fmt='SHORT_DATETIME_FORMAT')} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only")
        if self.actor is not None and not self.actor_label:
            self.actor_label = self.actor.get_username()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only")


class ReadAccess(models.Model):
    """Who opened which case or customer profile, when, through which channel and from where.

    Written once per view of one record (desk case page, attachment download, API case,
    timeline, messages, customer profile); list pages are not recorded row by row. Append-only.
    """

    class Channel(models.TextChoices):
        DESK = "desk", _("Desk")
        API = "api", _("API")

    class Kind(models.TextChoices):
        CASE = "case", _("Case")
        CUSTOMER = "customer", _("Customer profile")
        ATTACHMENT = "attachment", _("Attachment")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    user_label = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The case reference, customer id or attachment id, as the person asked for it.
    object_ref = models.CharField(max_length=64)
    # Whose personal data it was, so "who looked at this customer" is one indexed filter.
    customer_id = models.BigIntegerField(null=True, blank=True)
    what = models.CharField(max_length=40, blank=True,
                            help_text=_("Which view: page, timeline, messages, file…"))
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("read access")
        verbose_name_plural = _("read accesses")
        indexes = [
            models.Index(fields=["customer_id", "at"], name="read_access_customer"),
            models.Index(fields=["user", "at"], name="read_access_user"),
        ]

    def __str__(self) -> str:
        return (f"{site_time(self.at, fmt='SHORT_DATETIME_FORMAT')} {self.user_label} {self.kind} "
                f"{self.object_ref}")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Read-access entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Read-access entries are append-only")
