"""Every read query of the orders side, and the facts order pages display."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import (
    DecimalField,
    Model,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from orders import automatic, policy
from orders.models import Carrier, LineItem, Order, OrderEvent, Refund, Store
from portal import formatting, paging, querying
from portal.accounts.models import User

BUYER_FILTERS: dict[str, tuple[str, list[str]]] = {
    "active": (_("In progress"), [Order.State.PAID, Order.State.SHIPPED, Order.State.DELIVERED]),
    "completed": (pgettext_lazy("orders filter", "Completed"), [Order.State.COMPLETED, Order.State.SETTLED]),
    "closed": (_("Cancelled or refunded"), [Order.State.CANCELLED, Order.State.REFUNDED]),
}

SELLER_TABS: dict[str, tuple[str, list[str]]] = {
    "to_ship": (_("To ship"), [Order.State.PAID]),
    "shipped": (pgettext_lazy("orders filter", "Shipped"), [Order.State.SHIPPED]),
    "delivered": (pgettext_lazy("orders filter", "Delivered"), [Order.State.DELIVERED]),
    "completed": (pgettext_lazy("orders filter", "Completed"), [Order.State.COMPLETED, Order.State.SETTLED]),
    "closed": (_("Cancelled or refunded"), [Order.State.CANCELLED, Order.State.REFUNDED]),
}

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))


def _list_queryset(related: str) -> QuerySet[Order]:
    """An orders list's rows with ``related`` joined: the one other party a row names (the
    buyer's list shows the store, the store's list the buyer)."""
    # A correlated subquery, not a join + GROUP BY: the page's 20 rows are sorted and cut first,
    # and the paginator's count() drops the unused subquery and counts from the index alone.
    item_count = querying.aggregate_per_row(
        LineItem.objects.filter(order=OuterRef("pk")), Sum("quantity"), per="order"
    )
    first_image = LineItem.objects.filter(order=OuterRef("pk")).exclude(image_url="").order_by("id")
    return (
        Order.objects.select_related(related)
        .annotate(item_count=item_count, first_image_url=Subquery(first_image.values("image_url")[:1]))
        .order_by("-paid_at", "-id")
    )


def orders_for_buyer(*, buyer: User, status: str | None) -> QuerySet[Order]:
    orders = _list_queryset("store").filter(buyer=buyer)
    if status in BUYER_FILTERS:
        orders = orders.filter(state__in=BUYER_FILTERS[status][1])
    return orders


def orders_for_store(*, store: Store, tab: str) -> QuerySet[Order]:
    orders = _list_queryset("buyer").filter(store=store, state__in=SELLER_TABS[tab][1])
    if tab == "to_ship":
        # Most urgent first: the order closest to its handling deadline.
        orders = orders.order_by("handling_due_at", "id")
    return orders


def seller_tab_counts(*, store: Store) -> dict[str, tuple[int, bool]]:
    """Each tab's ``(count, more)``, counting at most ``paging.SITE_COUNT_CAP`` orders a tab (an
    index range each), so a store's whole history is never counted."""
    return {
        tab: paging.capped_count(Order.objects.filter(store=store, state__in=states))
        for tab, (_label, states) in SELLER_TABS.items()
    }


def order_for_page(order: Order) -> Order:
    """The order with everything its page shows, in a fixed number of queries.

    ``order`` comes from the gatekeeper (``get_order_for_user``), which already joined its
    store and owner, buyer and shipment; the lists are prefetched onto that same instance
    rather than loading the order a second time.
    """
    prefetch_related_objects(
        [order],
        "items",
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("created_at", "id")),
        Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "id")),
    )
    for event in order.events.all():
        # What the clock did is explained where it is shown: rule, deadline, what started it.
        event.explanation = automatic.explain(event)
        event.shown_note = event_note(event)
    return order


def event_note(event: OrderEvent) -> str:
    """The note under a timeline event, in the reader's language: the carrier and the refund's
    reason are stored as the site's language wrote them (``stored_label``) and named anew here;
    what a person wrote is shown as written."""
    if event.type == OrderEvent.Type.SHIPPED and event.data.get("carrier") in Carrier.values:
        return f"{Carrier(event.data['carrier']).label} {event.data.get('tracking_number', '')}".strip()
    if event.type == OrderEvent.Type.REFUND_ISSUED:
        return formatting.shown_label(event.note, Refund.Reason)
    return event.note


def refunded_total(order: Order) -> Decimal:
    """What has been or is being refunded on the order (failed refunds do not count).

    Answers without a query when it can: from ``refunded_so_far``, which an order locked with
    :func:`orders.services.refunded_sum` annotated carries (the sweep locks dozens at once) and
    :func:`orders.services.issue_refund` keeps current, or from the order's prefetched
    ``refunds`` (pages).
    """
    known = getattr(order, "refunded_so_far", None)
    if known is not None:
        return known
    if "refunds" in getattr(order, "_prefetched_objects_cache", {}):
        refunds = [refund for refund in order.refunds.all() if refund.status != Refund.Status.FAILED]
        return sum((refund.amount for refund in refunds), Decimal("0.00"))
    total = order.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


@dataclass(frozen=True)
class ProtectionStatus:
    """What the order page says about buyer protection right now."""

    headline: str
    detail: str
    deadline: datetime | None
    tone: str  # a Bootstrap contextual colour


def protection_status(order: Order, *, viewer_is_buyer: bool) -> ProtectionStatus:
    """The sentence, deadline and tone of the order's protection banner."""
    S = Order.State
    if order.on_hold:
        return ProtectionStatus(
            _("A dispute is open"),
            _(
                "The protection clock is paused until the dispute is closed. "
                "The dispute page says who acts next."
            ),
            None,
            "warning",
        )
    if order.state == S.PAID:
        detail = (
            _("If the seller has not shipped by then, the order is cancelled and you are refunded in full.")
            if viewer_is_buyer
            else _("Ship before then, or the order is cancelled and the buyer refunded in full.")
        )
        return ProtectionStatus(_("Awaiting shipment"), detail, order.handling_due_at, "info")
    if order.state in (S.SHIPPED, S.DELIVERED):
        detail = (
            _(
                "Confirm receipt when everything is fine, or open a dispute if something is wrong. "
                "When protection ends the order is confirmed automatically."
            )
            if viewer_is_buyer
            else _("When protection ends with no dispute, the order is confirmed automatically.")
        )
        return ProtectionStatus(_("Buyer protection runs until"), detail, order.protection_ends_at, "primary")
    if order.state == S.COMPLETED and order.confirmed_automatically:
        return ProtectionStatus(
            _("Confirmed automatically when protection ended. Payment is released to the seller on"),
            _("Buyer protection has ended for this order."),
            order.dispute_window_ends_at,
            "success",
        )
    if order.state == S.COMPLETED:
        detail = (
            _("You can still open a dispute until then. After that the payment is released to the seller.")
            if viewer_is_buyer
            else _("The payment is released to you then, unless the buyer opens a dispute.")
        )
        return ProtectionStatus(
            _("Receipt confirmed. Dispute window open until"), detail, order.dispute_window_ends_at, "success"
        )
    if order.state == S.SETTLED:
        return ProtectionStatus(
            _("Order complete"), _("The payment was released to the seller."), None, "secondary"
        )
    if order.state == S.CANCELLED:
        return ProtectionStatus(
            _("Cancelled and refunded"),
            _("The seller did not ship in time; the payment was refunded."),
            None,
            "secondary",
        )
    return ProtectionStatus(_("Refunded"), _("The order was closed with a full refund."), None, "secondary")


@dataclass(frozen=True)
class FreeReturnCover:
    """Whether a free return covers one line of the order and, when it does not, why."""

    item: LineItem
    covered: bool
    reason: str


def free_return_cover(order: Order) -> list[FreeReturnCover]:
    """Per line of the order, whether its return terms give it a free return (SPEC "Money
    thresholds are per currency"): the destination is in the programme, the cap is in the
    order's currency and the unit price is at most the cap. Reads the prefetched items."""
    terms = order.return_terms
    cap, cap_currency = terms.free_return_cap, terms.free_return_currency
    covers = []
    for item in order.items.all():
        if cap is None:
            reason = _("free returns do not cover deliveries to %(country)s") % {
                "country": order.ship_to_country or "?"
            }
        elif cap_currency != order.currency:
            reason = _(
                "the free-return cap is %(cap)s %(cap_currency)s and this order was paid in %(currency)s"
            ) % {
                "cap": formatting.number(cap),
                "cap_currency": cap_currency,
                "currency": order.currency,
            }
        elif item.unit_price > cap:
            reason = _("price %(price)s %(currency)s is above the %(cap)s %(currency)s cap") % {
                "price": formatting.number(item.unit_price),
                "cap": formatting.number(cap),
                "currency": order.currency,
            }
        else:
            reason = ""
        covers.append(FreeReturnCover(item=item, covered=not reason, reason=str(reason)))
    return covers


@dataclass(frozen=True)
class ReturnPolicySummary:
    """The return terms that govern an order, as the order page, dispute form and case page say them."""

    lines: list[str]
    #: When the store's policy was copied onto the order (its payment, or the migration).
    captured_at: datetime
    free_returns: list[FreeReturnCover]


def return_policy_summary(order: Order) -> ReturnPolicySummary:
    """The order's return terms (the store's policy when it was paid) in plain sentences."""
    terms = order.return_terms
    lines: list[str] = []
    if not terms.accepts_returns:
        lines.append(str(_("This store does not accept returns for a change of mind.")))
    else:
        lines.append(
            ngettext(
                "Returns accepted within %(days)d day of delivery.",
                "Returns accepted within %(days)d days of delivery.",
                terms.return_window_days,
            )
            % {"days": terms.return_window_days}
        )
    payer = (
        _("The buyer pays return shipping.")
        if terms.return_shipping_paid_by == Store.ReturnShippingPayer.BUYER
        else _("The seller pays return shipping.")
    )
    lines.append(str(payer))
    if terms.refund_without_return_below > 0:
        lines.append(
            str(_("Items under %(amount)s %(currency)s are refunded without sending them back."))
            % {"amount": formatting.number(terms.refund_without_return_below), "currency": order.currency}
        )
    excluded = []
    if not terms.returns_personalised_items:
        excluded.append(str(_("personalised items")))
    if not terms.returns_used_items:
        excluded.append(str(_("used items")))
    if excluded:
        lines.append(
            str(_("Not returnable for a change of mind: %(items)s.")) % {"items": ", ".join(excluded)}
        )
    lines.append(str(_("Return shipping costs are never refunded.")))
    if terms.free_return_cap is not None:
        lines.append(
            str(_("Free returns to %(country)s for items up to %(amount)s %(currency)s."))
            % {
                "country": order.ship_to_country,
                "amount": formatting.number(terms.free_return_cap),
                "currency": terms.free_return_currency,
            }
        )
    return ReturnPolicySummary(
        lines=lines, captured_at=terms.captured_at, free_returns=free_return_cover(order)
    )


def orders_in_progress_count(*, store: Store) -> int:
    """How many of the store's orders are not finished yet: they keep the terms they were bought
    under whatever the seller changes now."""
    finished = [Order.State.SETTLED, Order.State.CANCELLED, Order.State.REFUNDED]
    return Order.objects.filter(store=store).exclude(state__in=finished).count()


def refund_timing(order: Order) -> tuple[int, int]:
    """How many days a refund takes to reach the buyer's payment method (seed 004)."""
    return policy.REFUND_TIMING_DAYS.get(order.payment_method, policy.REFUND_TIMING_DAYS["other"])


def passed_deadline_sentence(order: Order) -> str:
    """ "<The deadline> passed on <time>: <what the clock did>." for the order's due deadline."""
    sentence = {
        Order.DeadlineKind.AUTO_CANCEL: _(
            "The seller's handling time ended on %(when)s: "
            "the order was cancelled and the buyer refunded in full."
        ),
        Order.DeadlineKind.AUTO_CONFIRM: _(
            "Buyer protection ended on %(when)s: receipt was confirmed automatically."
        ),
        Order.DeadlineKind.SETTLE: _(
            "The dispute window closed on %(when)s: the payment was released to the seller."
        ),
    }.get(order.deadline_kind)
    if sentence is None or order.deadline_at is None:
        return ""
    return str(sentence) % {"when": formatting.moment(order.deadline_at)}


def navigation_roles(user: User) -> tuple[bool, bool]:
    """Whether the user sells (owns a store) and whether they have bought, in one query the
    first time a request's user is asked (the navigation bar and its unread badge both ask).

    Two ``EXISTS`` written as SQL: every page with the bar asks, and the ORM took 1.2 ms to
    build the statement (a query on the user with two correlated subqueries) for 0.16 ms of work
    at 1M orders (issue 17). The tables and columns are named from the models."""
    if not hasattr(user, "_navigation_roles"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {_exists(Store, 'owner')}, {_exists(Order, 'buyer')}", [user.pk, user.pk])
            sells, buys = cursor.fetchone()
        user._navigation_roles = (bool(sells), bool(buys))
    return user._navigation_roles


def _exists(model: type[Model], field: str) -> str:
    """SQL that is true when some row of ``model`` has the parameter as ``field``."""
    table, column = querying.sql_names(model, field)
    return f"EXISTS (SELECT 1 FROM {table} WHERE {column} = %s)"
