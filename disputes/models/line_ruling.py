"""A mediator's decision taken line by line (issue 16, item 3): per order line, a refund now,
a refund once that line is returned, or nothing, under one written reason."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from disputes.models.dispute import Dispute
from orders.models import MONEY, LineItem
from portal.choices import ChoiceLabels


class LineRuling(ChoiceLabels, models.Model):
    class Remedy(models.TextChoices):
        REFUND = "refund", _("Refund")
        REFUND_AFTER_RETURN = "refund_after_return", _("Refund after this line is returned")
        NOTHING = "nothing", _("No refund")

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="line_rulings")
    line_item = models.ForeignKey(LineItem, on_delete=models.PROTECT, related_name="+")
    remedy = models.CharField(max_length=20, choices=Remedy.choices)
    amount = models.DecimalField(**MONEY)
    #: The line's total when it was ruled on: the amount never exceeds it.
    line_total = models.DecimalField(**MONEY)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dispute", "line_item"], name="one_ruling_per_line"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(amount__lte=F("line_total")),
                name="line_ruling_within_line_total",
            ),
            models.CheckConstraint(
                condition=Q(remedy="nothing", amount=0) | (~Q(remedy="nothing") & Q(amount__gt=0)),
                name="line_ruling_amount_matches_remedy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_item_id}: {self.remedy} {self.amount}"

    @property
    def needs_return(self) -> bool:
        return self.remedy == self.Remedy.REFUND_AFTER_RETURN
