"""The seller record pages: the public store page (no sign-in) and the seller's own record with
trends. Both read ``seller_record``; neither names a buyer or an order's amount."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from disputes.seller_record import seller_record
from orders.models import Store


class StoreRecordView(View):
    """Anyone may read a store's record: it is what buyers weigh before and after they buy."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        store = get_object_or_404(Store.objects.only("pk", "name"), pk=pk)
        record = seller_record(store=store, now=timezone.now())
        return render(request, "disputes/store_record.html", {"record": record, "store": store})


class SellerRecordView(LoginRequiredMixin, View):
    """The seller's own record, this window against the one before."""

    def get(self, request: HttpRequest) -> HttpResponse:
        store = Store.objects.filter(owner=request.user).only("pk", "name").first()
        if store is None:
            raise Http404("No store.")
        record = seller_record(store=store, now=timezone.now())
        return render(
            request, "disputes/seller_record.html", {"record": record, "store": store, "own_record": True}
        )
