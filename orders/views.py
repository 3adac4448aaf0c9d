"""Order pages for buyers and sellers. Each view parses, gates, makes one service call, responds."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from orders import confirmations, order_page, permissions, selectors, services, tracking
from orders.forms import GrantExtensionForm, RequestExtensionForm, ReturnPolicyForm, ShipOrderForm
from orders.models import Order
from portal.accounts.roles import is_mediator
from portal.confirmation import is_confirmed
from portal.paging import KeysetPaginator

PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page they work from."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if permissions.is_seller(request.user):
        return redirect("orders:seller_list")
    if is_mediator(request.user):
        return redirect("admin:index")
    return redirect("orders:list")


class BuyerOrderListView(LoginRequiredMixin, TemplateView):
    template_name = "orders/order_list.html"

    def get_context_data(self, **kwargs) -> dict:
        status = self.request.GET.get("status") or None
        orders = selectors.orders_for_buyer(buyer=self.request.user, status=status)
        page = KeysetPaginator(orders, PAGE_SIZE).get_page(self.request.GET)
        return {
            **super().get_context_data(**kwargs),
            "page": page,
            "by_date": True,
            "status": status if status in selectors.BUYER_FILTERS else "",
            "filters": [(key, label) for key, (label, _states) in selectors.BUYER_FILTERS.items()],
        }


class SellerOrderListView(LoginRequiredMixin, TemplateView):
    template_name = "orders/seller_order_list.html"

    def setup(self, request: HttpRequest, *args, **kwargs) -> None:
        super().setup(request, *args, **kwargs)
        self.store = None

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            self.store = permissions.get_store_for_seller(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        tab = self.request.GET.get("tab")
        if tab not in selectors.SELLER_TABS:
            tab = "to_ship"
        orders = selectors.orders_for_store(store=self.store, tab=tab)
        page = KeysetPaginator(orders, PAGE_SIZE).get_page(self.request.GET)
        counts = selectors.seller_tab_counts(store=self.store)
        return {
            **super().get_context_data(**kwargs),
            "store": self.store,
            "page": page,
            "by_date": tab != "to_ship",
            "tab": tab,
            "tabs": [(key, label, *counts[key]) for key, (label, _states) in selectors.SELLER_TABS.items()],
        }


def order_page_context(request: HttpRequest, order: Order, **forms) -> dict:
    """Everything the order page shows to this viewer, precomputed for the template."""
    order = selectors.order_for_page(order)
    user = request.user
    viewer_is_buyer = permissions.is_order_buyer(order, user)
    now = timezone.now()
    # A deadline that passed holds even before the sweep applies it: say what it does, offer nothing.
    deadline_passed = selectors.passed_deadline_sentence(order) if order.deadline_due(now) else ""
    actions = set() if deadline_passed else permissions.available_order_actions(order, user)
    number = order.number
    can_request_extension = not deadline_passed and permissions.can_request_extension(order, user, now)
    can_answer_extension = not deadline_passed and permissions.can_answer_extension(order, user)
    context = {
        "order": order,
        "viewer_is_buyer": viewer_is_buyer,
        "actions": actions,
        "deadline_passed": deadline_passed,
        "protection": selectors.protection_status(order, viewer_is_buyer=viewer_is_buyer),
        "return_policy": selectors.return_policy_summary(order),
        "refunded_total": selectors.refunded_total(order),  # from the prefetched refunds
        "refund_days": selectors.refund_timing(order),
        "can_request_extension": can_request_extension,
        "can_answer_extension": can_answer_extension,
        "confirm_receipt": confirmations.confirm_receipt(order, now)
        if "confirm_receipt" in actions
        else None,
        # The seller's word, shown as such: it changes nothing until delivery is recorded.
        "seller_says_delivered_at": order.seller_reported_delivered_at
        if order.state == Order.State.SHIPPED
        else None,
        "ship_form": forms.get("ship_form")
        or (ShipOrderForm(action=reverse("orders:ship", args=[number])) if "ship" in actions else None),
        "extension_form": forms.get("extension_form")
        or (
            RequestExtensionForm(action=reverse("orders:request_extension", args=[number]))
            if can_request_extension
            else None
        ),
        "grant_form": forms.get("grant_form")
        or (
            GrantExtensionForm(action=reverse("orders:grant_extension", args=[number]))
            if can_answer_extension
            else None
        ),
    }
    # What other apps show here (the disputes panel, the conversation link) they registered.
    context.update(order_page.page_context(order=order, user=user, now=now))
    return context


class OrderViewMixin(LoginRequiredMixin):
    """Loads the order through the gatekeeper: a stranger's order is a 404."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            self.order = permissions.get_order_for_user(request.user, kwargs["number"])
        return super().dispatch(request, *args, **kwargs)


class OrderDetailView(OrderViewMixin, View):
    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        return render(request, "orders/order_detail.html", order_page_context(request, self.order))


class OrderActionView(OrderViewMixin, View):
    """POST-only action on an order: validate the form, call one service, report the outcome."""

    form_class = None
    form_context_name = ""
    success_message = ""

    def perform(self, form) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        form = self.form_class(request.POST, action=request.path) if self.form_class else None
        if form is not None and not form.is_valid():
            context = order_page_context(request, self.order, **{self.form_context_name: form})
            return render(request, "orders/order_detail.html", context, status=400)
        try:
            self.perform(form)
        except services.OrderError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, self.success_message)
        return HttpResponseRedirect(reverse("orders:detail", args=[number]))


class ShipOrderView(OrderActionView):
    form_class = ShipOrderForm
    form_context_name = "ship_form"
    success_message = gettext_lazy("Marked as shipped. The buyer has been told.")

    def perform(self, form) -> None:
        services.ship_order(
            order=self.order,
            seller=self.request.user,
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
            now=timezone.now(),
        )


class ReportDeliveredView(OrderActionView):
    success_message = gettext_lazy(
        "Reported as delivered. The buyer is asked to confirm receipt; their protection is unchanged "
        "until the carrier's tracking or the buyer confirms it."
    )

    def perform(self, form) -> None:
        services.report_delivery(order=self.order, seller=self.request.user, now=timezone.now())


class ConfirmReceiptView(OrderActionView):
    success_message = gettext_lazy("Thank you. Receipt confirmed.")

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        if not is_confirmed(request):
            return confirmations.review_or_refuse(request, self.order, timezone.now())
        return super().post(request, number)

    def perform(self, form) -> None:
        services.confirm_receipt(order=self.order, buyer=self.request.user, now=timezone.now())


class RequestExtensionView(OrderActionView):
    form_class = RequestExtensionForm
    form_context_name = "extension_form"
    success_message = gettext_lazy("Extension requested. The seller has been asked.")

    def perform(self, form) -> None:
        services.request_protection_extension(
            order=self.order, buyer=self.request.user, note=form.cleaned_data["note"], now=timezone.now()
        )


class GrantExtensionView(OrderActionView):
    form_class = GrantExtensionForm
    form_context_name = "grant_form"
    success_message = gettext_lazy("Protection extended. The buyer has been told.")

    def perform(self, form) -> None:
        services.grant_protection_extension(
            order=self.order, seller=self.request.user, days=form.cleaned_data["days"], now=timezone.now()
        )


class DeclineExtensionView(OrderActionView):
    success_message = gettext_lazy("Extension declined. The buyer has been told.")

    def perform(self, form) -> None:
        services.decline_protection_extension(order=self.order, seller=self.request.user, now=timezone.now())


class ReturnPolicyView(LoginRequiredMixin, View):
    template_name = "orders/store_return_policy.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            self.store = permissions.get_store_for_seller(request.user)
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request: HttpRequest, form: ReturnPolicyForm, status: int = 200) -> HttpResponse:
        # Said before saving: a change applies to new orders, the ones in progress keep their terms.
        in_progress = selectors.orders_in_progress_count(store=self.store)
        return render(request, self.template_name, {"form": form, "in_progress": in_progress}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, ReturnPolicyForm(instance=self.store))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ReturnPolicyForm(request.POST, instance=self.store)
        if not form.is_valid():
            return self._render(request, form, status=400)
        changes = {name: form.cleaned_data[name] for name in ReturnPolicyForm.Meta.fields}
        services.update_return_policy(
            store=self.store,
            seller=request.user,
            changes=changes,
            free_return_countries=form.cleaned_data["free_return_countries"],
        )
        messages.success(request, _("Return policy saved. It applies to orders placed from now on."))
        return redirect("orders:return_policy")


@csrf_exempt
@require_POST
def tracking_webhook(request: HttpRequest) -> HttpResponse:
    """A carrier's tracking update: verified by its signature, applied by one service call.

    400 for a bad signature or body, 404 for a parcel this portal does not know (the sender's
    data does not match a shipment: worth its attention), 200 with what was done otherwise.
    """
    now = timezone.now()
    try:
        update = tracking.get_provider().parse_webhook(body=request.body, headers=request.headers, now=now)
        result = tracking.record_tracking_update(update=update, now=now)
    except tracking.NotConfigured as error:
        tracking.logger.error("tracking webhook refused: %s", error)
        return JsonResponse({"error": "tracking updates are not configured"}, status=503)
    except tracking.UnknownShipment as error:
        tracking.logger.warning("tracking webhook: %s", error)
        return JsonResponse({"error": str(error)}, status=404)
    except tracking.TrackingError as error:
        tracking.logger.warning("tracking webhook refused: %s", error)
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"result": result})
