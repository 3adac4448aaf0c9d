"""List filters the orders and disputes changelists share, with fixed choices: a filter that
lists the values there are (``SELECT DISTINCT``) reads the whole table on every load."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from orders import policy


class DestinationCountryFilter(admin.SimpleListFilter):
    """The order's destination country, from ``orders.policy.DESTINATION_COUNTRIES``."""

    title = _("destination country")
    parameter_name = "ship_to_country"
    #: The country field, seen from the changelist's model.
    field_path = "ship_to_country"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(country, country) for country in policy.DESTINATION_COUNTRIES]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(**{self.field_path: self.value()})
        return queryset


class CurrencyFilter(admin.SimpleListFilter):
    """The currency, from the currencies the marketplace prices in (the keys of
    ``orders.policy.REFUND_WITHOUT_RETURN_THRESHOLDS``, one per currency)."""

    title = _("currency")
    parameter_name = "currency"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(code, code) for code in policy.REFUND_WITHOUT_RETURN_THRESHOLDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(currency=self.value())
        return queryset
