"""Orders, refunds and stores in the mediation console: read-only. Orders change only through the
order services (a mediator's "Record delivery" is one call to one); the refund ledger and the
order timeline are never edited or deleted."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from orders import admin_search, roles, selectors, services
from orders.admin_filters import CurrencyFilter, DestinationCountryFilter
from orders.models import FreeReturnCountry, LineItem, Order, OrderEvent, Refund, ReturnTerms, Shipment, Store
from portal.admin_site import ListColumnsMixin, ReadOnlyAdminMixin
from portal.paging import CONSOLE_PAGE_SIZE, CappedPaginator


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
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
    fields = ["created_at", "type", "actor", "shown_note"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    parent_view_permission = "orders.view_order"
    verbose_name_plural = _("timeline")

    @admin.display(description=_("note"))
    def shown_note(self, event: OrderEvent) -> str:
        return selectors.event_note(event)

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderEvent]:
        return super().get_queryset(request).select_related("actor")


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["created_at", "amount", "currency", "reason", "dispute", "status", "paid_at", "failure_reason"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    parent_view_permission = "orders.view_order"


class RecordDeliveryForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What shows the parcel arrived (a carrier's proof of delivery, a call with the carrier)."
        ),
    )
    delivered_at = forms.DateTimeField(
        label=_("Delivered at"),
        required=False,
        help_text=_("When it arrived, if known; empty: now. Protection ends 5 days from now at the latest."),
    )


@admin.register(Order)
class OrderAdmin(ListColumnsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    result_count_label = ngettext_lazy("%(count)d order", "%(count)d orders", "count")
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
    list_filter = [
        "state",
        "payment_method",
        ("shipment__carrier", admin.ChoicesFieldListFilter),
        DestinationCountryFilter,
        "on_hold",
    ]
    list_select_related = ["buyer", "store"]
    # The state field is read by django-fsm as each row is made; an account shows its full name.
    list_columns = [
        "number",
        "state",
        "total_paid",
        "currency",
        "ship_to_country",
        "paid_at",
        "buyer__username",
        "buyer__first_name",
        "buyer__last_name",
        "store__name",
    ]
    # The search itself is ``get_search_results``; this only turns the search box on.
    search_fields = ["number"]
    search_help_text = _(
        "Order number or its start, or the start of the buyer's username or e-mail, or of the "
        "store's name or its owner's username or e-mail."
    )
    show_full_result_count = False
    paginator = CappedPaginator
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
    change_form_template = "admin/orders/order/change_form.html"

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["-paid_at", "-id"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Order], search_term: str):
        term = search_term.strip()
        return (admin_search.search_orders(queryset, term) if term else queryset), False

    # --- a mediator records a delivery ---------------------------------------------------------
    def has_record_delivery_permission(self, request: HttpRequest) -> bool:
        return roles.can_record_delivery(request.user)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_record_delivery": self.has_record_delivery_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/record-delivery/",
                self.admin_site.admin_view(self.record_delivery_view),
                name="orders_order_record_delivery",
            ),
            *super().get_urls(),
        ]

    def record_delivery_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Ask for the reason, then make the one service call; the event names the mediator."""
        if not self.has_record_delivery_permission(request):
            raise PermissionDenied
        order = get_object_or_404(Order.objects.select_related("store", "shipment"), pk=pk)
        form = RecordDeliveryForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                services.mark_order_delivered(
                    order=order,
                    actor=request.user,
                    now=timezone.now(),
                    delivered_at=form.cleaned_data["delivered_at"],
                    reason=form.cleaned_data["reason"],
                )
            except services.OrderError as error:
                form.add_error(None, str(error))
            else:
                self.log_change(request, order, "Recorded delivery")
                self.message_user(
                    request,
                    gettext("Delivery recorded. The buyer and the seller have been told."),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        return TemplateResponse(
            request,
            "admin/orders/order/record_delivery.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Record the delivery of order %(number)s") % {"number": order.number},
                "opts": self.opts,
                "order": order,
                "form": form,
            },
            status=400 if form.is_bound else 200,
        )


@admin.register(Refund)
class RefundAdmin(ListColumnsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    result_count_label = ngettext_lazy("%(count)d refund", "%(count)d refunds", "count")
    """The refund ledger: filter on "Failed" to find refunds the provider refused."""

    list_display = ["created_at", "order", "dispute_reference", "money", "reason", "status", "failure_reason"]
    list_filter = ["status", "reason", CurrencyFilter]
    list_select_related = ["order", "dispute"]
    list_columns = [
        "created_at",
        "amount",
        "currency",
        "reason",
        "status",
        "failure_reason",
        "order__number",
        "order__state",
        "dispute__state",
    ]
    # The search itself is ``get_search_results``; this only turns the search box on.
    search_fields = ["provider_reference"]
    search_help_text = _("The start of the order number (as written), or the provider's refund reference.")
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = CONSOLE_PAGE_SIZE
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

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Refund], search_term: str):
        term = search_term.strip()
        return (admin_search.search_refunds(queryset, term) if term else queryset), False

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
class StoreAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    result_count_label = ngettext_lazy("%(count)d store", "%(count)d stores", "count")
    """Stores and their return policies; sellers edit their own policy on the site."""

    list_display = ["name", "owner", "accepts_returns", "return_window_days", "return_shipping_paid_by"]
    list_filter = ["accepts_returns", "return_shipping_paid_by"]
    list_select_related = ["owner"]
    search_fields = ["name"]
    search_help_text = _("The start of the store's name, or of its owner's username or e-mail.")
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = CONSOLE_PAGE_SIZE
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

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Store], search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(pk__in=admin_search.stores_matching(term)), False
