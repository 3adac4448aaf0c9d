from django.contrib import admin
from django.urls import include, path

from orders.views import home
from portal.health import healthz

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("portal.accounts.urls")),
    path("admin/", admin.site.urls),
    path("messages/", include("messaging.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("", include("orders.urls")),
    path("", include("disputes.urls")),
]
