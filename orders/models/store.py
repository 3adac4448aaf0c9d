"""A seller's store and its return policy, with its free-return countries."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from orders import policy
from orders.models.money import MONEY
from portal.choices import ChoiceLabels
from portal.indexing import PrefixPattern


class Store(ChoiceLabels, models.Model):
    """A seller's store and its return policy (SPEC "Seller return policy")."""

    class ReturnShippingPayer(models.TextChoices):
        BUYER = "buyer", _("The buyer")
        SELLER = "seller", _("The seller")

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="store", verbose_name=_("owner")
    )
    name = models.CharField(_("store name"), max_length=120)
    accepts_returns = models.BooleanField(_("accepts returns"), default=True)
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days after delivery)"),
        default=policy.RETURN_WINDOW_DEFAULT_DAYS,
        validators=[
            MinValueValidator(policy.RETURN_WINDOW_MIN_DAYS),
            MaxValueValidator(policy.RETURN_WINDOW_MAX_DAYS),
        ],
    )
    return_shipping_paid_by = models.CharField(
        _("return shipping is paid by"),
        max_length=8,
        choices=ReturnShippingPayer.choices,
        default=ReturnShippingPayer.BUYER,
    )
    #: The store's own "refund without return" threshold, in one currency; empty: the marketplace
    #: default of each order's currency (``policy.REFUND_WITHOUT_RETURN_THRESHOLDS``).
    refund_without_return_threshold = models.DecimalField(
        _("refund without return for items under"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Cheaper items are refunded without being sent back. Applies to orders paid in the "
            "currency below; leave empty for the marketplace default in every currency."
        ),
    )
    refund_without_return_currency = models.CharField(
        _("currency of that threshold"), max_length=3, blank=True
    )
    returns_personalised_items = models.BooleanField(
        _("accepts returns of personalised items"), default=False
    )
    returns_used_items = models.BooleanField(_("accepts returns of used items"), default=False)
    return_address = models.TextField(
        _("return address"),
        blank=True,
        help_text=_("Where buyers send returns. Copied into each dispute that agrees on a return."),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        indexes = [
            # The admin searches stores by the start of their name, in any case (``admin_search``).
            models.Index(PrefixPattern(Upper("name")), name="store_name_prefix_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(return_window_days__gte=policy.RETURN_WINDOW_MIN_DAYS)
                & Q(return_window_days__lte=policy.RETURN_WINDOW_MAX_DAYS),
                name="store_return_window_in_range",
            ),
            models.CheckConstraint(
                condition=Q(refund_without_return_threshold__gte=0), name="store_threshold_not_negative"
            ),
            # A threshold is a sum of money: never a number without its currency, nor the reverse.
            models.CheckConstraint(
                condition=Q(refund_without_return_threshold__isnull=True, refund_without_return_currency="")
                | (Q(refund_without_return_threshold__isnull=False) & ~Q(refund_without_return_currency="")),
                name="store_threshold_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FreeReturnCountry(models.Model):
    """The store's free-return programme for one destination country, with its item-value cap."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="free_return_countries", verbose_name=_("store")
    )
    country = models.CharField(_("destination country"), max_length=2)
    max_item_value = models.DecimalField(_("maximum item value covered"), **MONEY)
    currency = models.CharField(max_length=3, verbose_name=_("currency"))

    class Meta:
        verbose_name = _("free-return country")
        verbose_name_plural = _("free-return countries")
        constraints = [
            models.UniqueConstraint(fields=["store", "country"], name="free_return_country_once_per_store"),
            models.CheckConstraint(condition=Q(max_item_value__gt=0), name="free_return_cap_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.country} ≤ {self.max_item_value} {self.currency}"
