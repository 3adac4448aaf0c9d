"""The admin is the mediation console: only mediators and superusers may enter."""

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
