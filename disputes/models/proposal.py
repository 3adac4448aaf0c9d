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


class DisputedItem(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="items")
    line_item = models.ForeignKey(LineItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="disputed_quantity_positive"),
            models.UniqueConstraint(fields=["dispute", "line_item"], name="disputed_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.line_item.title}"


class Proposal(models.Model):
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

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="proposals")
    party = models.CharField(max_length=8, choices=Party.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    with_return = models.BooleanField()
    note = models.TextField(blank=True)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, default=Resolution.OPEN)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="proposal_amount_not_negative")
        ]
        indexes = [models.Index(fields=["dispute", "created_at"], name="proposal_history_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount}"
