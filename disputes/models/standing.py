"""What mediators know about a buyer: the blacklist, its append-only record, and the
wins-in-a-row flag."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from disputes import policy
from portal.records import AppendOnlyModel


class BuyerStandingQuerySet(models.QuerySet):
    def record_outcome(self, *, buyer_id: int, buyer_won: bool) -> None:
        """Count a closed dispute: a win adds to the wins in a row, a loss starts them again, and
        reaching the policy's number flags the buyer for good.

        One UPDATE for a buyer who already has a standing (the sweep closes hundreds of disputes
        a second); the right-hand sides read the row as it was, so ``wins_in_a_row`` there is
        the count before this win.
        """
        if buyer_won:
            change = {
                "wins_in_a_row": models.F("wins_in_a_row") + 1,
                "flagged": models.Case(
                    models.When(wins_in_a_row__gte=policy.WINS_IN_A_ROW_FLAG - 1, then=models.Value(True)),
                    default=models.F("flagged"),
                ),
            }
        else:
            change = {"wins_in_a_row": 0}
        if self.filter(buyer_id=buyer_id).update(**change):
            return
        wins = 1 if buyer_won else 0
        _standing, created = self.get_or_create(
            buyer_id=buyer_id, defaults={"wins_in_a_row": wins, "flagged": wins >= policy.WINS_IN_A_ROW_FLAG}
        )
        if not created:  # another transaction created it a moment ago: count this outcome on it
            self.filter(buyer_id=buyer_id).update(**change)


class BuyerStanding(models.Model):
    """What mediators know about a buyer: a blacklist and the wins-in-a-row flag."""

    buyer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standing", verbose_name=_("buyer")
    )
    blacklisted = models.BooleanField(default=False, verbose_name=_("blacklisted"))
    blacklist_reason = models.TextField(blank=True, verbose_name=_("blacklist reason"))
    blacklisted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("blacklisted at"))
    blacklisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("blacklisted by"),
    )
    wins_in_a_row = models.PositiveIntegerField(default=0, verbose_name=_("wins in a row"))
    flagged = models.BooleanField(default=False, verbose_name=_("flagged"))

    objects = BuyerStandingQuerySet.as_manager()

    class Meta:
        verbose_name = _("buyer standing")
        verbose_name_plural = _("buyer standings")

    def __str__(self) -> str:
        return f"standing of {self.buyer}"


class BuyerStandingChange(AppendOnlyModel):
    """Append-only record of every blacklist decision, with who made it and why."""

    standing = models.ForeignKey(
        BuyerStanding, on_delete=models.PROTECT, related_name="changes", verbose_name=_("standing")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    blacklisted = models.BooleanField(verbose_name=_("blacklisted"))
    reason = models.TextField(verbose_name=_("reason"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("blacklist decision")
        verbose_name_plural = _("blacklist decisions")

    def __str__(self) -> str:
        return f"{self.standing} blacklisted={self.blacklisted}"
