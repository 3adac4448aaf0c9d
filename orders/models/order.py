"""One paid order with its buyer-protection clock, its items, and the return terms it was sold
under."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from orders import policy, roles
from orders.models.carrier import protection_period
from orders.models.money import MONEY
from orders.models.store import Store
from portal import reminders
from portal.choices import ChoiceLabels


class Order(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    """One paid order and its buyer-protection clock.

    ``deadline_at``/``deadline_kind`` hold the single next thing the clock will do to this
    order; the transitions keep them up to date and the sweep reads them through an index.
    """

    class State(models.TextChoices):
        PAID = "paid", _("Awaiting shipment")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        COMPLETED = "completed", _("Completed")
        SETTLED = "settled", _("Settled")
        CANCELLED = "cancelled", _("Cancelled and refunded")
        REFUNDED = "refunded", _("Refunded")

    class DeadlineKind(models.TextChoices):
        AUTO_CANCEL = "auto_cancel", _("cancel and refund: not shipped in time")
        AUTO_CONFIRM = "auto_confirm", _("confirm receipt: protection ended")
        SETTLE = "settle", _("release payment to the seller")

    class DeliverySource(models.TextChoices):
        """Who said the parcel arrived. A seller's word is not one of them (SPEC "Delivery")."""

        CARRIER = "carrier", _("the carrier's tracking")
        BUYER = "buyer", _("the buyer's confirmation")
        MEDIATOR = "mediator", _("a mediator")

    class PaymentMethod(models.TextChoices):
        CARD = "card", _("Card")
        WALLET = "wallet", _("Wallet")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        OTHER = "other", _("Other")

    number = models.CharField(_("order number"), max_length=32, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("buyer")
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders", verbose_name=_("store"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    total_paid = models.DecimalField(_("paid"), **MONEY)
    payment_method = models.CharField(
        max_length=16,
        choices=PaymentMethod.choices,
        default=PaymentMethod.CARD,
        verbose_name=_("payment method"),
    )
    #: The payment at the provider that refunds go back to: a Stripe PaymentIntent (``pi_...``) or
    #: charge (``ch_...``), handed over by checkout. Blank on orders from before it was recorded.
    payment_reference = models.CharField(_("payment reference"), max_length=255, blank=True)
    ship_to_country = models.CharField(_("destination country"), max_length=2)
    ship_to_address = models.TextField(blank=True, verbose_name=_("ship to address"))
    state = FSMField(default=State.PAID, choices=State.choices, protected=True, verbose_name=_("state"))

    paid_at = models.DateTimeField(verbose_name=_("paid at"))
    handling_due_at = models.DateTimeField(verbose_name=_("handling due at"))
    shipped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("shipped at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    #: Blank while not delivered, and on orders delivered before the source was recorded.
    delivery_source = models.CharField(
        max_length=8,
        choices=DeliverySource.choices,
        blank=True,
        default="",
        db_default="",
        verbose_name=_("delivery source"),
    )
    #: When the seller said it was delivered: shown to the buyer, never shortens protection.
    seller_reported_delivered_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("seller reported delivered at")
    )
    protection_ends_at = models.DateTimeField(null=True, blank=True, verbose_name=_("protection ends at"))
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))
    confirmed_automatically = models.BooleanField(default=False, verbose_name=_("confirmed automatically"))
    dispute_window_ends_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("dispute window ends at")
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    settled_amount = models.DecimalField(**MONEY, null=True, blank=True, verbose_name=_("settled amount"))

    extension_requested_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("extension requested at")
    )
    extension_request_note = models.CharField(
        max_length=500, blank=True, verbose_name=_("extension request note")
    )
    extensions_granted = models.PositiveSmallIntegerField(default=0, verbose_name=_("extensions granted"))

    #: An open dispute holds the clock: nothing automatic happens to the order meanwhile.
    on_hold = models.BooleanField(default=False, verbose_name=_("on hold"))
    deadline_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deadline at"))
    deadline_kind = models.CharField(
        max_length=16, choices=DeadlineKind.choices, blank=True, verbose_name=_("deadline kind")
    )
    #: How many of ``policy.REMINDERS_BEFORE`` went out for the current deadline, and the next one.
    reminders_sent = models.PositiveSmallIntegerField(default=0, verbose_name=_("reminders sent"))
    next_reminder_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next reminder at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        permissions = [("record_delivery", "Can record an order's delivery")]
        constraints = [
            models.CheckConstraint(condition=Q(total_paid__gt=0), name="order_total_paid_positive"),
            models.CheckConstraint(
                condition=Q(deadline_at__isnull=True) | ~Q(deadline_kind=""), name="order_deadline_has_kind"
            ),
        ]
        indexes = [
            models.Index(
                fields=["deadline_at"], name="order_due_deadline_idx", condition=Q(deadline_at__isnull=False)
            ),
            models.Index(
                fields=["next_reminder_at"],
                name="order_reminder_idx",
                condition=Q(next_reminder_at__isnull=False),
            ),
            models.Index(fields=["buyer", "state", "-paid_at"], name="order_buyer_state_idx"),
            models.Index(fields=["store", "state", "-paid_at"], name="order_store_state_idx"),
            # The buyer's order list, newest first: its 20 rows straight from the index.
            models.Index(fields=["buyer", "-paid_at", "-id"], name="order_buyer_recent_idx"),
            # The seller's tabs newest first (keyset pages), and the statistics' orders per store
            # in the window: a range of one store's entries.
            models.Index(fields=["store", "-paid_at", "-id"], name="order_store_recent_idx"),
            # The console's order list, newest first: a page is read from the index, not sorted.
            models.Index(fields=["-paid_at", "-id"], name="order_recent_idx"),
            # ... filtered by state, or to the orders on hold: a rare state's page (a few hundred
            # refunded among a million) would otherwise scan the newest-first index for its rows.
            models.Index(fields=["state", "-paid_at", "-id"], name="order_state_recent_idx"),
            models.Index(
                fields=["-paid_at", "-id"], name="order_on_hold_recent_idx", condition=Q(on_hold=True)
            ),
        ]

    def __str__(self) -> str:
        return self.number

    # --- the clock ------------------------------------------------------------------------
    def scheduled_deadline(self) -> tuple[datetime | None, str]:
        """The next automatic step for the order's current state, ignoring holds."""
        if self.state == self.State.PAID:
            return self.handling_due_at, self.DeadlineKind.AUTO_CANCEL
        if self.state in (self.State.SHIPPED, self.State.DELIVERED):
            return self.protection_ends_at, self.DeadlineKind.AUTO_CONFIRM
        if self.state == self.State.COMPLETED:
            return self.dispute_window_ends_at, self.DeadlineKind.SETTLE
        return None, ""

    def deadline_due(self, now: datetime) -> bool:
        """Whether the order's next automatic step is due at ``now``: it happens, whoever acts."""
        return self.deadline_at is not None and self.deadline_at <= now

    def reschedule(self) -> None:
        """Point ``deadline_at`` at the next automatic step, or at nothing while on hold."""
        at, kind = (None, "") if self.on_hold else self.scheduled_deadline()
        if (at, kind) != (self.deadline_at, self.deadline_kind):
            self.reminders_sent = 0  # a new deadline gets its own reminders
        self.deadline_at, self.deadline_kind = at, kind if at else ""
        self.schedule_next_reminder()

    def schedule_next_reminder(self) -> None:
        """Point ``next_reminder_at`` at the next reminder still to send: the seller before the
        ship-by deadline, the buyer before protection ends (settling needs nobody to act)."""
        reminded = self.deadline_kind in (self.DeadlineKind.AUTO_CANCEL, self.DeadlineKind.AUTO_CONFIRM)
        self.next_reminder_at = reminders.next_reminder_at(
            self.deadline_at if reminded else None, sent=self.reminders_sent, before=policy.REMINDERS_BEFORE
        )

    def _not_on_hold(self) -> bool:
        return not self.on_hold

    def _delivery_not_reported(self) -> bool:
        return self.seller_reported_delivered_at is None

    # --- transitions (memory only: the services save, log and notify) ----------------------
    @transition(
        field=state,
        source=State.PAID,
        target=State.SHIPPED,
        permission=roles.is_order_seller,
        custom={"label": _("Mark as shipped"), "admin": False},
    )
    def ship(self, *, at: datetime, carrier: str) -> None:
        self.shipped_at = at
        self.protection_ends_at = at + protection_period(carrier)

    @transition(
        field=state,
        source=State.SHIPPED,
        target=State.SHIPPED,
        conditions=[_delivery_not_reported],
        permission=roles.is_order_seller,
        custom={"label": _("Report delivered"), "admin": False},
    )
    def report_delivered(self, *, at: datetime) -> None:
        # The seller's word only: protection and the clock stay exactly as they were.
        self.seller_reported_delivered_at = at

    @transition(
        field=state,
        source=State.SHIPPED,
        target=State.DELIVERED,
        # The carrier's tracking acts with no user; of the people, only a mediator may.
        permission=roles.is_delivery_recorder,
        custom={"label": _("Record delivery"), "admin": False},
    )
    def mark_delivered(self, *, at: datetime, recorded_at: datetime, source: str) -> None:
        """Delivered ``at`` (the carrier's time), learnt ``recorded_at``: the buyer has the policy's
        few days from when the portal learns of it, unless protection already ends sooner."""
        self.delivered_at = at
        self.delivery_source = source
        self.protection_ends_at = min(self.protection_ends_at, recorded_at + policy.PROTECTION_AFTER_DELIVERY)

    @transition(
        field=state,
        source=[State.SHIPPED, State.DELIVERED],
        target=State.COMPLETED,
        conditions=[_not_on_hold],
        permission=roles.is_order_buyer,
        custom={"label": _("Confirm receipt"), "admin": False},
    )
    def confirm_receipt(self, *, at: datetime) -> None:
        if self.delivered_at is None:
            # The buyer's word is a source of delivery too (SPEC "Delivery").
            self.delivered_at = at
            self.delivery_source = self.DeliverySource.BUYER
        self._complete(at=at, automatically=False)

    @transition(
        field=state,
        source=[State.SHIPPED, State.DELIVERED],
        target=State.COMPLETED,
        conditions=[_not_on_hold],
        custom={"admin": False, "automatic": True},
    )
    def auto_confirm(self, *, at: datetime) -> None:
        self._complete(at=at, automatically=True)

    def _complete(self, *, at: datetime, automatically: bool) -> None:
        # A request for more protection time is moot once receipt is confirmed.
        self.extension_requested_at = None
        self.confirmed_at = at
        self.confirmed_automatically = automatically
        self.dispute_window_ends_at = at + policy.POST_CONFIRMATION_DISPUTE_WINDOW

    @transition(
        field=state,
        source=[State.SHIPPED, State.DELIVERED, State.COMPLETED],
        target=State.COMPLETED,
        conditions=[_not_on_hold],
        custom={"admin": False, "automatic": True},
    )
    def keep_in_escrow(self, *, at: datetime) -> None:
        """A dispute ended with a partial refund: the rest of the payment stays in escrow through a
        new post-confirmation window (15 days from the dispute's end, or the buyer's own window if
        that ends later), in which the buyer may dispute what is left."""
        self.extension_requested_at = None
        self.confirmed_at = self.confirmed_at or at
        reopened = at + policy.POST_CONFIRMATION_DISPUTE_WINDOW
        self.dispute_window_ends_at = max(self.dispute_window_ends_at or reopened, reopened)

    @transition(
        field=state,
        source=State.COMPLETED,
        target=State.SETTLED,
        conditions=[_not_on_hold],
        custom={"admin": False, "automatic": True},
    )
    def settle(self, *, at: datetime, amount: Decimal) -> None:
        self.closed_at = at
        self.settled_amount = amount

    @transition(
        field=state,
        source=State.PAID,
        target=State.CANCELLED,
        custom={"admin": False, "automatic": True},
    )
    def cancel_unshipped(self, *, at: datetime) -> None:
        self.closed_at = at
        self.settled_amount = Decimal("0.00")

    @transition(
        field=state,
        source=[State.SHIPPED, State.DELIVERED, State.COMPLETED],
        target=State.REFUNDED,
        custom={"admin": False, "automatic": True},
    )
    def close_refunded(self, *, at: datetime) -> None:
        self.closed_at = at
        self.settled_amount = Decimal("0.00")


class ReturnTerms(ChoiceLabels, models.Model):
    """The store's return policy as it stood when the order was paid: it governs the order.

    Captured once (``orders.terms.capture_return_terms``) and never edited, so a seller's later
    change applies to new orders only. Money is resolved for this order: the refund-without-return
    threshold is in the order's currency, the free-return cap is the one for its destination.
    The return address is not part of it: returns go where the store says when one is agreed.
    """

    order = models.OneToOneField(
        Order,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="return_terms",
        verbose_name=_("order"),
    )
    accepts_returns = models.BooleanField(_("accepts returns"))
    return_window_days = models.PositiveSmallIntegerField(_("return window (days after delivery)"))
    return_shipping_paid_by = models.CharField(
        _("return shipping is paid by"), max_length=8, choices=Store.ReturnShippingPayer.choices
    )
    #: In the order's currency; 0: nothing is refunded without a return.
    refund_without_return_below = models.DecimalField(_("refund without return for items under"), **MONEY)
    returns_personalised_items = models.BooleanField(_("accepts returns of personalised items"))
    returns_used_items = models.BooleanField(_("accepts returns of used items"))
    #: The free-return programme's cap for the order's destination; none when it is not in it.
    free_return_cap = models.DecimalField(_("free returns for items up to"), **MONEY, null=True, blank=True)
    free_return_currency = models.CharField(max_length=3, blank=True, verbose_name=_("free return currency"))
    #: When the store's policy was read: the payment, or the migration for older orders.
    captured_at = models.DateTimeField(verbose_name=_("captured at"))

    class Meta:
        verbose_name = _("return terms")
        verbose_name_plural = _("return terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_without_return_below__gte=0), name="return_terms_threshold_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(free_return_cap__isnull=True, free_return_currency="")
                | (Q(free_return_cap__gt=0) & ~Q(free_return_currency="")),
                name="return_terms_cap_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}"


class LineItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    sku = models.CharField(max_length=64, blank=True, verbose_name=_("sku"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    unit_price = models.DecimalField(**MONEY, verbose_name=_("unit price"))
    is_personalised = models.BooleanField(_("personalised"), default=False)
    is_used = models.BooleanField(_("used / opened"), default=False)
    #: The product's picture as the marketplace's checkout exported it (https only, shown as is).
    image_url = models.URLField(
        _("image URL"), max_length=500, blank=True, validators=[URLValidator(schemes=["https"])]
    )

    class Meta:
        verbose_name = _("line item")
        verbose_name_plural = _("line items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_item_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity
