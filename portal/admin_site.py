"""The admin is the mediation console: only mediators and superusers may enter.

Its home page shows counts that domain apps register (``register_index_counts``), so the kernel
names no app: disputes registers the queue's new, overdue and evidence-requested cases. Its
records are written by services, never by the admin's own forms (:class:`ReadOnlyAdminMixin`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import is_mediator
from portal.paging import CappedPaginator


@dataclass(frozen=True)
class IndexCount:
    """One figure on the console's home page: a translated sentence with its count, and a link
    to the list it counts."""

    key: str
    text: str
    count: int
    url: str
    #: Shown as needing attention when the count is not zero.
    urgent: bool = False


#: Callables ``(request) -> list[IndexCount]``, each returning [] to a user who may not see them.
_index_counts: list[Callable[[HttpRequest], list[IndexCount]]] = []


def register_index_counts(provider: Callable[[HttpRequest], list[IndexCount]]) -> None:
    """Show ``provider``'s counts on the admin's home page (from an app's ``AppConfig.ready``)."""
    if provider not in _index_counts:
        _index_counts.append(provider)


def index_counts(request: HttpRequest) -> list[IndexCount]:
    return [count for provider in _index_counts for count in provider(request)]


class PortalAdminSite(admin.AdminSite):
    site_header = _("Buyer Protection — mediation console")
    site_title = _("Mediation console")
    index_title = _("Mediation")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_mediator(request.user)

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        return super().index(request, {"index_counts": index_counts(request), **(extra_context or {})})


class ReadOnlyAdminMixin:
    """Nothing can be added, changed or deleted through the admin's own forms; viewing follows
    the model's view permission. Every change goes through a service (an action or a page of
    the console), which keeps the rules and writes the event."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ListColumnsChangeList(ChangeList):
    """A change list whose rows load only their admin's ``list_columns``."""

    def get_queryset(self, request: HttpRequest, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.only(*self.model_admin.list_columns)


class ListColumnsMixin:
    """The change list reads only the columns its rows show, ``list_columns`` (``only()`` paths,
    the foreign keys that ``list_select_related`` follows among them), not every column of the
    row and of each joined one.

    A page of 50 rows joined to five tables is 300 rows, and every column read is a value to
    parse: at 10k orders, the queue's page loaded its 50 disputes in 28 ms with every column
    (most of it the dozens of timestamps of each order and account), 17 ms with these (issue
    17). A column missing from the list is read by a query of its own for each row, which the
    lists' query-count tests catch; the actions get the same rows and reload what they change
    (every service locks the row it changes).
    """

    list_columns: Sequence[str] = ()

    def get_changelist(self, request: HttpRequest, **kwargs):
        return ListColumnsChangeList if self.list_columns else super().get_changelist(request, **kwargs)

    def get_paginator(self, request: HttpRequest, queryset: QuerySet, per_page: int, *args, **kwargs):
        """A capped list's page is read by id from the admin's rows with the list's joins, columns
        and ordering, not its filters (``CappedPaginator.rows``). (Django pages an object's history,
        its log entries, with this paginator too.)"""
        paginator = super().get_paginator(request, queryset, per_page, *args, **kwargs)
        if self.list_columns and queryset.model is self.model and isinstance(paginator, CappedPaginator):
            rows = self.get_queryset(request).order_by(*queryset.query.order_by)
            rows.query.select_related = queryset.query.select_related
            paginator.rows = rows.only(*self.list_columns)
        return paginator
