"""The mediation queue's filters. The state filter opens on "in mediation": that is the queue."""

from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes import policy
from disputes.models import BuyerStanding, Dispute
from orders import admin_filters as orders_filters

S = Dispute.State


class QueueStateFilter(admin.SimpleListFilter):
    """State, with the two mediation states together as the default and "All" as a choice."""

    title = _("state")
    parameter_name = "state"
    DEFAULT = "mediation"
    GROUPS: dict[str, tuple[str, ...]] = {
        "mediation": Dispute.MEDIATION_STATES,
        "open": Dispute.OPEN_STATES,
        "closed": Dispute.CLOSED_STATES,
    }

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [
            ("mediation", _("In mediation (the queue)")),
            ("open", _("All open")),
            ("closed", _("All closed")),
            *S.choices,
            ("all", _("All")),
        ]

    def value(self) -> str:
        return super().value() or self.DEFAULT

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
        value = self.value()
        if value == "all":
            return queryset
        if value in self.GROUPS:
            return queryset.filter(state__in=self.GROUPS[value])
        if value in S.values:
            return queryset.filter(state=value)
        return queryset.none()


class DestinationCountryFilter(orders_filters.DestinationCountryFilter):
    """The order's destination country, from a fixed list (never ``DISTINCT`` over the orders),
    read from the dispute's copy of it."""

    parameter_name = "order__ship_to_country"
    field_path = "ship_to_country"


class AmountBandFilter(admin.SimpleListFilter):
    """The amount the buyer asks for, in bands per currency (``policy.QUEUE_AMOUNT_BANDS``): a
    band is "USD:25-100", "USD:-25" (under 25) or "USD:500-" (500 and over)."""

    title = _("amount asked")
    parameter_name = "amount"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        choices = []
        for currency, edges in policy.QUEUE_AMOUNT_BANDS.items():
            for low, high in _bands(edges):
                choices.append((f"{currency}:{_text(low)}-{_text(high)}", _band_label(currency, low, high)))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
        band = _parse_band(self.value() or "")
        if band is None:
            return queryset
        currency, low, high = band
        queryset = queryset.filter(currency=currency)
        if low is not None:
            queryset = queryset.filter(requested_amount__gte=low)
        if high is not None:
            queryset = queryset.filter(requested_amount__lt=high)
        return queryset


def _bands(edges: tuple[Decimal, ...]) -> list[tuple[Decimal | None, Decimal | None]]:
    bounds = [None, *edges, None]
    return list(pairwise(bounds))


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _band_label(currency: str, low: Decimal | None, high: Decimal | None) -> str:
    values = {"currency": currency, "low": _text(low), "high": _text(high)}
    if low is None:
        return _("%(currency)s: under %(high)s") % values
    if high is None:
        return _("%(currency)s: %(low)s and over") % values
    return _("%(currency)s: %(low)s to %(high)s") % values


def _parse_band(value: str) -> tuple[str, Decimal | None, Decimal | None] | None:
    """The currency and edges of a band value, or ``None`` when it is not one the filter offers."""
    currency, _colon, edges = value.partition(":")
    low_text, _dash, high_text = edges.partition("-")
    offered = policy.QUEUE_AMOUNT_BANDS.get(currency)
    if not offered:
        return None
    try:
        low = Decimal(low_text) if low_text else None
        high = Decimal(high_text) if high_text else None
    except InvalidOperation:
        return None
    if (low, high) not in _bands(tuple(offered)):
        return None
    return currency, low, high


class YesNoFilter(admin.SimpleListFilter):
    """A filter with "yes" and "no" whose condition is one ``Q``."""

    def condition(self, request: HttpRequest) -> Q:
        raise NotImplementedError

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
        if self.value() == "yes":
            return queryset.filter(self.condition(request))
        if self.value() == "no":
            return queryset.exclude(self.condition(request))
        return queryset


class FlaggedBuyerFilter(YesNoFilter):
    title = _("flagged buyer")
    parameter_name = "flagged"

    def condition(self, request: HttpRequest) -> Q:
        # EXISTS, so the flagged standings are read once and matched to the cases, instead of
        # each case's buyer and standing being looked up (at 1M orders, 3,300 in mediation).
        return Q(Exists(BuyerStanding.objects.filter(buyer_id=OuterRef("buyer_id"), flagged=True)))


class OverdueFilter(YesNoFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def condition(self, request: HttpRequest) -> Q:
        return Q(deadline_at__lt=timezone.now())


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("me", _("Me")), ("nobody", _("Nobody")), ("others", _("Someone else"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
        if self.value() == "me":
            return queryset.filter(assigned_mediator=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_mediator__isnull=True)
        if self.value() == "others":
            return queryset.filter(assigned_mediator__isnull=False).exclude(assigned_mediator=request.user)
        return queryset
