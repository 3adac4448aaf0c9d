"""Orders, refunds and stores in the mediation console: read-only. Orders change only through the
order services; the refund ledger and the order timeline are never edited or deleted."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from orders.models import FreeReturnCountry, LineItem, Order, OrderEvent, Refund, ReturnTerms, Shipment, Store


class ReadOnlyMixin:
    """Nothing can be added, changed or deleted; viewing follows the model's view permission."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    """Rows shown as part of their parent: whoever may view the parent sees them."""

    extra = 0
    can_delete = False
    parent_view_permission = ""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(self.parent_view_permission)


class LineItemInline(ReadOnlyInline):
    model = LineItem
    fields = ["title", "sku", "quantity", "unit_price", "is_personalised", "is_used"]
    readonly_fields = fields
    ordering = ["id"]
    parent_view_permission = "orders.view_order"


class ReturnTermsInline(ReadOnlyInline):
    """The store's policy as copied onto the order when it was paid: what governs its returns."""

    model = ReturnTerms
    fields = [
        "captured_at",
        "accepts_returns",
        "return_window_days",
        "return_shipping_paid_by",
        "refund_without_return_below",
        "returns_personalised_items",
        "returns_used_items",
        "free_return_cap",
        "free_return_currency",
    ]
    readonly_fields = fields
    parent_view_permission = "orders.view_order"


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["carrier", "tracking_number", "shipped_at", "delivered_at"]
    readonly_fields = fields
    parent_view_permission = "orders.view_order"


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "type", "actor", "note"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    parent_view_permission = "orders.view_order"
    verbose_name_plural = _("timeline")

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderEvent]:
        return super().get_queryset(request).select_related("actor")


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["created_at", "amount", "currency", "reason", "dispute", "status", "paid_at", "failure_reason"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    parent_view_permission = "orders.view_order"


@admin.register(Order)
class OrderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "buyer",
        "store",
        "state",
        "total_paid",
        "currency",
        "ship_to_country",
        "paid_at",
    ]
    list_filter = ["state", "payment_method", "shipment__carrier", "ship_to_country", "on_hold"]
    list_select_related = ["buyer", "store"]
    search_fields = ["number", "buyer__username", "buyer__email", "store__name"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["number", "buyer", "store", "state", "on_hold"]}),
        (_("Payment"), {"fields": ["total_paid", "currency", "payment_method", "paid_at", "settled_amount"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "ship_to_country",
                    "ship_to_address",
                    "handling_due_at",
                    "shipped_at",
                    "delivered_at",
                    "protection_ends_at",
                    "extensions_granted",
                ]
            },
        ),
        (
            _("After delivery"),
            {"fields": ["confirmed_at", "confirmed_automatically", "dispute_window_ends_at", "closed_at"]},
        ),
        (_("Clock"), {"fields": ["deadline_at", "deadline_kind"]}),
    ]
    inlines = [LineItemInline, ReturnTermsInline, ShipmentInline, RefundInline, OrderEventInline]

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["-paid_at", "-id"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The refund ledger: filter on "Failed" to find refunds the provider refused."""

    list_display = ["created_at", "order", "dispute_reference", "money", "reason", "status", "failure_reason"]
    list_filter = ["status", "reason", "currency"]
    list_select_related = ["order", "dispute"]
    search_fields = ["order__number", "provider_reference"]
    show_full_result_count = False
    fields = [
        "order",
        "dispute",
        "amount",
        "currency",
        "reason",
        "note",
        "status",
        "idempotency_key",
        "provider_reference",
        "attempts",
        "next_attempt_at",
        "failure_reason",
        "created_at",
        "paid_at",
    ]
    readonly_fields = fields

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["-created_at", "-id"]

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, refund: Refund) -> str:
        return f"{refund.amount} {refund.currency}"

    @admin.display(description=_("dispute"), ordering="dispute_id")
    def dispute_reference(self, refund: Refund) -> str:
        return refund.dispute.reference if refund.dispute_id else "—"


class FreeReturnCountryInline(ReadOnlyInline):
    model = FreeReturnCountry
    fields = ["country", "max_item_value", "currency"]
    readonly_fields = fields
    parent_view_permission = "orders.view_store"


@admin.register(Store)
class StoreAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Stores and their return policies; sellers edit their own policy on the site."""

    list_display = ["name", "owner", "accepts_returns", "return_window_days", "return_shipping_paid_by"]
    list_filter = ["accepts_returns", "return_shipping_paid_by"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__username", "owner__email"]
    fields = [
        "name",
        "owner",
        "accepts_returns",
        "return_window_days",
        "return_shipping_paid_by",
        "refund_without_return_threshold",
        "refund_without_return_currency",
        "returns_personalised_items",
        "returns_used_items",
        "return_address",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [FreeReturnCountryInline]

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["name", "id"]
