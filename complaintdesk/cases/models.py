import secrets

from django.conf import settings
from django.db import models
from django.db.models import functions as fn
from django.db.models.lookups import Exact, In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaintdesk.cases.lifecycle import Status as LifecycleStatus
from complaintdesk.cases.times import site_time


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    CLAIM = "claim", _("Claim")
    QUESTION = "question", _("Question")
    SUGGESTION = "suggestion", _("Suggestion")
    GRATITUDE = "gratitude", _("Gratitude")
    UNCLASSIFIED = "unclassified", _("Unclassified")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web form")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social network")
    SMS = "sms", _("SMS")
    REGULATOR = "regulator", _("Regulator referral")
    LETTER = "letter", _("Letter")
    API = "api", _("API")


class Status(models.TextChoices):
    RECEIVED = LifecycleStatus.RECEIVED.value, _("Received")
    ACKNOWLEDGED = LifecycleStatus.ACKNOWLEDGED.value, _("Acknowledged")
    ASSESSMENT = LifecycleStatus.ASSESSMENT.value, _("Assessment")
    INVESTIGATION = LifecycleStatus.INVESTIGATION.value, _("Investigation")
    WAITING_CUSTOMER = LifecycleStatus.WAITING_CUSTOMER.value, _("Waiting for customer")
    DECIDED = LifecycleStatus.DECIDED.value, _("Decided")
    CLOSED = LifecycleStatus.CLOSED.value, _("Closed")


class Remedy(models.TextChoices):
    APOLOGY = "apology", _("Apology / explanation")
    FIX = "fix", _("Fix the problem")
    MONEY_BACK = "money_back", _("Money back")
    COMPENSATION = "compensation", _("Compensation")
    OTHER = "other", _("Other")
    UNKNOWN = "", _("Not stated")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class ResonanceSource(models.TextChoices):
    NONE = "", _("None")
    REGULATOR = "regulator", _("Regulator")
    MEDIA = "media", _("Media")
    SOCIAL = "social", _("Social networks")
    EXECUTIVE = "executive", _("Executive")
    COURT = "court", _("Court")


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY = "partly", _("Partly upheld")
    REJECTED = "rejected", _("Rejected")


class Accepted(models.TextChoices):
    YES = "yes", _("Accepted")
    NO = "no", _("Not accepted")
    UNKNOWN = "unknown", _("Unknown")


class Line(models.TextChoices):
    FIRST = "first", _("1st line")
    SECOND = "second", _("2nd line")
    CLAIMS = "claims", _("Claims department")
    SPECIAL = "special", _("Special escalation group")


class Queue(models.Model):
    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    line = models.CharField(max_length=10, choices=Line.choices, default=Line.FIRST)
    calendar = models.ForeignKey("sla.Calendar", null=True, blank=True, on_delete=models.PROTECT)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("Second escalation level."),
    )

    class Meta:
        verbose_name = pgettext_lazy("model name", "queue")
        verbose_name_plural = pgettext_lazy("model name", "queues")

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    """Two-level taxonomy: a topic either has no parent (level 1) or a level-1 parent."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=150)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    money_at_risk = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = pgettext_lazy("model name", "topic")
        verbose_name_plural = pgettext_lazy("model name", "topics")

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("Topics have two levels: pick a level-1 parent.")})


def _phone_digits() -> fn.Replace:
    digits: models.Expression = models.F("phone")
    for separator in (" ", "-", "(", ")", "+", ".", "/"):
        digits = fn.Replace(digits, models.Value(separator), models.Value(""))
    return digits


def _phone_key() -> models.Case:
    """The phone as search finds it: digits only, and a Russian number without its 7 or 8, so
    that +7 916 555-12-34, 8 (916) 555 12 34 and 79165551234 give the same key."""
    digits = _phone_digits()
    return models.Case(
        models.When(Exact(fn.Length(digits), 11) & In(fn.Left(digits, 1), ["7", "8"]),
                    then=fn.Right(digits, 10)),
        default=digits,
    )


class Customer(models.Model):
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True)
    external_id = models.CharField(max_length=100, blank=True, db_index=True)
    segment = models.CharField(max_length=50, blank=True)
    customer_since = models.DateField(null=True, blank=True)
    serial_claimant = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Kept by the database (generated columns), so bulk COPY inserts and imports get them too:
    # search looks a phone or e-mail up by these, in any format or letter case.
    phone_key = models.GeneratedField(expression=_phone_key(), output_field=models.CharField(
        max_length=32), db_persist=True, db_index=True)
    email_key = models.GeneratedField(expression=fn.Lower("email"), output_field=models.CharField(
        max_length=254), db_persist=True, db_index=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "customer")
        verbose_name_plural = pgettext_lazy("model name", "customers")

    def __str__(self) -> str:
        return self.name or self.email or self.phone or self.external_id or f"#{self.pk}"


def new_public_token() -> str:
    return secrets.token_urlsafe(18)


class Incident(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "incident")
        verbose_name_plural = pgettext_lazy("model name", "incidents")

    def __str__(self) -> str:
        return self.title


class Case(models.Model):
    # Built from the row's id, which is reserved before the INSERT (lib/ids.py).
    reference = models.CharField(max_length=32, unique=True, null=True)  # noqa: DJ001
    public_token = models.CharField(max_length=32, default=new_public_token)
    source = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=100, blank=True)

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(db_index=True)
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    language = models.CharField(max_length=8, blank=True)

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.UNCLASSIFIED)
    kind_confidence = models.FloatField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT)
    product = models.CharField(max_length=100, blank=True)
    remedy_sought = models.CharField(max_length=20, choices=Remedy.choices, blank=True)
    remedy_text = models.TextField(blank=True)
    amount_claimed = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    resonance = models.BooleanField(default=False)
    resonance_source = models.CharField(
        max_length=20, choices=ResonanceSource.choices, blank=True
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )

    # Clocks: every deadline is a stored, indexed column so workers find due work by index.
    policy = models.ForeignKey("sla.Policy", null=True, blank=True, on_delete=models.SET_NULL)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledge_by = models.DateTimeField(null=True, blank=True, db_index=True)
    resolve_by = models.DateTimeField(null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    clock_paused_since = models.DateTimeField(null=True, blank=True)
    # 0 on track, 1 warned, 2 breached (1st escalation), 3 second escalation.
    sla_stage = models.PositiveSmallIntegerField(default=0)
    ack_escalated = models.BooleanField(default=False)
    next_sla_check_at = models.DateTimeField(null=True, blank=True, db_index=True)

    decision = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    decision_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    decision_text = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    customer_accepted = models.CharField(
        max_length=10, choices=Accepted.choices, default=Accepted.UNKNOWN
    )
    external_options_given = models.TextField(blank=True)
    handling_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # A call logged by the operator: the telephony's call id and how long it took.
    call_id = models.CharField(max_length=100, blank=True, db_index=True)
    call_duration_seconds = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["queue", "status", "resolve_by"], name="case_queue_status_due"),
            models.Index(fields=["customer", "received_at"], name="case_customer_received"),
            models.Index(fields=["kind", "received_at"], name="case_kind_received"),
            # Closed cases are most of the table and have the earliest deadlines; the desk's
            # lists and counts read only open ones (EXPLAIN in docs/benchmarks-ui.md).
            models.Index(
                fields=["resolve_by", "id"], name="case_open_due",
                condition=~models.Q(status="closed"),
                include=["queue", "assignee", "status", "resonance", "clock_paused_since",
                         "kind", "channel", "topic", "warn_at", "sla_stage", "needs_review"],
            ),
            models.Index(fields=["assignee", "resolve_by", "id"], name="case_open_assignee_due",
                         condition=~models.Q(status="closed")),
            models.Index(fields=["received_at"], name="case_open_received",
                         condition=~models.Q(status="closed")),
            # The desk's "Needs review" list: a few open cases among many, by deadline.
            models.Index(fields=["resolve_by", "id"], name="case_open_in_review_due",
                         condition=models.Q(needs_review=True) & ~models.Q(status="closed")),
            # The insights watch list groups a period's cases by customer from this index
            # alone, and finds the rare resonance cases of any date from the partial one.
            models.Index(fields=["received_at"], name="case_received_watch",
                         include=["customer", "queue", "kind", "status", "decided_at"]),
            models.Index(fields=["customer"], name="case_resonance_customer",
                         condition=models.Q(resonance=True), include=["queue"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~models.Q(source_id=""),
                name="uniq_case_source_row",
            )
        ]
        verbose_name = pgettext_lazy("model name", "case")
        verbose_name_plural = pgettext_lazy("model name", "cases")

    def __str__(self) -> str:
        return self.reference or f"case #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class EventType(models.TextChoices):
    CREATED = "created", _("Created")
    CLASSIFIED = "classified", _("Classified")
    RECLASSIFIED = "reclassified", _("Reclassified")
    CONFIRMED = "confirmed", _("Classification confirmed")
    TRANSITIONED = "transitioned", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    QUEUE_CHANGED = "queue_changed", _("Moved to queue")
    SLA_SET = "sla_set", _("Deadlines set")
    SLA_WARNING = "sla_warning", _("Deadline warning")
    ESCALATED = "escalated", _("Escalated")
    MESSAGE_IN = "message_in", _("Message from customer")
    MESSAGE_OUT = "message_out", _("Message to customer")
    MESSAGE_SENT = "message_sent", _("Message delivered")
    NOTE = "note", _("Internal note")
    ATTACHMENT = "attachment", _("Attachment added")
    DECISION = "decision", _("Decision")
    ACCEPTANCE = "acceptance", _("Customer's acceptance recorded")
    RESONANCE = "resonance", _("Resonance flagged")
    INCIDENT_LINKED = "incident_linked", _("Linked to incident")
    INCIDENT_UNLINKED = "incident_unlinked", _("Unlinked from incident")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    CLAIM_EVALUATED = "claim_evaluated", _("Claim checked by the decision matrix")
    EVIDENCE = "evidence", _("Evidence recorded")
    PAYOUT = "payout", _("Payout")
    AUDIT = "audit", _("Audit of an automatic decision")
    CUSTOMER_MERGED = "customer_merged", _("Customer records merged")


class Event(models.Model):
    """The timeline: append-only; database triggers refuse updates and deletes as well."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    type = models.CharField(max_length=20, choices=EventType.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="event_case_at")]
        verbose_name = pgettext_lazy("model name", "case event")
        verbose_name_plural = pgettext_lazy("model name", "case events")

    def __str__(self) -> str:
        return f"{self.type} @ {site_time(self.at, fmt='SHORT_DATETIME_FORMAT')}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Timeline events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Timeline events are append-only")


class Message(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("From customer")
        OUT = "out", _("To customer")
        NOTE = "note", _("Internal note")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    external_id = models.CharField(max_length=300, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = pgettext_lazy("model name", "message")
        verbose_name_plural = pgettext_lazy("model name", "messages")

    def __str__(self) -> str:
        return f"{self.direction}: {self.body[:40]}"

    @property
    def visible_to_customer(self) -> bool:
        return self.direction != self.Direction.NOTE


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(8)}/{filename}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model name", "attachment")
        verbose_name_plural = pgettext_lazy("model name", "attachments")

    def __str__(self) -> str:
        return self.filename


class ClockPause(models.Model):
    """A span while the resolution clock stood still (waiting for the customer)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        verbose_name = pgettext_lazy("model name", "clock pause")
        verbose_name_plural = pgettext_lazy("model name", "clock pauses")

    def __str__(self) -> str:
        end = site_time(self.ended_at, fmt="SHORT_DATETIME_FORMAT") if self.ended_at else "…"
        return f"{site_time(self.started_at, fmt='SHORT_DATETIME_FORMAT')} → {end}"


class IdempotencyKey(models.Model):
    """Remembers which case a client's Idempotency-Key created, so a retry never duplicates."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="uniq_idempotency_scope_key")
        ]
        verbose_name = pgettext_lazy("model name", "idempotency key")
        verbose_name_plural = pgettext_lazy("model name", "idempotency keys")

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class HandlingCostRate(models.Model):
    """What one case costs to handle on a channel (e.g. a call 100 ₽, a written complaint 300 ₽)."""

    channel = models.CharField(max_length=20, choices=Channel.choices, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="RUB")

    class Meta:
        verbose_name = pgettext_lazy("model name", "handling cost rate")
        verbose_name_plural = pgettext_lazy("model name", "handling cost rates")

    def __str__(self) -> str:
        return f"{self.channel}: {self.amount} {self.currency}"


class Outbox(models.Model):
    """A message to deliver; workers claim rows by compare-and-swap and deliver each once."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Purpose(models.TextChoices):
        ACKNOWLEDGEMENT = "ack", _("Acknowledgement")
        REPLY = "reply", _("Reply")
        DECISION = "decision", _("Decision")
        SLA_WARNING = "sla_warning", _("Deadline warning")
        ESCALATION = "escalation", _("Escalation")
        SURVEY = "survey", _("Satisfaction survey")
        REPORT = "report", _("Scheduled report")
        ALERT = "alert", _("Alert")

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="outbox")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.PROTECT)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=20, default="email")
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    dedupe_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["state", "available_at"], name="outbox_state_available")]
        verbose_name = pgettext_lazy("model name", "outgoing message")
        verbose_name_plural = pgettext_lazy("model name", "outgoing messages")

    def __str__(self) -> str:
        return f"{self.purpose} → {self.recipient} ({self.state})"


class ProductStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("product status", "Active")
    BLOCKED = "blocked", pgettext_lazy("product status", "Blocked")
    CLOSED = "closed", pgettext_lazy("product status", "Closed")


class CustomerProduct(models.Model):
    """A product the customer holds (card, account, loan…): the first step of a CRM profile.
    Loaded from the bank's systems (CSV import or the API); one row per product code and
    account number, so a re-run updates instead of duplicating."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="products")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200, blank=True)
    # Identifies the person as surely as a phone does: masked for roles without personal data.
    account_number = models.CharField(max_length=64, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ProductStatus.choices,
                              default=ProductStatus.ACTIVE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer", "code", "account_number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "code", "account_number"],
                                    name="uniq_customer_product"),
        ]
        verbose_name = pgettext_lazy("model name", "customer product")
        verbose_name_plural = pgettext_lazy("model name", "customer products")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()
