from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from portal import logging as portal_logging


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        portal_logging.connect_task_signals()


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"
