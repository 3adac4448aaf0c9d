"""The refund ledger: one row per refund, paid by a background job through the provider."""

import uuid
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from orders.models.money import MONEY
from orders.models.order import Order
from portal.choices import ChoiceLabels


class Refund(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    """One entry of the refund ledger, paid by a background job through the payment provider.

    ``idempotency_key`` travels to the provider with every attempt, so a retried job can never
    pay twice. A job claims the row (``claimed_until``) before it calls the provider and records
    the answer afterwards, holding no lock in between; a claim left by a worker that died runs
    out and the sweep asks again with the same key. A refund the provider accepted but has not
    finished is ``submitted`` until its webhook (or a later check) says how it ended.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Processing")
        SUBMITTED = "submitted", _("Processing at the provider")
        PAID = "paid", pgettext_lazy("refund status", "Paid")
        FAILED = "failed", pgettext_lazy("refund status", "Failed")

    class Reason(models.TextChoices):
        NOT_SHIPPED = "not_shipped", _("Seller did not ship in time")
        DISPUTE = "dispute", _("Dispute resolved for the buyer")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    dispute = models.ForeignKey(
        "disputes.Dispute",
        on_delete=models.PROTECT,
        related_name="refunds",
        null=True,
        blank=True,
        verbose_name=_("dispute"),
    )
    amount = models.DecimalField(**MONEY, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    reason = models.CharField(max_length=16, choices=Reason.choices, verbose_name=_("reason"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    status = FSMField(
        default=Status.PENDING, choices=Status.choices, protected=True, verbose_name=_("status")
    )
    idempotency_key = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("idempotency key")
    )
    provider_reference = models.CharField(max_length=100, blank=True, verbose_name=_("provider reference"))
    failure_reason = models.CharField(max_length=500, blank=True, verbose_name=_("failure reason"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    #: When the sweep pays this refund if the queued job has not (lost message, provider outage,
    #: a worker that died mid-call), or asks the provider how a submitted refund is doing.
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    #: A job is calling the provider for this refund until then; no other job calls meanwhile.
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "submitted"]) | Q(next_attempt_at__isnull=True),
                name="refund_only_unfinished_is_retried",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | ~Q(provider_reference=""),
                name="refund_submitted_has_reference",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="refund_due_idx", condition=Q(next_attempt_at__isnull=False)
            ),
            models.Index(fields=["order", "status"], name="refund_order_status_idx"),
            # The console's refund ledger, newest first.
            models.Index(fields=["-created_at", "-id"], name="refund_recent_idx"),
            # The provider's webhook finds the refund by the provider's id for it.
            models.Index(
                fields=["provider_reference"],
                name="refund_provider_ref_idx",
                condition=~Q(provider_reference=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.get_status_display()})"

    @transition(field=status, source=Status.PENDING, target=Status.SUBMITTED, custom={"admin": False})
    def mark_submitted(self, *, at: datetime, reference: str, check_at: datetime) -> None:
        self.submitted_at = at
        self.provider_reference = reference
        self.next_attempt_at = check_at
        self.claimed_until = None
        self.failure_reason = ""

    @transition(
        field=status, source=[Status.PENDING, Status.SUBMITTED], target=Status.PAID, custom={"admin": False}
    )
    def mark_paid(self, *, at: datetime, reference: str) -> None:
        self.next_attempt_at = self.claimed_until = None
        self.paid_at = at
        self.provider_reference = reference
        self.failure_reason = ""

    @transition(
        field=status, source=[Status.PENDING, Status.SUBMITTED], target=Status.FAILED, custom={"admin": False}
    )
    def mark_failed(self, *, reason: str, reference: str = "") -> None:
        self.next_attempt_at = self.claimed_until = None
        self.provider_reference = reference or self.provider_reference
        self.failure_reason = reason[:500]
