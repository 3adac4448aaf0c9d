"""The admin is the mediation console: only mediators and superusers may enter. Its records are
written by services, never by the admin's own forms (:class:`ReadOnlyAdminMixin`)."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import is_mediator


class PortalAdminSite(admin.AdminSite):
    site_header = _("Buyer Protection — mediation console")
    site_title = _("Mediation console")
    index_title = _("Mediation")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_mediator(request.user)


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
