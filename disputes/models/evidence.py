"""A dispute's evidence: each file kept as received, and the cleaned copies parties see."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from disputes.models.dispute import Dispute
from disputes.roles import Party
from portal.choices import ChoiceLabels


def evidence_path(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.dispute_id}/{uuid.uuid4().hex}{instance.extension}"


def derivative_path(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.dispute_id}/derived/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class Evidence(ChoiceLabels, models.Model):
    """One file of evidence. The original is kept as received, with its SHA-256 and receipt
    time; parties see a re-encoded copy without metadata."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be displayed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id"))
    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("dispute")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    party = models.CharField(max_length=8, choices=Party.choices, verbose_name=_("party"))
    kind = models.CharField(max_length=8, choices=Kind.choices, verbose_name=_("kind"))
    content_type = models.CharField(max_length=40, verbose_name=_("content type"))
    extension = models.CharField(max_length=8, verbose_name=_("extension"))
    original = models.FileField(upload_to=evidence_path, max_length=200, verbose_name=_("original"))
    original_name = models.CharField(max_length=120, verbose_name=_("original name"))
    size = models.PositiveBigIntegerField(verbose_name=_("size"))
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    width = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("width"))
    height = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("height"))
    display = models.FileField(
        upload_to=derivative_path, max_length=200, blank=True, verbose_name=_("display")
    )
    thumbnail = models.FileField(
        upload_to=derivative_path, max_length=200, blank=True, verbose_name=_("thumbnail")
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PROCESSING, verbose_name=_("status")
    )
    received_at = models.DateTimeField(verbose_name=_("received at"))

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [
            models.Index(fields=["dispute", "received_at"], name="evidence_dispute_idx"),
            # The sweep looks for evidence whose processing job was lost: only a handful of rows.
            models.Index(
                fields=["received_at"], name="evidence_processing_idx", condition=Q(status="processing")
            ),
        ]

    def __str__(self) -> str:
        return self.original_name
