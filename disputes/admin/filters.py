"""The mediation queue's filters. The state filter opens on "in mediation": that is the queue."""

from decimal import Decimal

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Dispute

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


class DestinationCountryFilter(admin.SimpleListFilter):
    """The order's destination country. It offers only the countries among the disputes the
    state filter shows: listing every value (``AllValuesFieldListFilter``) would read every
    order in the marketplace on each load of the queue."""

    title = _("destination country")
    parameter_name = "order__ship_to_country"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        state = request.GET.get(QueueStateFilter.parameter_name) or QueueStateFilter.DEFAULT
        disputes = Dispute.objects.all()
        if state in QueueStateFilter.GROUPS:
            disputes = disputes.filter(state__in=QueueStateFilter.GROUPS[state])
        elif state in S.values:
            disputes = disputes.filter(state=state)
        countries = (
            disputes.order_by("order__ship_to_country")
            .values_list("order__ship_to_country", flat=True)
            .distinct()
        )
        return [(country, country) for country in countries]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
        if self.value():
            return queryset.filter(order__ship_to_country=self.value())
        return queryset


class AmountBandFilter(admin.SimpleListFilter):
    """The amount the buyer asks for, in bands (in the order's currency)."""

    title = _("amount asked")
    parameter_name = "amount"
    BANDS: dict[str, tuple[Decimal | None, Decimal | None]] = {
        "lt25": (None, Decimal("25")),
        "25-100": (Decimal("25"), Decimal("100")),
        "100-500": (Decimal("100"), Decimal("500")),
        "gt500": (Decimal("500"), None),
    }

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [
            ("lt25", _("under 25")),
            ("25-100", _("25 to 100")),
            ("100-500", _("100 to 500")),
            ("gt500", _("500 and over")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
        band = self.BANDS.get(self.value() or "")
        if band is None:
            return queryset
        low, high = band
        if low is not None:
            queryset = queryset.filter(requested_amount__gte=low)
        if high is not None:
            queryset = queryset.filter(requested_amount__lt=high)
        return queryset


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
        return Q(buyer__standing__flagged=True)


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
