"""What the buyer disputes and the negotiation over it: the disputed items, and the proposals
that form the dispute's history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from disputes.models.dispute import Dispute
from disputes.roles import Party
from orders.models import MONEY, LineItem
from portal.choices import ChoiceLabels


class DisputedItem(models.Model):
    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="items", verbose_name=_("dispute")
    )
    line_item = models.ForeignKey(
        LineItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("line item")
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))

    class Meta:
        verbose_name = _("disputed item")
        verbose_name_plural = _("disputed items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="disputed_quantity_positive"),
            models.UniqueConstraint(fields=["dispute", "line_item"], name="disputed_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.line_item.title}"


class Proposal(ChoiceLabels, models.Model):
    """One step of the negotiation: the buyer's request, a counter-offer, a modification,
    a rejection, or a mediator's decision. Proposals are never edited."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Request")
        COUNTER_OFFER = "counter_offer", _("Counter-offer")
        MODIFICATION = "modification", _("Modified request")
        REJECTION = "rejection", _("Rejection")
        DECISION = "decision", _("Mediator's decision")

    class Resolution(models.TextChoices):
        OPEN = "open", pgettext_lazy("proposal", "Open")
        ACCEPTED = "accepted", _("Accepted")
        SUPERSEDED = "superseded", _("Superseded")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("dispute")
    )
    party = models.CharField(max_length=8, choices=Party.choices, verbose_name=_("party"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    amount = models.DecimalField(**MONEY, verbose_name=_("amount"))
    with_return = models.BooleanField(verbose_name=_("with return"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    resolution = models.CharField(
        max_length=12, choices=Resolution.choices, default=Resolution.OPEN, verbose_name=_("resolution")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="proposal_amount_not_negative")
        ]
        indexes = [models.Index(fields=["dispute", "created_at"], name="proposal_history_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount}"
