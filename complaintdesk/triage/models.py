"""The model registry: every trained triage model, its version, metrics and whether it is active.

An artefact lives either as a file under MEDIA_ROOT/models/ (the default) or as bytes in the row
(handy when the media folder is not shared between processes). Exactly one topic model is
active at a time — this deployment is one organisation — and the admin chooses which.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MODELS_SUBDIR = "models"


class TriageModel(models.Model):
    class Kind(models.TextChoices):
        TOPIC = "topic", _("Topic")
        KIND = "kind", _("Kind (complaint, claim, …)")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TOPIC)
    name = models.CharField(max_length=100)
    version = models.CharField(max_length=120)
    artefact_path = models.CharField(
        max_length=300, blank=True, help_text=_("Relative to MEDIA_ROOT, e.g. models/x.joblib")
    )
    artefact_bytes = models.BinaryField(null=True, blank=True, editable=False)
    metrics = models.JSONField(default=dict, blank=True)
    labels = models.JSONField(default=list, blank=True)
    n_samples = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=300, blank=True)
    trained_at = models.DateTimeField(default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["kind", "name", "-trained_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name", "version"], name="triage_model_version"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(active=True), name="triage_one_active_per_kind"
            ),
        ]
        verbose_name = pgettext_lazy("model name", "triage model")
        verbose_name_plural = pgettext_lazy("model name", "triage models")

    def __str__(self) -> str:
        return f"{self.name} {self.version}" + (" (active)" if self.active else "")

    # ------------------------------------------------------------------ artefacts

    def artefact_file(self) -> Path | None:
        return Path(settings.MEDIA_ROOT) / self.artefact_path if self.artefact_path else None

    def load(self) -> Any:
        """The fitted model object (a TopicModel for topic rows), through
        ``compiled.load_artefact``: an old scikit-learn artefact loads without importing
        scikit-learn (its compiled copy is cached)."""
        from complaintdesk.triage.compiled import load_artefact
        from complaintdesk.triage.topic import TopicModel

        if self.artefact_bytes:
            payload = load_artefact(bytes(self.artefact_bytes))
        else:
            path = self.artefact_file()
            if path is None:
                raise FileNotFoundError(f"{self}: no artefact stored")
            payload = load_artefact(path)
        if self.kind == self.Kind.TOPIC:
            return TopicModel(
                payload["pipeline"], name=self.name, version=self.version,
                metadata=payload.get("metadata", {}),
            )
        return payload

    @classmethod
    def register_topic_model(
        cls,
        model: Any,
        *,
        metrics: dict | None = None,
        source: str = "",
        trained_by=None,
        store_bytes: bool = False,
        activate: bool = False,
    ) -> TriageModel:
        """Store a trained TopicModel as a new registry row (file under MEDIA_ROOT/models)."""
        import joblib

        buffer = io.BytesIO()
        joblib.dump({"pipeline": model.pipeline, "version": model.version,
                     "metadata": model.metadata}, buffer, compress=3)
        row = cls(
            kind=cls.Kind.TOPIC, name=model.name, version=model.version,
            metrics=metrics or {}, labels=list(model.metadata.get("labels", [])),
            n_samples=int(model.metadata.get("n_samples", 0)), source=source[:300],
            trained_by=trained_by,
        )
        if store_bytes:
            row.artefact_bytes = buffer.getvalue()
        else:
            relative = f"{MODELS_SUBDIR}/{_safe(model.name)}-{_safe(model.version)}.joblib"
            target = Path(settings.MEDIA_ROOT) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(buffer.getvalue())
            row.artefact_path = relative
        row.save()
        if activate:
            row.activate()
        return row

    def activate(self) -> None:
        """Make this the one active model of its kind."""
        with transaction.atomic():
            TriageModel.objects.filter(kind=self.kind, active=True).exclude(pk=self.pk).update(
                active=False
            )
            TriageModel.objects.filter(pk=self.pk).update(active=True)
        self.active = True
        from complaintdesk.lib import configcache

        configcache.clear()


def _safe(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in value)[:120]
