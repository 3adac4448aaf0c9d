"""The outbox in the admin, read-only: what is pending, what was given up and why."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.admin_site import ReadOnlyAdminMixin
from portal.outbox.models import OutboxMessage


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("pending", _("pending")), ("given_up", _("given up")), ("done", _("done"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
        if self.value() == "pending":
            return queryset.filter(done_at__isnull=True, gave_up_at__isnull=True)
        if self.value() == "given_up":
            return queryset.filter(gave_up_at__isnull=False)
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "task",
        "kwargs",
        "state",
        "dispatch_count",
        "created_at",
        "next_dispatch_at",
        "last_error",
    ]
    list_filter = [StateFilter, "task"]
    search_fields = ["task"]
    ordering = ["-created_at", "-pk"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
